import ArgumentParser
import Backprop

/// `backprop analyze`: curvature and gradient flow of a trained model on a data set, as one JSON
/// object:
///
///     {"loss": E, "lambda_max": λ, "eigenvalues": [ascending, only with --hessian],
///      "lr_bound": 2/λ, "suggested_lr": γ,
///      "layers": [{"delta_norm": ‖δ‖, "jacobian_singular_values": [descending, only with
///      --jacobians]}, …]}
///
/// Everything is computed in f64 for the mean loss of the model (its metadata) over all rows of
/// `--data`. `lambda_max` is the algebraically largest eigenvalue of the Hessian of that loss with
/// respect to all parameters: from the dense Hessian (`?syevd`) with `--hessian`, otherwise by
/// shifted power iteration on Hessian-vector products. `lr_bound = 2/λ_max` is where plain
/// gradient descent on the local quadratic starts to diverge; `suggested_lr = 1/λ_max` (half the
/// bound, see ``StepSize``). Both are `null` when `λ_max ≤ 0`. `layers[l−1]` describes layer `l`:
/// `‖δ^(l)‖_F` over the batch, and the sample-averaged singular values of
/// `∂a^(l)/∂a^(l−1) = diag(g′(z^(l))) W^(l−1,l)ᵀ` (see ``LayerGradientFlow``).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Curvature (λ_max, suggested learning rate) and gradient flow of a model on data, as JSON.")

    @Option(help: ArgumentHelp("A model file written by 'backprop train' (safetensors).", valueName: "file"))
    var model: String

    @OptionGroup var dataOptions: DataOptions

    @Flag(help: "Build the dense Hessian and print all its eigenvalues (P gradient pairs for P parameters).")
    var hessian = false

    @Flag(help: "Print the singular values of every layer's Jacobian.")
    var jacobians = false

    @Option(help: "The seed of the power iteration's start vector (and of a built-in data set).")
    var seed: UInt64 = 0

    func run() throws {
        try CommandOutput.run {
            let loaded = try ModelFile.load(Double.self, from: model)
            let network = loaded.network
            let binary = network.loss.isBinary || (network.loss == .mse && network.outputSize == 1)
            let data: LabeledData<Double> = try dataOptions.load(binary: binary, seed: seed)
            let x = data.features
            let t = binary ? try data.binaryTargets() : data.oneHotTargets()
            if x.cols != network.inputSize || t.cols != network.outputSize {
                throw AnalyzeError.shape(
                    model: model, sizes: network.sizes, features: x.cols, classes: data.classNames.count)
            }
            let op = network.hessian(x, t)
            var members: [(String, JSONValue)] = [
                ("loss", try .number(network.loss(x, t), "the loss"))
            ]
            let lambdaMax: Double
            var eigenvalues: [Double]? = nil
            if hessian {
                let w = try op.dense().eigenvalues()
                eigenvalues = w
                lambdaMax = w.last ?? 0
            } else {
                lambdaMax = op.largestEigenvalue(seed: seed).lambdaMax
            }
            members.append(("lambda_max", try .number(lambdaMax, "λ_max")))
            if let eigenvalues { members.append(("eigenvalues", try .numbers(eigenvalues, "an eigenvalue"))) }
            members.append(("lr_bound", try StepSize.bound(lambdaMax: lambdaMax).map { try .number($0) } ?? .null))
            members.append(
                ("suggested_lr", try StepSize.suggestedLearningRate(lambdaMax: lambdaMax).map { try .number($0) } ?? .null))
            let flow = try network.gradientFlow(x, t, jacobians: jacobians)
            var layers: [JSONValue] = []
            for layer in flow.layers {
                var entry: [(String, JSONValue)] = [("delta_norm", try .number(layer.deltaNorm, "‖δ‖"))]
                if jacobians {
                    entry.append(("jacobian_singular_values", try .numbers(layer.jacobianSingularValues, "a singular value")))
                }
                layers.append(.object(entry))
            }
            members.append(("layers", .array(layers)))
            CommandOutput.print(.object(members))
        }
    }
}

/// The data do not fit the model.
enum AnalyzeError: Error, CustomStringConvertible {
    case shape(model: String, sizes: [Int], features: Int, classes: Int)

    var description: String {
        switch self {
        case .shape(let model, let sizes, let features, let classes):
            return "\(model): the network \(sizes) takes \(sizes.first ?? 0) features and gives \(sizes.last ?? 0) outputs, the data have \(features) features and \(classes) classes"
        }
    }
}
