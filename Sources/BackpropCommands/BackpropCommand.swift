import ArgumentParser

/// `backprop`: the command-line face of the library. Executables call ``main()``.
public struct BackpropCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Error backpropagation on CBLAS: perceptrons, networks, gradients, training.",
        subcommands: [
            DemoCommand.self, PerceptronCommand.self, NearestMeanCommand.self, BenchCommand.self,
            AnalyzeCommand.self,
        ])

    public init() {}
}
