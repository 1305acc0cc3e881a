import Backprop
import BackpropMPI
import Foundation

/// Where this process runs: alone (no MPI, one process holds every shard) or as one rank of an
/// MPI job. Rank 0 alone prints progress, results and errors.
final class Job {
    let communicator: Communicator?
    let rank: Int
    let size: Int

    private init(communicator: Communicator?, rank: Int, size: Int) {
        self.communicator = communicator
        self.rank = rank
        self.size = size
    }

    /// Initialises MPI when launched by `mpirun` (unless `local`), else a one-process job.
    static func start(local: Bool, maxElementsPerCall: Int?) -> Job {
        if local || !MPI.launchedByMPI(environment: ProcessInfo.processInfo.environment) {
            return Job(communicator: nil, rank: 0, size: 1)
        }
        do {
            try MPI.initialize()
            let c = Communicator.world(maxElementsPerCall: maxElementsPerCall ?? Int(Int32.max))
            return Job(communicator: c, rank: try c.rank(), size: try c.size())
        } catch {
            printError("error: \(error)")
            MPI.abort()
        }
    }

    var isDistributed: Bool { communicator != nil }

    /// Prints on rank 0 only.
    func say(_ line: String) {
        if rank == 0 {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// Every rank reports whether it failed (`message`); if any did, rank 0 prints one error
    /// naming the failed ranks and every rank exits with status 1. All ranks must call this at the
    /// same point, so that nobody waits in a collective the others never reach.
    func stopIfAnyRankFailed(_ message: String?) {
        guard let communicator else {
            if let message { finish(failure: "error: \(message)") }
            return
        }
        let failures: [(rank: Int, message: String)]
        do {
            failures = try communicator.agreeOnFailures(message)
        } catch {
            abort("rank \(rank): \(error)")
        }
        if failures.isEmpty { return }
        // The same problem on every rank (e.g. a bad option) is reported once.
        if failures.count == size && Set(failures.map(\.message)).count == 1 {
            finish(failure: "error: \(failures[0].message)")
        }
        let text = failures.map { "error: rank \($0.rank) of \(size): \($0.message)" }
        finish(failure: text.joined(separator: "\n"))
    }

    /// A failure every rank detected identically (e.g. divergence): rank 0 prints it, all exit 1.
    func finish(failure: String) -> Never {
        if rank == 0 { printError(failure) }
        try? MPI.finalize()
        exit(1)
    }

    /// Normal end: finalises MPI.
    func finish() {
        do { try MPI.finalize() } catch { abort("rank \(rank): \(error)") }
    }

    /// Last resort when the ranks can no longer agree (a collective failed): this rank prints its
    /// error and `MPI_Abort` ends every rank.
    func abort(_ message: String) -> Never {
        printError("error: \(message) — aborting the MPI job")
        MPI.abort(code: 1)
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
