// `backprop-mpi`: the `backprop` commands as ranks of an MPI job.
//
// 1. Launched by mpirun (or another MPI launcher): MPI_Init, and the ranks become the commands'
//    cluster (`Cluster.current = MPICluster(…)`). Started alone: one process, no MPI at all.
// 2. One OpenBLAS thread per process unless OPENBLAS_NUM_THREADS is set: two ranks on two cores
//    must not run four BLAS threads (measured 34 % slower), and sgemm's rounding changes with the
//    thread count, so a fixed count keeps the bits equal to a one-thread single process.
// 3. The literal `{rank}` in any argument becomes this process's rank, so that each rank can read
//    its own file (`--data part-{rank}.csv`). Alone, `{rank}` is 0.
// 4. Parse and run; MPI is finalised on every exit path (success, error, exit code). MPI_Abort
//    is used only when a collective itself fails (MPICluster).
//
// Environment: BACKPROP_MPI_COMBINE=sharded|allreduce (default sharded, bit-identical);
// BACKPROP_MPI_CHUNK=n splits every collective into MPI calls of at most n elements (tests).
import ArgumentParser
import Backprop
import BackpropCommands
import BackpropMPI
import Foundation

/// Prints `backprop: error: MESSAGE` (rank 0 only under MPI).
func reportError(_ message: String, leader: Bool) {
    if leader { FileHandle.standardError.write(Data("backprop: error: \(message)\n".utf8)) }
}

/// `MPI_Finalize` (if initialised), then exits with `status`.
func finish(_ status: Int32) -> Never {
    do {
        try MPI.finalize()
    } catch {
        FileHandle.standardError.write(Data("backprop: error: \(error)\n".utf8))
        MPI.abort(code: 1)
    }
    exit(status)
}

let environment = ProcessInfo.processInfo.environment
var rank = 0
if MPI.launchedByMPI(environment: environment) {
    var setupProblem: String?
    let mode = MPICluster.Combine(rawValue: environment["BACKPROP_MPI_COMBINE"] ?? "sharded")
    let chunk = environment["BACKPROP_MPI_CHUNK"].map { Int($0) ?? 0 } ?? Int(Int32.max)
    if mode == nil {
        setupProblem = "BACKPROP_MPI_COMBINE must be sharded or allreduce, got '\(environment["BACKPROP_MPI_COMBINE"]!)'"
    } else if chunk < 1 || chunk > Int(Int32.max) {
        setupProblem = "BACKPROP_MPI_CHUNK must be an integer in 1…\(Int32.max), got '\(environment["BACKPROP_MPI_CHUNK"]!)'"
    }
    do {
        try MPI.initialize()
        let communicator = Communicator.world(maxElementsPerCall: setupProblem == nil ? chunk : Int(Int32.max))
        let cluster = try MPICluster(communicator: communicator, combine: mode ?? .sharded)
        rank = cluster.rank
        Cluster.current = cluster
    } catch {
        FileHandle.standardError.write(Data("backprop: error: cannot start MPI: \(error)\n".utf8))
        MPI.abort(code: 1)
    }
    if let setupProblem {  // the same environment on every rank (mpirun -x): one message
        reportError(setupProblem, leader: rank == 0)
        finish(1)
    }
}
if environment["OPENBLAS_NUM_THREADS"] == nil { BLASThreads.count = 1 }

let arguments = CommandLine.arguments.dropFirst().map {
    $0.replacingOccurrences(of: "{rank}", with: String(rank))
}
do {
    var command = try BackpropMPICommand.parseAsRoot(Array(arguments))
    try command.run()
} catch {
    let leader = Cluster.current.isLeader
    if let message = error as? CLIError {  // e.g. from `bench`; commands report their own
        reportError(message.description, leader: leader)
        finish(1)
    }
    let status = BackpropMPICommand.exitCode(for: error).rawValue
    if leader {
        // Prints help, usage errors or nothing (ExitCode), as `backprop` does; then exits.
        try? MPI.finalize()
        BackpropMPICommand.exit(withError: error)
    }
    finish(status)
}
finish(0)
