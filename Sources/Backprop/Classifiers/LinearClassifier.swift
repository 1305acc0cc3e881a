/// A linear two-class decision rule `z = wᵀx + b`, `y = sign(z)`, with targets `t ∈ {−1, +1}`.
///
/// What the perceptron learns and what the nearest-mean classifier reduces to. A point counts as
/// correctly classified when `t·z > 0`: a point on the boundary (`z = 0`) is wrong for both
/// classes, as in Rosenblatt's rule.
public struct LinearClassifier<Scalar: BLASScalar>: Sendable, Equatable {
    /// `w`, a `d × 1` column.
    public var weights: Matrix<Scalar>
    /// `b`.
    public var bias: Scalar

    /// A rule from its weights (`d` entries) and bias.
    public init(weights: [Scalar], bias: Scalar) {
        self.weights = Matrix(column: weights)
        self.bias = bias
    }

    /// The zero rule `w = 0`, `b = 0` in dimension `d` (every point is on the boundary).
    public init(dimension d: Int) {
        self.init(weights: Array(repeating: 0, count: d), bias: 0)
    }

    /// Number of features `d`.
    public var dimension: Int { weights.rows }

    /// The scores `z = X·w + b` of the `N × d` samples `X`, as an `N × 1` column (one gemv).
    public func scores(_ x: Matrix<Scalar>, backend: Backend = .blas) -> Matrix<Scalar> {
        if x.cols != dimension {
            shapeMismatch(
                "LinearClassifier.scores", "X is \(x.rows)×\(x.cols), w is \(dimension)×1")
        }
        var z = Matrix<Scalar>(rows: x.rows, cols: 1, repeating: bias)
        x.withView { xv in
            weights.withView { wv in z.withMutableView { backend.gemv(xv, wv, beta: 1, into: $0) } }
        }
        return z
    }

    /// `sign(z)` for each sample: `+1`, `−1`, or `0` on the boundary.
    public func predictions(_ x: Matrix<Scalar>, backend: Backend = .blas) -> [Scalar] {
        scores(x, backend: backend).elements.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }

    /// The fraction of samples with `t·z > 0`, for `N × 1` targets `t ∈ {−1, +1}`.
    public func accuracy(_ x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas)
        -> Double
    {
        Loss.perceptron.accuracy(scores(x, backend: backend), t)
    }

    /// The perceptron error `E(w, b) = 1/N Σ_k max(0, −z_k t_k)` on these samples.
    public func perceptronError(
        _ x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas
    ) -> Scalar {
        Loss.perceptron.value(scores(x, backend: backend), t)
    }
}
