/// Z-score standardisation `x'_ij = (x_ij − μ_j) / σ_j`, with `μ_j` and `σ_j` the mean and the
/// population standard deviation `√(1/N Σ_i (x_ij − μ_j)²)` of column `j` of the *training*
/// features.
///
/// Fit once on the training set, then apply the same statistics to any data (validation, test,
/// new points): the model sees new data on the training scale.
///
/// A constant column (`σ_j = 0`) is only centred: it is divided by 1 instead, so it becomes 0 and
/// never NaN. ``deviations`` keeps the true `σ_j` (0 for that column).
///
/// Statistics are accumulated in `Double` whatever the scalar, so large `Float` data sets get the
/// same accuracy.
public struct Standardizer<Scalar: BLASScalar>: Sendable, Equatable {
    /// `μ_j`, one per column.
    public var means: [Scalar]
    /// `σ_j` (population standard deviation), one per column; 0 for a constant column.
    public var deviations: [Scalar]

    /// Statistics from given means and deviations (e.g. read back from a model file).
    public init(means: [Scalar], deviations: [Scalar]) {
        if means.count != deviations.count {
            fatalError(
                "Standardizer: \(means.count) means but \(deviations.count) deviations")
        }
        self.means = means
        self.deviations = deviations
    }

    /// Fits the statistics of the `N × d` `features` (two passes: mean, then squared deviations).
    /// Traps on an empty matrix (`N = 0`): there is nothing to fit.
    public init(fitting features: Matrix<Scalar>) {
        let (n, d) = (features.rows, features.cols)
        if n == 0 { fatalError("Standardizer(fitting:): needs at least one row, got 0×\(d)") }
        var mean = Array(repeating: 0.0, count: d)
        var variance = Array(repeating: 0.0, count: d)
        features.withUnsafeBufferPointer { x in
            for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n {
                for j in 0..<d {
                    let e = Double(x[i * d + j]) - mean[j]
                    variance[j] += e * e
                }
            }
        }
        self.means = mean.map { Scalar($0) }
        self.deviations = variance.map { Scalar(($0 / Double(n)).squareRoot()) }
    }

    /// Number of columns `d`.
    public var dimension: Int { means.count }

    /// The divisor used for column `j`: `σ_j`, or 1 for a constant column.
    public func scale(_ j: Int) -> Scalar { deviations[j] > 0 ? deviations[j] : 1 }

    /// `(x − μ) / σ` row by row, for an `M × d` matrix. Traps when `x` has another number of
    /// columns than the fitted data.
    public func apply(to x: Matrix<Scalar>) -> Matrix<Scalar> {
        if x.cols != dimension {
            fatalError(
                "Standardizer.apply: shape mismatch: data is \(x.rows)×\(x.cols), statistics are for \(dimension) columns")
        }
        var out = x
        let d = dimension
        let scales = (0..<d).map { scale($0) }
        out.withUnsafeMutableBufferPointer { y in
            for i in 0..<x.rows {
                for j in 0..<d { y[i * d + j] = (y[i * d + j] - means[j]) / scales[j] }
            }
        }
        return out
    }

    /// The same data set with standardised features (labels and names unchanged).
    public func apply(to data: LabeledData<Scalar>) -> LabeledData<Scalar> {
        var out = data
        out.features = apply(to: data.features)
        return out
    }

    /// `x = x'·σ + μ`: undoes `apply(to:)` (for drawing results in the original units).
    public func invert(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        if x.cols != dimension {
            fatalError(
                "Standardizer.invert: shape mismatch: data is \(x.rows)×\(x.cols), statistics are for \(dimension) columns")
        }
        var out = x
        let d = dimension
        out.withUnsafeMutableBufferPointer { y in
            for i in 0..<x.rows {
                for j in 0..<d { y[i * d + j] = y[i * d + j] * scale(j) + means[j] }
            }
        }
        return out
    }
}

extension Standardizer: Codable where Scalar: Codable {}
