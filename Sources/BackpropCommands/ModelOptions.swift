import ArgumentParser
import Backprop
import Foundation

extension Initialization: ExpressibleByArgument {}

/// `--model FILE` and `--precision` of the commands that use a saved model (eval, predict, grad).
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A model file written by `backprop train`.", valueName: "file.safetensors"))
    var model: String

    @Option(help: "Compute in f32 or f64 (default: the precision the model is stored in).")
    var precision: Precision?

    /// Reads the model file once and returns it with the precision to compute in.
    func read() throws -> (file: SafetensorsFile, precision: Precision) {
        let file = try SafetensorsFile.read(from: model)
        if let precision { return (file, precision) }
        let stored = file.tensors.values.first?.dtype
        return (file, stored == .f64 ? .f64 : .f32)
    }

    /// The model in precision `T` (F32 ↔ F64 converted).
    func decode<T: BLASScalar>(_ file: SafetensorsFile, as: T.Type = T.self) throws -> TrainedModel<T> {
        try TrainedModel(try ModelFile.decode(file, source: model), source: model)
    }
}

/// Parsing and checks shared by the commands.
enum CommandArguments {
    /// `"2,16,16,1"` → `[2, 16, 16, 1]`: at least two integers ≥ 1.
    static func layers(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count >= 2, parts.allSatisfy({ $0 != nil && $0! >= 1 }) else {
            throw ValidationError(
                "--layers must be at least two positive integers separated by commas (input size first, e.g. 2,16,16,1), got '\(text)'")
        }
        return parts.map { $0! }
    }

    /// A finite number > 0 (for `--lr`).
    static func positiveNumber(_ text: String, option: String) throws -> Double {
        guard let x = Double(text), x.isFinite, x > 0 else {
            throw ValidationError("\(option) must be a finite number > 0, got '\(text)'")
        }
        return x
    }

    /// `[2,16,1]` → `"2,16,1"`.
    static func layersText(_ sizes: [Int]) -> String { sizes.map(String.init).joined(separator: ",") }
}

extension DataOptions {
    /// A short name of the data for messages: the built-in name or the path.
    var dataName: String { data }

    /// Loads labelled data for a saved `model` and maps its classes to the model's class indices.
    ///
    /// Built-in data sets default to the model's `--samples`/`--data-seed` when the model was
    /// trained on the same one; CSV files default to the model's `--label` column. Labels are
    /// matched to the model's classes by name; with `--positive V` (binary models), `V` is the
    /// model's positive class and the other label its negative class, whatever their names.
    func loadForModel<T: BLASScalar>(_ model: TrainedModel<T>) throws -> (data: LabeledData<T>, classes: [Int]) {
        var options = self
        let trained = model.data
        let data: LabeledData<T>
        switch source {
        case .builtin(let name):
            let same = trained?.source == name
            data = try options.load(
                binary: false, samples: samples ?? (same ? trained?.samples : nil),
                seed: dataSeed ?? (same ? trained?.seed : nil))
        case .csv:
            if options.label == nil, let l = trained?.labelColumn, trained?.source != nil,
                !Datasets.names.contains(trained!.source)
            {
                options.label = l
            }
            if options.positive != nil && model.classNames.count != 2 {
                throw CLIError(
                    "--positive applies to binary models; this model has \(model.classNames.count) classes")
            }
            data = try options.load(binary: options.positive != nil)
        }
        try model.checkFeatures(of: data, source: self.data)
        if positive != nil && data.classNames.count == 2 && model.classNames.count == 2 {
            return (data, data.classes)
        }
        return (data, try model.classIndices(of: data))
    }
}
