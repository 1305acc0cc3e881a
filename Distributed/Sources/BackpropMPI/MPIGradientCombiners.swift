import Backprop

/// Sharded, bit-reproducible combining across MPI ranks: shard `s` belongs to rank `s mod P`;
/// every rank computes the partials of its shards, they are exchanged with one `MPI_Allgather`,
/// and every rank adds all `S` partials in shard order (``ShardedGradient/sumInShardOrder(_:)``).
/// The total is therefore bit-identical to ``LocalGradientCombiner`` in one process with the same
/// `S`, whatever `P`.
///
/// Each rank sends `⌈S/P⌉` partials (zero-padded when `P ∤ S`) and receives `P·⌈S/P⌉`: the
/// traffic per step is `P·⌈S/P⌉·(params + 2)` values per rank.
public final class ShardedMPICombiner: GradientCombiner {
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
    public func ownedShards(of shardCount: Int) -> [Int] { Array(stride(from: rank, to: shardCount, by: size)) }

    /// Allgathers the partials and adds all `S` in shard order.
    public func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        let slots = (shardCount + size - 1) / size
        guard let m = partials.first?.count else {
            fatalError("ShardedMPICombiner: rank \(rank) owns no shard of \(shardCount); use shards ≥ ranks (\(size))")
        }
        var send = [Scalar]()
        send.reserveCapacity(slots * m)
        for p in partials { send.append(contentsOf: p) }
        send.append(contentsOf: repeatElement(0, count: (slots - partials.count) * m))
        let t0 = MPI.time
        let all = try Self.gather(send, communicator)
        communicationSeconds += MPI.time - t0
        // Shard s is slot s / P of rank s mod P.
        let ordered = (0..<shardCount).map { s -> [Scalar] in
            let start = ((s % size) * slots + s / size) * m
            return Array(all[start..<(start + m)])
        }
        return ShardedGradient.sumInShardOrder(ordered)
    }

    /// Allgather for a generic `BLASScalar` (Float or Double).
    static func gather<Scalar: BLASScalar>(_ send: [Scalar], _ c: Communicator) throws(MPIError) -> [Scalar] {
        if let f = send as? [Float] { return try c.allgather(f) as! [Scalar] }
        if let d = send as? [Double] { return try c.allgather(d) as! [Scalar] }
        fatalError("ShardedMPICombiner: no MPI datatype for \(Scalar.self)")
    }
}

/// The faster, not bit-reproducible mode: every rank adds its own partials in shard order, then one
/// `MPI_Allreduce(SUM)` adds the ranks' sums in MPI's order. Equal to ``ShardedMPICombiner`` up
/// to rounding (the order of additions differs); for `P = 2` and `S = 2` it is bit-identical
/// (one IEEE addition is commutative). Traffic: about `2·(params + 2)` values per rank.
public final class AllreduceMPICombiner: GradientCombiner {
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

    /// Shards `rank, rank + P, …` (as the sharded mode).
    public func ownedShards(of shardCount: Int) -> [Int] { Array(stride(from: rank, to: shardCount, by: size)) }

    /// Local shard-order sum, then `MPI_Allreduce(SUM)`.
    public func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        guard !partials.isEmpty else {
            fatalError("AllreduceMPICombiner: rank \(rank) owns no shard of \(shardCount); use shards ≥ ranks (\(size))")
        }
        var local = ShardedGradient.sumInShardOrder(partials)
        let t0 = MPI.time
        if var f = local as? [Float] {
            try communicator.allreduce(&f, .sum)
            local = f as! [Scalar]
        } else if var d = local as? [Double] {
            try communicator.allreduce(&d, .sum)
            local = d as! [Scalar]
        } else {
            fatalError("AllreduceMPICombiner: no MPI datatype for \(Scalar.self)")
        }
        communicationSeconds += MPI.time - t0
        return local
    }
}
