/// The nearest-mean classifier: assign `x` to the class whose mean is nearer.
///
/// With `μ₊` the mean of the positive class (`t = +1`) and `μ₋` of the negative class,
///
///     ‖x − μ₋‖² − ‖x − μ₊‖² = 2(μ₊ − μ₋)ᵀx + ‖μ₋‖² − ‖μ₊‖² = wᵀx + b,
///
/// so the rule is linear (the lecture's derivation with class 1 = +1):
/// `w = 2(μ₊ − μ₋)`, `b = ‖μ₋‖² − ‖μ₊‖²`, and `x` goes to the positive class when `z > 0`.
/// Both forms are available: ``predictByDistance(_:)`` compares distances,
/// ``linearForm`` is the equivalent ``LinearClassifier``.
public struct NearestMeanClassifier<Scalar: BLASScalar>: Sendable, Equatable {
    /// `μ₊`, the mean of the positive class (`d` entries).
    public var positiveMean: [Scalar]
    /// `μ₋`, the mean of the negative class (`d` entries).
    public var negativeMean: [Scalar]

    /// A classifier from given means (same length).
    public init(positiveMean: [Scalar], negativeMean: [Scalar]) {
        if positiveMean.count != negativeMean.count {
            shapeMismatch(
                "NearestMeanClassifier",
                "μ₊ has \(positiveMean.count) entries, μ₋ has \(negativeMean.count)")
        }
        self.positiveMean = positiveMean
        self.negativeMean = negativeMean
    }

    /// Fits the class means of `N × d` features with `N × 1` targets `t ∈ {−1, +1}`:
    /// `μ_c = Xᵀ·s_c` with `s_c[k] = 1/N_c` for the samples of class `c`, else 0 (one gemv per
    /// class). Traps when a class has no sample.
    public init(features x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas) {
        if t.rows != x.rows || t.cols != 1 {
            shapeMismatch(
                "NearestMeanClassifier", "features are \(x.rows)×\(x.cols), targets are \(t.rows)×\(t.cols); need N×1")
        }
        func mean(of target: Scalar) -> [Scalar] {
            let members = t.elements.filter { $0 == target }.count
            if members == 0 {
                fatalError("NearestMeanClassifier: no sample has target \(target); both classes are needed")
            }
            let weight = 1 / Scalar(members)
            let s = Matrix(column: t.elements.map { $0 == target ? weight : 0 })
            return backend.matvec(x.transposed, s).elements
        }
        if let bad = t.elements.first(where: { $0 != 1 && $0 != -1 }) {
            fatalError("NearestMeanClassifier: targets must be −1 or +1, found \(bad)")
        }
        self.init(positiveMean: mean(of: 1), negativeMean: mean(of: -1))
    }

    /// Fits a two-class data set (positive class = `classNames[1]`).
    public init(fitting data: LabeledData<Scalar>, backend: Backend = .blas)
        throws(LabeledDataError)
    {
        self.init(features: data.features, targets: try data.binaryTargets(), backend: backend)
    }

    /// Number of features `d`.
    public var dimension: Int { positiveMean.count }

    /// `w = 2(μ₊ − μ₋)`, `b = ‖μ₋‖² − ‖μ₊‖²`.
    public var linearForm: LinearClassifier<Scalar> {
        let w = zip(positiveMean, negativeMean).map { 2 * ($0 - $1) }
        let b = squaredNorm(negativeMean) - squaredNorm(positiveMean)
        return LinearClassifier(weights: w, bias: b)
    }

    /// The means as rows `[μ₋, μ₊]` (class-index order: negative class first).
    public var means: [[Scalar]] { [negativeMean, positiveMean] }

    /// `‖x − μ₋‖² − ‖x − μ₊‖²` for each row of `x`: positive when `x` is nearer to `μ₊`.
    public func distanceScores(_ x: Matrix<Scalar>) -> [Scalar] {
        if x.cols != dimension {
            shapeMismatch("NearestMeanClassifier", "X is \(x.rows)×\(x.cols), the means have \(dimension) entries")
        }
        return (0..<x.rows).map { i in
            var toNegative: Scalar = 0
            var toPositive: Scalar = 0
            for j in 0..<x.cols {
                let v = x[i, j]
                toNegative += (v - negativeMean[j]) * (v - negativeMean[j])
                toPositive += (v - positiveMean[j]) * (v - positiveMean[j])
            }
            return toNegative - toPositive
        }
    }

    /// `+1` where `μ₊` is nearer, `−1` where `μ₋` is nearer, `0` when equidistant.
    public func predictByDistance(_ x: Matrix<Scalar>) -> [Scalar] {
        distanceScores(x).map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }

    /// `sign(wᵀx + b)` with the linear form.
    public func predictLinear(_ x: Matrix<Scalar>, backend: Backend = .blas) -> [Scalar] {
        linearForm.predictions(x, backend: backend)
    }

    /// The fraction of samples with `t·z > 0` under the linear form.
    public func accuracy(_ x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas)
        -> Double
    {
        linearForm.accuracy(x, targets: t, backend: backend)
    }

    private func squaredNorm(_ v: [Scalar]) -> Scalar {
        v.reduce(0) { $0 + $1 * $1 }
    }
}
