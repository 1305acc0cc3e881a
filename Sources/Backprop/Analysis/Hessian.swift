import RealModule

/// The Hessian `H = ∇²E(θ)` of a scalar function `E` at a point `θ`, seen only through `E`'s
/// gradient: Hessian-vector products by central differences of gradients,
///
/// ```
/// H·v ≈ (∇E(θ + ε·v) − ∇E(θ − ε·v)) / 2ε
/// ```
///
/// which is exact for a quadratic (the gradient is affine) and has error `O(ε²)` otherwise. It
/// never forms `H` unless asked (``dense()``), so ``PowerIteration`` can find `λ_max` of networks
/// whose `P × P` Hessian would not fit.
///
/// Everything is in `Double`: the difference of two nearly equal gradients keeps about
/// `16 − 5 = 11` digits at the default step, too few in `Float`.
///
/// **Kinks.** ReLU-like activations and hinge/perceptron losses make `∇E` discontinuous on
/// surfaces in θ-space. A difference across such a surface measures the jump, not the curvature,
/// and can be off by `jump/ε` — arbitrarily large. When a `region` function is given (it names the
/// smooth piece a point lies in, e.g. the sign pattern of every ReLU input), each product checks
/// that `θ ± ε·v` lie in `θ`'s piece; if not it halves `ε` (up to ``maxHalvings`` times), then
/// falls back to a one-sided difference from the side that stays in the piece, and only if
/// neither side does (θ sits exactly on a kink, where `H` does not exist) uses the central
/// difference anyway and says so in ``Product/scheme``.
public struct HessianOperator {
    /// The step scale `h = 1e-5` (see ``step(for:)``).
    ///
    /// Central differences of a gradient computed to relative accuracy `u ≈ 1.1e-16` have
    /// rounding error `≈ u·‖∇E‖/ε` and truncation error `≈ ε²·‖∇³E‖/6`; their sum is smallest near
    /// `ε ≈ ∛(3u) ≈ 7e-6` in units of the problem's scale — the same argument as
    /// ``NumericalGradient/defaultEpsilon``. `1e-5` gives about ten correct digits, and the step
    /// is still short enough that crossing a kink is rare (and then detected).
    public static let defaultRelativeStep = 1e-5

    /// The point `θ` (length `P`).
    public let point: [Double]
    /// `θ ↦ ∇E(θ)`, returning `P` entries.
    public let gradient: ([Double]) -> [Double]
    /// `θ ↦` an identifier of the smooth piece of `E` containing `θ` (`nil`: `E` is smooth).
    public let region: (([Double]) -> [Bool])?
    /// `h` in ``step(for:)``.
    public var relativeStep: Double
    /// How often `ε` is halved before a kink makes a product fall back to a one-sided difference.
    public var maxHalvings: Int = 12

    /// An operator at `point` for the gradient function `gradient` (and, for piecewise-smooth
    /// functions, the `region` function described above). Traps when `relativeStep ≤ 0`.
    public init(
        at point: [Double], gradient: @escaping ([Double]) -> [Double],
        region: (([Double]) -> [Bool])? = nil, relativeStep: Double = defaultRelativeStep
    ) {
        if !(relativeStep > 0) { fatalError("HessianOperator: relative step \(relativeStep) must be positive") }
        self.point = point
        self.gradient = gradient
        self.region = region
        self.relativeStep = relativeStep
    }

    /// The number of parameters `P`.
    public var dimension: Int { point.count }

    /// How a product was differenced.
    public enum DifferenceScheme: String, Sendable {
        /// `(∇E(θ+εv) − ∇E(θ−εv)) / 2ε`, both points in θ's smooth piece.
        case central
        /// `(∇E(θ+εv) − ∇E(θ)) / ε`: `θ − εv` crossed a kink at every tried `ε`.
        case forward
        /// `(∇E(θ) − ∇E(θ−εv)) / ε`: `θ + εv` crossed a kink at every tried `ε`.
        case backward
        /// Central, although both sides crossed a kink (θ lies on one: `H` does not exist there).
        case centralAcrossKink = "central-across-kink"
    }

    /// One Hessian-vector product with the step and scheme that produced it.
    public struct Product: Sendable {
        /// `H·v` (length `P`).
        public var value: [Double]
        /// The `ε` used.
        public var epsilon: Double
        /// The difference scheme used.
        public var scheme: DifferenceScheme
    }

    /// The initial step `ε = h·(1 + ‖θ‖₂)/‖v‖₂`.
    ///
    /// The displacement `ε·v` then has length `h·(1 + ‖θ‖)`: relative to `θ` for large parameter
    /// vectors (so rounding in `θ ± εv` costs at most `u/h` relative), absolute `h` near `θ = 0`,
    /// and independent of how `v` is scaled.
    public func step(for v: [Double]) -> Double {
        relativeStep * (1 + FlatVector.norm(point)) / FlatVector.norm(v)
    }

