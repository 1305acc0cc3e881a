import Foundation

/// Why ``Tape/backward(from:)`` refused to run.
///
/// These are the misuses that would otherwise give a crash or, worse, a silent zero gradient.
/// Shape mismatches while *recording* are programmer errors and trap instead (like every kernel).
public enum AutodiffError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// `backward(from:)` needs a scalar `E` (a 1×1 value); the value given is `rows × cols`.
    /// Reduce it first (``Variable/sum()``, ``Variable/mean()``, a loss).
    case notScalar(rows: Int, cols: Int)
    /// The tape already ran `backward` since its last ``Tape/reset()``. A tape is consumed by
    /// `backward`: its gradients stay readable, but a second `backward` (which would silently
    /// add a second copy of every gradient) is refused until `reset()`.
    case tapeConsumed
    /// The value (tape node `node`) depends on no parameter, so there is nothing to
    /// differentiate: every gradient would be zero by construction, which is almost always a bug
    /// (for example a loss recorded on constants only).
    case noParameterDependence(node: Int)

    /// A one-line explanation with the way out.
    public var description: String {
        switch self {
        case .notScalar(let rows, let cols):
            return "backward needs a scalar (1×1) value, got \(rows)×\(cols); reduce it with sum(), mean() or a loss first"
        case .tapeConsumed:
            return "backward already ran on this tape; call reset() and record the forward pass again before another backward"
        case .noParameterDependence(let node):
            return "the value at tape node \(node) does not depend on any parameter, so it has no gradient; record the inputs you differentiate with tape.parameter(_:)"
        }
    }

    /// Same as ``description``.
    public var errorDescription: String? { description }
}
