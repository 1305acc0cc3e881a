import Backprop
import Foundation

/// Test-only faults (hidden option `--inject-fault KIND@RANK:STEP`), to check that a failing rank
/// ends the whole job with one clear error instead of a hang:
/// - `nan`: at step `STEP`, rank `RANK` puts a NaN into its first shard partial (as a corrupt
///   value or an overflow would);
/// - `exit`: at step `STEP`, rank `RANK` exits with status 3 before its collective.
struct Fault {
    enum Kind: String { case nan, exit }
    var kind: Kind
    var rank: Int
    var step: Int

    /// Parses `KIND@RANK:STEP`, or returns `nil`.
    init?(_ text: String) {
        let a = text.split(separator: "@")
        guard a.count == 2, let kind = Kind(rawValue: String(a[0])) else { return nil }
        let b = a[1].split(separator: ":")
        guard b.count == 2, let r = Int(b[0]), let s = Int(b[1]) else { return nil }
        self.kind = kind
        rank = r
        step = s
    }
}

/// Wraps a combiner and applies a ``Fault`` on its rank at its step (counting combine calls).
final class FaultInjectingCombiner<Base: GradientCombiner>: GradientCombiner {
    let base: Base
    let fault: Fault?
    let rank: Int
    private var step = 0

    init(_ base: Base, fault: Fault?, rank: Int) {
        self.base = base
        self.fault = fault
        self.rank = rank
    }

    func ownedShards(of shardCount: Int) -> [Int] { base.ownedShards(of: shardCount) }

    func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        step += 1
        var partials = partials
        if let fault, fault.rank == rank, fault.step == step {
            switch fault.kind {
            case .nan: partials[0][0] = .nan
            case .exit:
                printError("rank \(rank): injected fault, exiting at step \(step)")
                Foundation.exit(3)
            }
        }
        return try base.combine(partials, shardCount: shardCount)
    }
}
