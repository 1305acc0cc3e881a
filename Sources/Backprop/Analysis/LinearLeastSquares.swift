/// The closed-form reference for gradient descent: a linear model `y = x·W + b` (one identity
/// layer) under squared error, solved exactly through LAPACK.
///
/// The mean loss `E = 1/N Σ_k ½‖x_k·W + b − t_k‖²` is minimised, for any `N > 0`, by the
/// least-squares solution of
///
/// ```
/// [X 1]·[W; b] ≈ T        X: N × d,  1: N × 1,  W: d × c,  b: 1 × c,  T: N × c
/// ```
///
/// (the `1/N` and `½` do not move the minimiser), computed by `?gels` on the augmented matrix
/// `[X 1]` (QR, no normal equations, so the conditioning is that of `[X 1]`, not its square).
/// Gradient descent on the same network (``network(inputs:targets:)``) with `γ < 2/λ_max`
/// converges to it; here `λ_max` is the largest eigenvalue of the Hessian `[X 1]ᵀ[X 1]/N`.
public enum LinearLeastSquares {
    /// The minimiser `(W, b)`: `W` is `d × c`, `b` is `1 × c`, for `inputs` `N × d` and `targets`
    /// `N × c`. Throws ``LAPACKError/rankDeficient(routine:info:)`` when `[X 1]` does not have full
    /// column rank exactly (e.g. a constant feature column, which duplicates the bias, or
    /// `N < d + 1` with exact dependence). Traps when the row counts differ.
    public static func solve<T: BLASScalar>(inputs x: Matrix<T>, targets t: Matrix<T>)
        throws(LAPACKError) -> (weight: Matrix<T>, bias: Matrix<T>)
    {
        if x.rows != t.rows {
            shapeMismatch("LinearLeastSquares.solve", "inputs are \(x.rows)×\(x.cols), targets are \(t.rows)×\(t.cols)")
        }
        let (n, d) = (x.rows, x.cols)
        var augmented = Matrix<T>(rows: n, cols: d + 1)
        for i in 0..<n {
            for j in 0..<d { augmented.elements[i * (d + 1) + j] = x.elements[i * d + j] }
            augmented.elements[i * (d + 1) + d] = 1
        }
        let solution = try LAPACK.leastSquares(augmented, t)  // (d + 1) × c
        return (solution.rows(0..<d), solution.rows(d..<(d + 1)))
    }

    /// The linear model as a one-layer network: identity activation, `.mse` loss, `W` and `b`
    /// set to ``solve(inputs:targets:)``'s solution.
    public static func network<T: BLASScalar>(inputs: Matrix<T>, targets: Matrix<T>)
        throws(LAPACKError) -> Network<T>
    {
        let (w, b) = try solve(inputs: inputs, targets: targets)
        return Network(layers: [DenseLayer(weight: w, bias: b, activation: .identity)], loss: .mse)
    }
}
