import ArgumentParser
import Backprop

/// `backprop perceptron`: Rosenblatt's perceptron on two-class data, result as one JSON object:
///
///     {"weights": [w…], "bias": b, "converged": bool, "epochs": n, "mistakes": [per epoch],
///      "accuracy": a, "classes": [negative, positive]}
///
/// `epochs` counts the mistake-free epoch that ended a converged run; `mistakes[e]` is the number
/// of updates in epoch `e + 1`; `accuracy` is the fraction of training samples with `t·z > 0`;
/// `classes` names the class with target −1, then the one with +1. In f64 the numbers are those
/// of the textbook loop on the same file in the same order, written so that they read back as the
/// same doubles.
struct PerceptronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perceptron",
        abstract: "Train Rosenblatt's perceptron on two-class data and print the result as JSON.")

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The epoch cap (≥ 1).")
    var epochs: Int = 100

    @Option(name: .customLong("lr"), help: ArgumentHelp("The learning rate η > 0.", valueName: "η"))
    var learningRate: String = "1"

    @Flag(help: "Visit the samples in a new random order each epoch (seeded by --seed).")
    var shuffle = false

    @Option(help: "The seed of the shuffling (and of a built-in data set).")
    var seed: UInt64 = 0

    @Option(help: "The precision to compute in: f32 or f64.")
    var precision: Precision = .f64

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard let lr = Double(learningRate), lr.isFinite, lr > 0 else {
            throw ValidationError("--lr must be a finite number > 0, got '\(learningRate)'")
        }
    }

    func run() throws {
        try CommandOutput.run {
            switch precision {
            case .f32: try train(Float.self)
            case .f64: try train(Double.self)
            }
        }
    }

    private func train<T: BLASScalar>(_: T.Type) throws {
        guard let lr = T(learningRate), lr.isFinite, lr > 0 else {
            throw ValidationError("--lr \(learningRate) is not a finite number > 0 in \(T.precisionName)")
        }
        let data: LabeledData<T> = try dataOptions.load(binary: true, seed: seed)
        let trainer = Perceptron<T>(
            learningRate: lr, maxEpochs: epochs, shuffle: shuffle, seed: seed)
        let result = try trainer.train(data)
        CommandOutput.print(
            .object([
                ("weights", try .numbers(result.weights, "the weights")),
                ("bias", try .number(result.bias, "the bias")),
                ("converged", .bool(result.converged)),
                ("epochs", .int(result.epochs)),
                ("mistakes", .array(result.mistakes.map { .int($0) })),
                ("accuracy", try .number(result.accuracy, "the accuracy")),
                ("classes", .array(data.classNames.map { .string($0) })),
            ]))
    }
}
