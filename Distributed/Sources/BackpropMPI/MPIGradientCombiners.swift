import Backprop
import CMPI

/// Sharded, bit-reproducible combining across MPI ranks: shard `s` belongs to rank `s mod P`;
/// every rank computes the partials of its shards, they are exchanged with one `MPI_Allgather`,
/// and every rank adds all `S` partials in shard order (``ShardedGradient/sumInShardOrder(_:)``).
/// The total is therefore bit-identical to ``LocalGradientCombiner`` in one process with the same
/// `S`, whatever `P`.
///
/// Each rank sends `⌈S/P⌉` partials (zero-padded when `P ∤ S`) and receives `P·⌈S/P⌉`: the
/// traffic per step is `P·⌈S/P⌉·(params + 2)` values per rank.
public final class ShardedMPICombiner: MPIRankCombiner, GradientCombiner {

    /// Allgathers the partials and adds all `S` in shard order.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        let slots = (shardCount + size - 1) / size
        guard let m = partials.first?.count else {
            fatalError("ShardedMPICombiner: rank \(rank) owns no shard of \(shardCount); use shards ≥ ranks (\(size))")
        }
        var send = [Scalar](repeating: 0, count: slots * m)
        for (i, p) in partials.enumerated() { send.replaceSubrange((i * m)..<((i + 1) * m), with: p) }
        let t0 = MPI.time
        let all = try communicator.allgather(send, datatype: mpiDatatype(Scalar.self))
        addCommunication(since: t0)
        // Shard s is slot s / P of rank s mod P.
        let offsets = (0..<shardCount).map { s in ((s % size) * slots + s / size) * m }
        return ShardedGradient.sumInShardOrder(all, partialLength: m, offsets: offsets)
    }
}

/// The faster, not bit-reproducible mode: every rank adds its own partials in shard order, then one
/// `MPI_Allreduce(SUM)` adds the ranks' sums in MPI's order. Equal to ``ShardedMPICombiner`` up
/// to rounding (the order of additions differs); for `P = 2` and `S = 2` it is bit-identical
/// (one IEEE addition is commutative). Traffic: about `2·(params + 2)` values per rank.
public final class AllreduceMPICombiner: MPIRankCombiner, GradientCombiner {

    /// Local shard-order sum, then `MPI_Allreduce(SUM)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        guard !partials.isEmpty else {
            fatalError("AllreduceMPICombiner: rank \(rank) owns no shard of \(shardCount); use shards ≥ ranks (\(size))")
        }
        var local = ShardedGradient.sumInShardOrder(partials)
        let t0 = MPI.time
        try communicator.allreduce(&local, .sum, datatype: mpiDatatype(Scalar.self))
        addCommunication(since: t0)
        return local
    }
}

/// The MPI datatype of a `BLASScalar` (`MPI_FLOAT` for Float, `MPI_DOUBLE` for Double).
func mpiDatatype<Scalar: BLASScalar>(_: Scalar.Type) -> MPI_Datatype {
    if Scalar.self == Float.self { return Float.mpiDatatype }
    if Scalar.self == Double.self { return Double.mpiDatatype }
    fatalError("no MPI datatype for \(Scalar.self)")
}

/// What both MPI combiners share: the communicator, this rank's place in it, which shards it
/// computes (`rank, rank + P, rank + 2P, … < S`) and the time spent in MPI calls.
public class MPIRankCombiner {
    /// The ranks.
    public let communicator: Communicator
    /// This process's rank and the number of ranks.
    public let rank: Int, size: Int
    /// Seconds spent in MPI calls so far (for the benchmark).
    public private(set) var communicationSeconds: Double = 0

    /// A combiner over `communicator`.
    public init(communicator: Communicator) throws(MPIError) {
        self.communicator = communicator
        self.rank = try communicator.rank()
        self.size = try communicator.size()
    }

    /// Shards `rank, rank + P, rank + 2P, … < S`.
    public func ownedShards(of shardCount: Int) -> [Int] {
        Array(stride(from: rank, to: shardCount, by: size))
    }

    /// Adds the time since `start` (``MPI/time``) to ``communicationSeconds``.
    func addCommunication(since start: Double) { communicationSeconds += MPI.time - start }
}
