import ArgumentParser

/// `backprop`: the command-line face of the library. Executables call ``main()``.
public struct BackpropCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Error backpropagation on CBLAS: perceptrons, networks, gradients, training.",
        subcommands: subcommandTypes)

    /// Every command, for executables that offer the same ones (`backprop-mpi`).
    public static let subcommandTypes: [ParsableCommand.Type] = [
        DemoCommand.self, PerceptronCommand.self, NearestMeanCommand.self, TrainCommand.self,
        EvalCommand.self, PredictCommand.self, GradCommand.self, AnalyzeCommand.self,
        BenchCommand.self,
    ]

    public init() {}
}
