import ArgumentParser

/// `backprop`: the command-line face of the library.
@main
struct BackpropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Error backpropagation on CBLAS: perceptrons, networks, gradients, training.",
        subcommands: [
            DemoCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self, GradCommand.self,
            PerceptronCommand.self, NearestMeanCommand.self, BenchCommand.self,
        ])
}
