/// The result of comparing an analytic gradient with a numerical one, tensor by tensor.
///
/// The relative error of a tensor (analytic entries `a_i`, numerical `n_i`) is its largest
/// entry error relative to the tensor's scale:
///
/// ```
/// r = max_i |a_i − n_i| / max(max_i |a_i|, max_i |n_i|, floor)
/// ```
///
/// Measuring against the tensor's scale rather than entry by entry matters because the numerical
/// gradient's error is absolute: `≈ u·|E|/ε ≈ 1e-11` for every entry (see
/// ``NumericalGradient/defaultEpsilon``), so an entry that happens to be `1e-6` can never be
/// matched to six digits, while the tensor as a whole is. `floor` keeps a tensor that is zero on
/// both sides (a masked or dead part of the network) from dividing noise by zero.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// One parameter tensor's comparison.
    public struct Entry: Sendable {
        /// Tensor name, e.g. `"layers.0.weight"`.
        public var name: String
        /// Number of entries compared.
        public var count: Int
        /// The tensor's relative error `r` (see ``GradientCheckReport``).
        public var maxRelativeError: Double
        /// Largest absolute error `max_i |a_i − n_i|`.
        public var maxAbsoluteError: Double
        /// `max(max_i |a_i|, max_i |n_i|)`, the tensor's scale.
        public var scale: Double
        /// Flat (row-major) index of the entry with the largest absolute error.
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

    /// Largest relative error over all tensors (0 for no parameters, NaN if any tensor has NaN).
    public var maxRelativeError: Double {
        if entries.contains(where: { $0.maxRelativeError.isNaN }) { return .nan }
        return entries.map(\.maxRelativeError).max() ?? 0
    }
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
        var lines = ["tensor                 entries  rel. error  max abs. error         scale  worst entry (analytic vs numerical)"]
        for e in entries {
            lines.append(
                e.name.rightPadded(22) + " "
                    + String(e.count).leftPadded(7) + "  "
                    + scientific(e.maxRelativeError).leftPadded(10) + "  "
                    + scientific(e.maxAbsoluteError).leftPadded(14) + "  "
                    + scientific(e.scale).leftPadded(12) + "  "
                    + "[\(e.worstIndex)] \(e.analytic) vs \(e.numerical)")
        }
        lines.append("overall max relative error: \(scientific(maxRelativeError))")
        return lines.joined(separator: "\n")
    }
}

/// Compares analytic gradients (backpropagation, autodiff) with numerical ones.
public enum GradientCheck {
    /// The default `floor` of the relative error, `1e-4`. The numerical gradient's absolute
    /// noise is up to one rounding step of the loss over the step, `ulp(E)/2ε ≈ 1.1e-11·|E|`;
    /// divided by the `1e-6` tolerance that is `≈ 1e-5·|E|`, and `1e-4` leaves room for losses up
    /// to about 10. A tensor whose entries are all below the floor on both sides (for example a
    /// bias gradient that cancels exactly over the batch) is judged by
    /// `max_i |a_i − n_i| / 1e-4`: central differences cannot resolve it further. A real error in
    /// such a tensor is still of the tensor's own size and shows up as `r ≫ 1e-6`.
    public static let defaultFloor = 1e-4

    /// Per-tensor relative errors (see ``GradientCheckReport``) between `analytic` and `numerical`. Traps when the
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

    private static func entry(_ name: String, _ a: [Double], _ n: [Double], floor: Double)
        -> GradientCheckReport.Entry
    {
        var e = GradientCheckReport.Entry(
            name: name, count: a.count, maxRelativeError: 0, maxAbsoluteError: 0, scale: 0,
            worstIndex: 0, analytic: a.first ?? 0, numerical: n.first ?? 0)
        var sawNaN = false
        for i in 0..<a.count {
            if a[i].isNaN || n[i].isNaN { sawNaN = true }
            e.scale = max(e.scale, abs(a[i]), abs(n[i]))
            let d = abs(a[i] - n[i])
            if d > e.maxAbsoluteError || (d.isNaN && !e.maxAbsoluteError.isNaN) {
                e.maxAbsoluteError = d
                e.worstIndex = i
                e.analytic = a[i]
                e.numerical = n[i]
            }
        }
        e.maxRelativeError =
            sawNaN ? .nan : e.maxAbsoluteError == 0 ? 0 : e.maxAbsoluteError / max(e.scale, floor)
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
