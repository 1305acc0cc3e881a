/// The *algebraically* largest eigenvalue `λ_max` of a symmetric operator `v ↦ A·v`, by shifted
/// power iteration, without ever forming `A`.
///
/// Plain power iteration `v ← A·v / ‖A·v‖` converges to the eigenvalue of largest *magnitude*.
/// Network Hessians have negative eigenvalues, often larger in size than the largest positive one,
/// so that is not `λ_max`. Two phases:
///
/// 1. Power iteration on `A` gives the dominant eigenvalue `μ` (Rayleigh quotient `vᵀAv`) and the
///    spectral radius `ρ ≈ ‖A·v‖`. If it converged and `μ ≥ 0`, then `μ` is the largest-magnitude
///    eigenvalue and positive, hence `λ_max = μ`.
/// 2. Otherwise (`μ < 0`, or no convergence, as happens when `±ρ` are both eigenvalues) iterate
///    on `B = A + ρ·I` from a fresh start vector. `B`'s eigenvalues `λ_i + ρ` are all `≥ 0`
///    (since `λ_i ≥ −ρ`), and the largest of them is `λ_max + ρ`, now dominant; so
///    `λ_max = ν − ρ` for `B`'s Rayleigh quotient `ν`. With `μ < 0` this is the shift `B = A − μI`.
///
/// Convergence test: the residual `‖A·v − μ·v‖ ≤ tolerance·‖A·v‖` (for a unit `v`). For a
/// symmetric `A` the eigenvalue error is then about `tolerance²·‖A‖²/gap`, far smaller. Each
/// phase converges like `(λ₂/λ₁)^k` in its own spectrum, so a small gap needs many iterations; the
/// result reports whether the tolerance was met. Start vectors are seeded Gaussians.
public enum PowerIteration {
    /// 1000 operator applications per phase.
    public static let defaultMaxIterations = 1000
    /// Relative residual `1e-6` (eigenvalue to ≈ 1e-12 relative when the gap is not tiny).
    public static let defaultTolerance = 1e-6

    /// The outcome of ``largestEigenvalue(dimension:maxIterations:tolerance:seed:apply:)``.
    public struct Result: Sendable {
        /// `λ_max`, the algebraically largest eigenvalue.
        public var lambdaMax: Double
        /// The unit eigenvector estimate for `λ_max`.
        public var eigenvector: [Double]
        /// Phase 1's Rayleigh quotient: the largest-magnitude eigenvalue (with its sign) when
        /// phase 1 converged.
        public var dominantEigenvalue: Double
        /// The shift `ρ` of phase 2, or 0 when phase 2 was not needed.
        public var shift: Double
        /// Operator applications in both phases.
        public var iterations: Int
        /// Whether the phase that produced `λ_max` met the tolerance.
        public var converged: Bool
        /// Final relative residual `‖A·v − λ·v‖ / ‖A·v‖` of that phase.
        public var residual: Double
    }

    /// `λ_max` of the symmetric `dimension × dimension` operator `apply` (see the type's notes).
    /// Traps when `dimension < 1` or `apply` returns a wrong length.
    public static func largestEigenvalue(
        dimension: Int, maxIterations: Int = defaultMaxIterations,
        tolerance: Double = defaultTolerance, seed: UInt64 = 0,
        apply: ([Double]) -> [Double]
    ) -> Result {
        if dimension < 1 { fatalError("PowerIteration: dimension \(dimension) must be ≥ 1") }
        if maxIterations < 1 { fatalError("PowerIteration: maxIterations \(maxIterations) must be ≥ 1") }
        var generator = SeededGenerator(seed: seed)
        let first = iterate(
            start: randomUnitVector(dimension, &generator), shift: 0, maxIterations: maxIterations,
            tolerance: tolerance, apply: apply)
        let mu = first.rayleigh
        let rho = first.normOfProduct
        if rho == 0 {
            // A·v = 0 for the start vector and, with probability 1, A = 0.
            return Result(
                lambdaMax: 0, eigenvector: first.vector, dominantEigenvalue: 0, shift: 0,
                iterations: first.iterations, converged: true, residual: 0)
        }
        if first.converged && mu >= 0 {
            return Result(
                lambdaMax: mu, eigenvector: first.vector, dominantEigenvalue: mu, shift: 0,
                iterations: first.iterations, converged: true, residual: first.residual)
        }
        let second = iterate(
            start: randomUnitVector(dimension, &generator), shift: rho,
            maxIterations: maxIterations, tolerance: tolerance, apply: apply)
        return Result(
            lambdaMax: second.rayleigh - rho, eigenvector: second.vector, dominantEigenvalue: mu,
            shift: rho, iterations: first.iterations + second.iterations,
            converged: second.converged, residual: second.residual)
    }

    private struct Phase {
        var rayleigh: Double
        var normOfProduct: Double
        var vector: [Double]
        var iterations: Int
        var converged: Bool
        var residual: Double
    }

    /// Power iteration on `A + shift·I` from the unit vector `start`.
    private static func iterate(
        start: [Double], shift: Double, maxIterations: Int, tolerance: Double,
        apply: ([Double]) -> [Double]
    ) -> Phase {
        var v = start
        var phase = Phase(rayleigh: 0, normOfProduct: 0, vector: v, iterations: 0, converged: false, residual: .infinity)
        for k in 1...maxIterations {
            var w = apply(v)
            if w.count != v.count {
                shapeMismatch("PowerIteration", "the operator returned \(w.count) entries for a vector of \(v.count)")
            }
            if shift != 0 { for i in 0..<w.count { w[i] += shift * v[i] } }
            let lambda = FlatVector.dot(v, w)
            let wNorm = FlatVector.norm(w)
            var r = w
            for i in 0..<r.count { r[i] -= lambda * v[i] }
            let residual = wNorm > 0 ? FlatVector.norm(r) / wNorm : 0
            phase = Phase(rayleigh: lambda, normOfProduct: wNorm, vector: v, iterations: k, converged: residual <= tolerance, residual: residual)
            if phase.converged || wNorm == 0 || !wNorm.isFinite { break }
            for i in 0..<w.count { w[i] /= wNorm }
            v = w
        }
        return phase
    }

    private static func randomUnitVector(_ n: Int, _ g: inout SeededGenerator) -> [Double] {
        var v = (0..<n).map { _ in g.nextGaussian(Double.self) }
        let s = FlatVector.norm(v)
        for i in 0..<n { v[i] /= s }
        return v
    }
}
