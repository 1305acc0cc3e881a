/// The classical step-size bound of gradient descent.
///
/// On a quadratic `E(θ) = ½ θᵀHθ − bᵀθ`, gradient descent `θ ← θ − γ∇E` multiplies the error
/// along each eigenvector of `H` by `1 − γλ_i`; it converges iff `|1 − γλ_i| < 1` for every
/// `λ_i > 0`, i.e. iff `γ < 2/λ_max`, and diverges along the top eigenvector for `γ > 2/λ_max`.
/// Near a minimum a network's loss is such a quadratic with `H = ∇²E`.
public enum StepSize {
    /// The fraction of the bound that ``suggestedLearningRate(lambdaMax:)`` returns: `½`, i.e.
    /// `γ = 1/λ_max`, which removes the top eigendirection's error in one step (`1 − γλ_max = 0`)
    /// and keeps every `|1 − γλ_i| ≤ 1` with a margin against an underestimated `λ_max`.
    public static let suggestedFraction = 0.5

    /// `2/λ_max`, or `nil` when `λ_max ≤ 0` (no positive curvature: the bound gives no limit).
    public static func bound(lambdaMax: Double) -> Double? {
        lambdaMax > 0 && lambdaMax.isFinite ? 2 / lambdaMax : nil
    }

    /// ``suggestedFraction`` `· 2/λ_max = 1/λ_max`, or `nil` when `λ_max ≤ 0`.
    public static func suggestedLearningRate(lambdaMax: Double) -> Double? {
        bound(lambdaMax: lambdaMax).map { suggestedFraction * $0 }
    }
}
