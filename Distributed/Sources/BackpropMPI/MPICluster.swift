import Backprop
import BackpropCommands
import Foundation

/// The ranks of an MPI job as a ``TrainingCluster``: what `backprop-mpi` installs in
/// `Cluster.current` so that the commands of BackpropCommands (`train … --shards S`) run
/// data-parallel.
///
/// - Shard `s` of every batch is computed by rank `s mod P`; the ``combiner`` adds the `S`
///   partials in shard order (``ShardedMPICombiner``, bit-identical to one process with the same
///   `S`) or, with ``Combine/allreduce``, lets `MPI_Allreduce` add the ranks' sums (equal up to
///   rounding).
/// - ``agree(on:)`` is one `MPI_Allgather` of every rank's problem (``Communicator/agreeOnFailures(_:maxBytes:)``).
/// - A failing collective (``MPIError``) is the last resort: this rank prints the error and
///   `MPI_Abort` ends every rank, since the others may be waiting in a collective it never reaches.
///
/// MPI is used from one thread only (the command's), hence `@unchecked Sendable`.
public final class MPICluster: TrainingCluster, @unchecked Sendable {
    /// How shard partials are combined across ranks.
    public enum Combine: String, Sendable, CaseIterable {
        /// Allgather the partials, add all `S` in shard order (bit-identical for any `P ≤ S`).
        case sharded
        /// Add own partials, then `MPI_Allreduce(SUM)` (less traffic, equal up to rounding).
        case allreduce
    }

    /// The ranks.
    public let communicator: Communicator
    /// This process's rank `r`, `0 ..< P`.
    public let rank: Int
    /// `P`, the number of ranks.
    public let size: Int
    /// The combine mode.
    public let mode: Combine
    /// The MPI combiner itself (for timing: ``ShardedMPICombiner/communicationSeconds``).
    public let mpiCombiner: any GradientCombiner
    /// ``mpiCombiner`` guarded: an MPI failure aborts the job (see the type's documentation).
    public let combiner: any GradientCombiner

    /// The cluster of `communicator`'s ranks (MPI must be initialised).
    public init(communicator: Communicator, combine mode: Combine = .sharded) throws(MPIError) {
        self.communicator = communicator
        rank = try communicator.rank()
        size = try communicator.size()
        self.mode = mode
        switch mode {
        case .sharded: mpiCombiner = try ShardedMPICombiner(communicator: communicator)
        case .allreduce: mpiCombiner = try AllreduceMPICombiner(communicator: communicator)
        }
        combiner = AbortingCombiner(base: mpiCombiner, rank: rank, size: size)
    }

    /// Every rank reports `problem` (or `nil`); if any rank has one, every rank throws the same
    /// `CLIError` (``failureMessage(_:size:)``). If the exchange itself fails, the job is aborted.
    public func agree(on problem: String?) throws {
        let failures: [(rank: Int, message: String)]
        do {
            failures = try communicator.agreeOnFailures(problem)
        } catch {
            MPICluster.abort(rank: rank, size: size, error)
        }
        if let message = MPICluster.failureMessage(failures, size: size) { throw CLIError(message) }
    }

    /// One line for the failed ranks of a job of `size` ranks, or `nil` when none failed:
    /// - every rank failed with the same message (e.g. a bad option): that message alone;
    /// - otherwise the ranks sharing a message are grouped, in rank order:
    ///   `rank 1 of 4: MESSAGE` or `ranks 1, 3 of 4: MESSAGE`, groups joined by `; `.
    public static func failureMessage(_ failures: [(rank: Int, message: String)], size: Int) -> String? {
        guard let first = failures.first else { return nil }
        if failures.count == size && failures.allSatisfy({ $0.message == first.message }) {
            return first.message
        }
        var groups: [(ranks: [Int], message: String)] = []
        for f in failures.sorted(by: { $0.rank < $1.rank }) {
            if let i = groups.firstIndex(where: { $0.message == f.message }) {
                groups[i].ranks.append(f.rank)
            } else {
                groups.append(([f.rank], f.message))
            }
        }
        return groups.map { g in
            let who = g.ranks.count == 1 ? "rank \(g.ranks[0])" : "ranks \(g.ranks.map(String.init).joined(separator: ", "))"
            return "\(who) of \(size): \(g.message)"
        }.joined(separator: "; ")
    }

    /// Prints `backprop: error: rank r of P: ERROR; aborting the MPI job` on this rank's stderr
    /// and calls `MPI_Abort`, which ends every rank (exit status 1).
    public static func abort(rank: Int, size: Int, _ error: Error) -> Never {
        FileHandle.standardError.write(Data(
            "backprop: error: rank \(rank) of \(size): \(error); aborting the MPI job\n".utf8))
        MPI.abort(code: 1)
    }
}

/// A combiner whose MPI failures abort the whole job (``MPICluster/abort(rank:size:_:)``) instead
/// of being thrown: a rank that left a collective cannot agree with the others any more.
struct AbortingCombiner: GradientCombiner {
    let base: any GradientCombiner
    let rank: Int, size: Int

    func ownedShards(of shardCount: Int) -> [Int] { base.ownedShards(of: shardCount) }

    func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        do {
            return try base.combine(partials, shardCount: shardCount)
        } catch {
            MPICluster.abort(rank: rank, size: size, error)
        }
    }
}