    /// `H·v` with diagnostics (2 gradient evaluations, plus `region` checks and at most one more
    /// gradient when a kink is near). Traps when `v` does not have `P` entries.
    public func product(_ v: [Double]) -> Product {
        if v.count != point.count {
            shapeMismatch("HessianOperator.product", "v has \(v.count) entries, θ has \(point.count)")
        }
        let vNorm = FlatVector.norm(v)
        if vNorm == 0 { return Product(value: v.map { _ in 0 }, epsilon: 0, scheme: .central) }
        var eps = step(for: v)
        let home = region?(point)
        var attempt = 0
        while true {
            let plus = shifted(point, eps, v)
            let minus = shifted(point, -eps, v)
            guard let region, let home else {
                return Product(value: difference(gradient(plus), gradient(minus), 2 * eps, count: point.count), epsilon: eps, scheme: .central)
            }
            let plusInside = region(plus) == home
            let minusInside = region(minus) == home
            if plusInside && minusInside {
                return Product(value: difference(gradient(plus), gradient(minus), 2 * eps, count: point.count), epsilon: eps, scheme: .central)
            }
            if attempt == maxHalvings {
                if plusInside {
                    return Product(value: difference(gradient(plus), gradient(point), eps, count: point.count), epsilon: eps, scheme: .forward)
                }
                if minusInside {
                    return Product(value: difference(gradient(point), gradient(minus), eps, count: point.count), epsilon: eps, scheme: .backward)
                }
                return Product(value: difference(gradient(plus), gradient(minus), 2 * eps, count: point.count), epsilon: eps, scheme: .centralAcrossKink)
            }
            eps /= 2
            attempt += 1
        }
    }

    /// `H·v` (see ``product(_:)``).
    public func callAsFunction(_ v: [Double]) -> [Double] { product(v).value }

    /// The dense Hessian, column `i` from `H·e_i`, symmetrised as `(H + Hᵀ)/2` (`P` products).
    public func dense() -> DenseHessian {
        let p = point.count
        var h = Matrix<Double>(rows: p, cols: p)
        var schemes: [DifferenceScheme: Int] = [:]
        var e = [Double](repeating: 0, count: p)
        for i in 0..<p {
            e[i] = 1
            let column = product(e)
            e[i] = 0
            schemes[column.scheme, default: 0] += 1
            for r in 0..<p { h.elements[r * p + i] = column.value[r] }
        }
        var asymmetry = 0.0
        var largest = 0.0
        for i in 0..<p {
            for j in 0..<p {
                largest = max(largest, abs(h.elements[i * p + j]))
                if j > i {
                    let a = h.elements[i * p + j]
                    let b = h.elements[j * p + i]
                    asymmetry = max(asymmetry, abs(a - b))
                    h.elements[i * p + j] = (a + b) / 2
                    h.elements[j * p + i] = (a + b) / 2
                }
            }
        }
        return DenseHessian(
            matrix: h, asymmetry: largest > 0 ? asymmetry / largest : asymmetry, schemes: schemes)
    }

    /// `λ_max` by shifted power iteration on ``product(_:)`` (no dense Hessian; see
    /// ``PowerIteration``).
    public func largestEigenvalue(
        maxIterations: Int = PowerIteration.defaultMaxIterations,
        tolerance: Double = PowerIteration.defaultTolerance, seed: UInt64 = 0
    ) -> PowerIteration.Result {
        PowerIteration.largestEigenvalue(
            dimension: point.count, maxIterations: maxIterations, tolerance: tolerance, seed: seed
        ) { self($0) }
    }
}

/// A dense, symmetrised Hessian from ``HessianOperator/dense()``.
public struct DenseHessian: Sendable {
    /// `(H + Hᵀ)/2`, `P × P`, column `i` from `H·e_i`.
    public var matrix: Matrix<Double>
    /// `max |H_ij − H_ji| / max |H_ij|` before symmetrising: the differencing noise (≈ 1e-10 for
    /// a smooth function at the default step, exactly 0 for a quadratic up to rounding).
    public var asymmetry: Double
    /// How many columns each ``HessianOperator/DifferenceScheme`` produced.
    public var schemes: [HessianOperator.DifferenceScheme: Int]

    /// Its eigenvalues, ascending (`LAPACKE_dsyevd`).
    public func eigenvalues() throws(LAPACKError) -> [Double] {
        try LAPACK.symmetricEigenvalues(matrix)
    }
}

/// Flat-vector helpers of the analysis code (plain loops: these are `O(P)` next to the gradient
/// evaluations that dominate).
enum FlatVector {
    /// `‖x‖₂`, scaled so that it neither overflows nor underflows.
    static func norm(_ x: [Double]) -> Double {
        var scale = 0.0
        for v in x { scale = max(scale, abs(v)) }
        if scale == 0 || !scale.isFinite { return scale }
        var s = 0.0
        for v in x { let r = v / scale; s += r * r }
        return scale * s.squareRoot()
    }

    /// `xᵀy`.
    static func dot(_ x: [Double], _ y: [Double]) -> Double {
        var s = 0.0
        for i in 0..<x.count { s += x[i] * y[i] }
        return s
    }
}

/// `θ + α·v`.
private func shifted(_ theta: [Double], _ alpha: Double, _ v: [Double]) -> [Double] {
    var out = theta
    for i in 0..<out.count { out[i] += alpha * v[i] }
    return out
}

/// `(a − b) / d`, entrywise. Traps when the gradient function returned a wrong length.
private func difference(_ a: [Double], _ b: [Double], _ d: Double, count: Int) -> [Double] {
    if a.count != count || b.count != count {
        shapeMismatch("HessianOperator", "the gradient function returned \(a.count) and \(b.count) entries for \(count) parameters")
    }
    var out = a
    for i in 0..<out.count { out[i] = (a[i] - b[i]) / d }
    return out
}
