import ArgumentParser
import Backprop

/// `backprop nearest-mean`: the nearest-mean classifier on two-class data, result as one JSON
/// object:
///
///     {"weights": [w…], "bias": b, "means": [[μ₋…], [μ₊…]], "accuracy": a,
///      "classes": [negative, positive]}
///
/// `weights = 2(μ₊ − μ₋)` and `bias = ‖μ₋‖² − ‖μ₊‖²` (the linear form); `means` lists the
/// negative class's mean first, as `classes` does; `accuracy` is the fraction of training samples
/// with `t·z > 0`.
struct NearestMeanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nearest-mean",
        abstract: "Fit the nearest-mean classifier on two-class data and print it as JSON.")

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The precision to compute in: f32 or f64.")
    var precision: Precision = .f64

    func run() throws {
        try CommandOutput.run {
            switch precision {
            case .f32: try fit(Float.self)
            case .f64: try fit(Double.self)
            }
        }
    }

    private func fit<T: BLASScalar>(_: T.Type) throws {
        let data: LabeledData<T> = try dataOptions.load(binary: true)
        let classifier = try NearestMeanClassifier(fitting: data)
        let linear = classifier.linearForm
        let targets = try data.binaryTargets()
        CommandOutput.print(
            .object([
                ("weights", try .numbers(linear.weights.elements, "the weights")),
                ("bias", try .number(linear.bias, "the bias")),
                ("means", .array(try classifier.means.map { try .numbers($0, "the means") })),
                ("accuracy", try .number(classifier.accuracy(data.features, targets: targets), "the accuracy")),
                ("classes", .array(data.classNames.map { .string($0) })),
            ]))
    }
}
