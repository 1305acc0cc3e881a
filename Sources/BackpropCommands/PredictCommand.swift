import ArgumentParser
import Backprop
import Foundation

/// `backprop predict`: the model's outputs and predicted class for every row of the data, as CSV
/// on stdout (or atomically to `--out`):
///
///     y,class              (one output: class = classes[1] if y > 0 else classes[0])
///     y0,y1,…,class        (C outputs: class = the arg-max)
///
/// Numbers are written in their shortest round-trip form, so they read back as exactly the
/// computed `Float`/`Double` values. The data's label column, if any, is not used.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Write a saved model's predictions for data as CSV.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Write the CSV to this file (atomically) instead of stdout.", valueName: "file.csv"))
    var out: String?

    @Option(help: "blas or naive.")
    var backend: Backend = .blas

    func run() throws {
        try CommandOutput.run {
            if let out { try AtomicFile.checkWritable(out) }
            let (file, precision) = try modelOptions.read()
            switch precision {
            case .f32: try predict(modelOptions.decode(file, as: Float.self))
            case .f64: try predict(modelOptions.decode(file, as: Double.self))
            }
        }
    }

    private func predict<T: BLASScalar>(_ model: TrainedModel<T>) throws {
        let data = try loadFeatures(model)
        let y = model.outputs(data.features, backend: backend)
        let predicted = model.predictedClasses(y)
        var text = (y.cols == 1 ? ["y"] : (0..<y.cols).map { "y\($0)" }).joined(separator: ",") + ",class\n"
        for k in 0..<y.rows {
            for j in 0..<y.cols { text += y[k, j].description + "," }
            text += Self.csvCell(model.classNames[predicted[k]]) + "\n"
        }
        if let out {
            try AtomicFile.write(text: text, to: out)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// The features of `--data`: a labelled file as for `eval`, or — when the file's columns are
    /// exactly the model's inputs and no `--label` is given — a file without a label column.
    private func loadFeatures<T: BLASScalar>(_ model: TrainedModel<T>) throws -> LabeledData<T> {
        var options = dataOptions
        options.positive = nil
        if case .csv(let path) = options.source, options.label == nil {
            let labelled: LabeledData<T>
            do {
                labelled = try options.load(binary: false)
            } catch let error as CSVError {
                // A features-only file whose last column cannot be a label is retried below.
                guard let unlabelled: LabeledData<T> = try? Self.loadUnlabelled(path),
                    unlabelled.dimension == model.network.inputSize
                else { throw error }
                return unlabelled
            }
            if labelled.dimension == model.network.inputSize - 1,
                let unlabelled: LabeledData<T> = try? Self.loadUnlabelled(path),
                unlabelled.dimension == model.network.inputSize
            {
                return unlabelled
            }
            try model.checkFeatures(of: labelled, source: path)
            return labelled
        }
        let data: LabeledData<T>
        if case .builtin(let name) = options.source {
            let same = model.data?.source == name
            data = try options.load(
                binary: false, samples: options.samples ?? (same ? model.data?.samples : nil),
                seed: options.dataSeed ?? (same ? model.data?.seed : nil))
        } else {
            data = try options.load(binary: false)
        }
        try model.checkFeatures(of: data, source: options.data)
        return data
    }

    /// A CSV file whose every column is a feature: read with a constant label column appended to
    /// each non-blank line (line numbers in errors stay those of the file).
    static func loadUnlabelled<T: BLASScalar>(_ path: String) throws -> LabeledData<T> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError.unreadable(path: path, reason: "cannot be read")
        }
        let newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 4 + 32)
        var first = true
        for line in Array(data).split(separator: newline, omittingEmptySubsequences: false) {
            var l = line[...]
            if l.last == cr { l = l.dropLast() }
            if l.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                out += l
                out += Array((first ? ",__unlabelled__" : ",_").utf8)
                first = false
            }
            out.append(newline)
        }
        return try CSVLoader.parse(text: String(decoding: out, as: UTF8.self), source: path, labelColumn: "__unlabelled__")
    }

    /// `s` as a CSV cell: quoted (with `""` for `"`) when it holds a comma, quote or line break.
    static func csvCell(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) || s != s.trimmingCharacters(in: .whitespaces) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
