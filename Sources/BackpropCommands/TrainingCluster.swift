import Backprop

/// The processes a command runs on: one (the default), or the ranks of an MPI job when the
/// commands run inside `backprop-mpi` (Distributed/), which installs its cluster in
/// ``Cluster/current`` before it parses and runs the command.
///
/// With `--shards S`, `backprop train` computes each batch gradient as the sum of `S` fixed row
/// shards in shard order; the cluster's combiner decides which shards this process computes and
/// how partials are added, so every rank count gives the same bits. Rank 0 alone prints results
/// and writes files.
public protocol TrainingCluster: Sendable {
    /// This process's rank, `0 ..< size`.
    var rank: Int { get }
    /// Number of processes.
    var size: Int { get }
    /// How shard partials are combined.
    var combiner: any GradientCombiner { get }
    /// A collective check: every process reports its own problem (or `nil`); if any process has
    /// one, every process throws the same error (naming the rank), so no process waits forever.
    func agree(on problem: String?) throws
}

/// One process: all shards computed here, nothing to agree on.
public struct SingleProcess: TrainingCluster {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var combiner: any GradientCombiner { LocalGradientCombiner() }
    public func agree(on problem: String?) throws {
        if let problem { throw CLIError(problem) }
    }
}

extension TrainingCluster {
    /// Whether this process prints results and writes files.
    public var isLeader: Bool { rank == 0 }
}

/// The cluster the commands run on.
public enum Cluster {
    /// Set once, before ``BackpropCommand/main()``, by an executable that runs under MPI.
    nonisolated(unsafe) public static var current: any TrainingCluster = SingleProcess()
}
