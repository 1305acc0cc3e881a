/// The result of comparing an analytic gradient with a numerical one, tensor by tensor.
///
/// The relative error of one entry is
///
/// ```
/// r = |a − n| / max(|a|, |n|, floor)
/// ```
///
/// with `a` analytic, `n` numerical. The `floor` keeps entries that are (nearly) zero on both
/// sides from dividing rounding noise by zero: there `r` becomes an absolute error scaled by
/// `1/floor`.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// One parameter tensor's worst entry.
    public struct Entry: Sendable {
        /// Tensor name, e.g. `"layers.0.weight"`.
        public var name: String
        /// Number of entries compared.
        public var count: Int
        /// Largest relative error over the tensor.
        public var maxRelativeError: Double
        /// Largest absolute error `|a − n|` over the tensor.
        public var maxAbsoluteError: Double
        /// Flat (row-major) index of the entry with the largest relative error.
        public var worstIndex: Int
        /// Analytic value at ``worstIndex``.
        public var analytic: Double
        /// Numerical value at ``worstIndex``.
        public var numerical: Double
    }

    /// Per tensor, in parameter order.
    public var entries: [Entry]
    /// The `floor` used in the relative errors.
    public var floor: Double

    /// Largest relative error over all tensors (0 for no parameters).
    public var maxRelativeError: Double { entries.map(\.maxRelativeError).max() ?? 0 }
    /// Largest absolute error over all tensors.
    public var maxAbsoluteError: Double { entries.map(\.maxAbsoluteError).max() ?? 0 }

    /// The entry for `name`, if any.
    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    /// Whether every relative error is at most `tolerance` (and nothing is NaN).
    public func passes(tolerance: Double = 1e-6) -> Bool {
        entries.allSatisfy { $0.maxRelativeError <= tolerance }
    }

    /// A table: one line per tensor with its worst relative and absolute error.
    public var description: String {
        var lines = ["tensor                 entries  max rel. error  max abs. error  worst (analytic vs numerical)"]
        for e in entries {
            lines.append(
                e.name.rightPadded(22) + " "
                    + String(e.count).leftPadded(7) + "  "
                    + scientific(e.maxRelativeError).leftPadded(14) + "  "
                    + scientific(e.maxAbsoluteError).leftPadded(14) + "  "
                    + "[\(e.worstIndex)] \(e.analytic) vs \(e.numerical)")
        }
        lines.append("overall max relative error: \(scientific(maxRelativeError))")
        return lines.joined(separator: "\n")
    }
}

/// Compares analytic gradients (backpropagation, autodiff) with numerical ones.
public enum GradientCheck {
    /// The default `floor` of the relative error, `1e-7`. Entries below it on both sides are
    /// judged by their absolute error `|a − n| / 1e-7`: the numerical gradient's own noise is
    /// `≈ 1e-11·|E|` (see ``NumericalGradient/defaultEpsilon``), which keeps such entries at
    /// `r ≈ 1e-4·|E|`… so a `1e-6` tolerance needs gradients that are not vanishingly small; the
    /// gradient checks in the tests choose their points accordingly.
    public static let defaultFloor = 1e-7

    /// Per-tensor largest relative errors between `analytic` and `numerical`. Traps when the
    /// shapes differ.
    public static func compare<T: BLASScalar>(
        analytic: NetworkGradient<T>, numerical: NetworkGradient<Double>,
        floor: Double = defaultFloor
    ) -> GradientCheckReport {
        if analytic.weights.count != numerical.weights.count {
            shapeMismatch("GradientCheck.compare", "analytic gradient has \(analytic.weights.count) layers, numerical has \(numerical.weights.count)")
        }
        var entries: [GradientCheckReport.Entry] = []
        let a = analytic.namedTensors
        let n = numerical.namedTensors
        for (ta, tn) in zip(a, n) {
            if ta.tensor.rows != tn.tensor.rows || ta.tensor.cols != tn.tensor.cols {
                shapeMismatch("GradientCheck.compare", "\(ta.name) is \(ta.tensor.rows)×\(ta.tensor.cols) analytically, \(tn.tensor.rows)×\(tn.tensor.cols) numerically")
            }
            entries.append(entry(ta.name, ta.tensor.elements.map { Double($0) }, tn.tensor.elements, floor: floor))
        }
        return GradientCheckReport(entries: entries, floor: floor)
    }

    /// The same comparison for flat gradients of any function (one tensor named `name`).
    public static func compare<T: BLASScalar>(
        analytic: [T], numerical: [Double], name: String = "θ", floor: Double = defaultFloor
    ) -> GradientCheckReport {
        if analytic.count != numerical.count {
            shapeMismatch("GradientCheck.compare", "analytic gradient has \(analytic.count) entries, numerical has \(numerical.count)")
        }
        return GradientCheckReport(
            entries: [entry(name, analytic.map { Double($0) }, numerical, floor: floor)], floor: floor)
    }

    /// `|a − n| / max(|a|, |n|, floor)` for one pair (NaN when either is NaN).
    public static func relativeError(_ a: Double, _ n: Double, floor: Double = defaultFloor) -> Double {
        if a.isNaN || n.isNaN { return .nan }
        if a == n { return 0 }
        return abs(a - n) / max(abs(a), abs(n), floor)
    }

    private static func entry(_ name: String, _ a: [Double], _ n: [Double], floor: Double)
        -> GradientCheckReport.Entry
    {
        var e = GradientCheckReport.Entry(
            name: name, count: a.count, maxRelativeError: 0, maxAbsoluteError: 0, worstIndex: 0,
            analytic: a.first ?? 0, numerical: n.first ?? 0)
        for i in 0..<a.count {
            let r = relativeError(a[i], n[i], floor: floor)
            if i == 0 || (r.isNaN && !e.maxRelativeError.isNaN) || r > e.maxRelativeError {
                e.maxRelativeError = r
                e.worstIndex = i
                e.analytic = a[i]
                e.numerical = n[i]
            }
            e.maxAbsoluteError = max(e.maxAbsoluteError, abs(a[i] - n[i]))
        }
        return e
    }
}

/// `x` as `"1.23e-7"` (three significant digits), without Foundation.
private func scientific(_ x: Double) -> String {
    if x == 0 || !x.isFinite { return x == 0 ? "0" : "\(x)" }
    var exponent = 0
    var m = abs(x)
    while m >= 10 { m /= 10; exponent += 1 }
    while m < 1 { m *= 10; exponent -= 1 }
    m = (m * 100).rounded() / 100
    if m >= 10 { m /= 10; exponent += 1 }
    return (x < 0 ? "-" : "") + "\(m)e\(exponent)"
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
    fileprivate func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
