import ArgumentParser
import Backprop

/// `backprop eval`: the mean loss and accuracy of a saved model on labelled data, as one JSON
/// object `{"loss": E, "accuracy": a, "n": rows}` (the model's standardisation applied first;
/// labels matched to the model's classes by name, or by `--positive` for binary models).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a saved model on labelled data: loss, accuracy, rows.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "blas or naive.")
    var backend: Backend = .blas

    func run() throws {
        try CommandOutput.run {
            let (file, precision) = try modelOptions.read()
            switch precision {
            case .f32: try evaluate(modelOptions.decode(file, as: Float.self))
            case .f64: try evaluate(modelOptions.decode(file, as: Double.self))
            }
        }
    }

    private func evaluate<T: BLASScalar>(_ model: TrainedModel<T>) throws {
        let (data, classes) = try dataOptions.loadForModel(model)
        let (loss, accuracy) = model.evaluate(data.features, classes: classes, backend: backend)
        CommandOutput.print(.object([
            ("loss", try .number(loss, "the loss")), ("accuracy", try .number(accuracy, "the accuracy")),
            ("n", .int(data.count)),
        ]))
    }
}
