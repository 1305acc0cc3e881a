import ArgumentParser
import Backprop

/// `backprop grad`: the loss `E` and its gradient `∇E` (mean over the rows of the data) at a
/// saved model's parameters, by backpropagation, as one JSON object:
///
///     {"loss": E, "gradients": {"layers.0.weight": [[∂E/∂W₀[0,0], …], …],
///                               "layers.0.bias": [∂E/∂b₀[0], …], …}}
///
/// Weight gradients are `[in][out]` rows like the tensors in the model file; numbers are written
/// at full round-trip precision. The model's standardisation is applied to the features first.
/// `--loss` replaces the model's loss (its targets must fit the output layer).
struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad", abstract: "Print the loss and its gradient at a saved model's parameters as JSON.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The loss to differentiate (default: the model's).")
    var loss: Loss?

    @Option(help: "blas or naive.")
    var backend: Backend = .blas

    func run() throws {
        try CommandOutput.run {
            let (file, precision) = try modelOptions.read()
            switch precision {
            case .f32: try gradient(modelOptions.decode(file, as: Float.self))
            case .f64: try gradient(modelOptions.decode(file, as: Double.self))
            }
        }
    }

    private func gradient<T: BLASScalar>(_ model: TrainedModel<T>) throws {
        var model = model
        let (data, classes) = try dataOptions.loadForModel(model)
        if let loss {
            _ = try TargetEncoding.required(loss: loss, outputs: model.network.outputSize, classCount: model.classNames.count)
            model.network.loss = loss
        }
        let (e, g) = model.network.gradient(model.inputs(data.features), model.targets(classes), backend: backend)
        var members: [(String, JSONValue)] = []
        for (name, tensor) in g.namedTensors {
            if name.hasSuffix(".bias") {
                members.append((name, try .numbers(tensor.elements, name)))
            } else {
                let rows = try (0..<tensor.rows).map { r in
                    try JSONValue.numbers(Array(tensor.elements[(r * tensor.cols)..<((r + 1) * tensor.cols)]), name)
                }
                members.append((name, .array(rows)))
            }
        }
        CommandOutput.print(.object([("loss", try .number(e, "the loss")), ("gradients", .object(members))]))
    }
}
