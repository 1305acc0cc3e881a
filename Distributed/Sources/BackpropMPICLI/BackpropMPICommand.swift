import ArgumentParser
import BackpropCommands

/// `backprop-mpi`: every command of `backprop` (the same code, from BackpropCommands), run under
/// `mpirun -np P` as the ranks of one job. `train … --shards S` trains data-parallel and gives the
/// same model file, bit for bit, as `backprop train … --shards S` in one process. `bench` is the
/// MPI benchmark (it replaces `backprop bench` here).
struct BackpropMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop-mpi",
        abstract: "The backprop commands as an MPI job: train … --shards S data-parallel under mpirun.",
        discussion: """
            Under mpirun every rank runs the same command; with --shards S, shard s of every batch \
            is computed by rank s mod P and the model equals backprop train … --shards S bit for \
            bit. Rank 0 alone prints and writes files. The literal {rank} in any argument is \
            replaced by the rank (e.g. --data part-{rank}.csv). Each rank uses one OpenBLAS \
            thread unless OPENBLAS_NUM_THREADS is set. BACKPROP_MPI_COMBINE=allreduce selects \
            the faster combine (MPI_Allreduce; equal up to rounding, not bit for bit).
            """,
        subcommands: BackpropCommand.subcommandTypes.filter { $0.configuration.commandName != "bench" }
            + [BenchCommand.self])
}
