import ArgumentParser

/// `backprop-mpi`: Backprop's data-parallel trainer. Under `mpirun -np P` the ranks train
/// together over MPI; started alone it trains in one process (no MPI) with the same shards and
/// gives the same parameters bit for bit.
@main
struct BackpropMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop-mpi",
        abstract: "Data-parallel training over MPI, bit-identical to one process with the same --shards.",
        subcommands: [TrainCommand.self, BenchCommand.self],
        defaultSubcommand: TrainCommand.self)
}
