import Foundation

/// "Nice" axis ticks: multiples of `1, 2 or 5 × 10^k` chosen so that about `target` ticks fall in
/// `[lo, hi]`, with labels printed with just enough decimals.
enum Ticks {
    static func values(_ lo: Double, _ hi: Double, target: Int = 5) -> (values: [Double], step: Double) {
        let span = hi - lo
        guard span > 0, span.isFinite else { return ([], 0) }
        let raw = span / Double(max(1, target))
        let mag = pow(10, (log10(raw)).rounded(.down))
        let norm = raw / mag
        let step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag
        var out: [Double] = []
        var k = (lo / step).rounded(.up)
        while k * step <= hi + step * 1e-9 && out.count < 50 {
            out.append(k * step)
            k += 1
        }
        return (out, step)
    }

    static func label(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-4 { return String(format: "%.1e", v) }
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(min(decimals, 6))f", v)
    }
}
