import Foundation

extension Duration {
    /// The duration in seconds, as a `Double` (for timings and reports).
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// `"1.23 s"`.
    var formattedSeconds: String { String(format: "%.2f s", seconds) }
}
