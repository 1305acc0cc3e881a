import ArgumentParser
import Backprop
import Foundation

/// The shared `--data/--label/--positive` options of every command that reads labelled data.
///
/// `--data` names a CSV file (see ``CSVLoader`` for the format and the label rule) or a built-in
/// data set (``Datasets/names``: `blobs`, `elongated`, `xor`, `moons`, `circles`, `spirals`). An
/// existing file wins over a built-in name; a value that is neither is reported as a missing
/// file that is also not a built-in data set.
struct DataOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A CSV file with a header row, or a built-in data set.",
            discussion: "Built-in: \(Datasets.names.joined(separator: ", ")).",
            valueName: "file.csv|name"))
    var data: String

    @Option(
        help: ArgumentHelp(
            "The label column: a header name, or a 0-based index (-1 = last). Default: the last column.",
            valueName: "column"))
    var label: String?

    @Option(
        help: ArgumentHelp(
            "The label value that is the positive class (+1). Default: the larger of the two values (numerically if both are numbers, else by text).",
            valueName: "value"))
    var positive: String?

    @Option(
        help: ArgumentHelp(
            "Number of points of a built-in data set (default \(DataOptions.defaultSamples); for eval/predict/grad: the model's).",
            valueName: "n"))
    var samples: Int?

    @Option(
        name: .customLong("data-seed"),
        help: ArgumentHelp(
            "Seed of a built-in data set, independent of --seed (default \(DataOptions.defaultDataSeed); for eval/predict/grad: the model's).",
            valueName: "seed"))
    var dataSeed: UInt64?

    /// Defaults of `--samples` and `--data-seed`.
    static let defaultSamples = 200
    static let defaultDataSeed: UInt64 = 0

    /// Where `--data` points.
    enum Source: Equatable {
        case csv(path: String)
        case builtin(name: String)
    }

    /// The resolved source of `--data`.
    var source: Source {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: data, isDirectory: &isFolder) {
            return .csv(path: data)
        }
        if Datasets.names.contains(data) { return .builtin(name: data) }
        return .csv(path: data)
    }

    /// Loads the data in precision `T`. `binary` requires exactly two classes. Built-in data sets
    /// are generated with `samples` points from `seed` (default: `--samples`, `--data-seed`, then
    /// ``defaultSamples`` and ``defaultDataSeed``).
    func load<T: BLASScalar>(
        as: T.Type = T.self, binary: Bool, samples: Int? = nil, seed: UInt64? = nil
    ) throws -> LabeledData<T> {
        let samples = samples ?? self.samples ?? DataOptions.defaultSamples
        let seed = seed ?? dataSeed ?? DataOptions.defaultDataSeed
        switch source {
        case .csv(let path):
            if self.samples != nil || dataSeed != nil, FileManager.default.fileExists(atPath: path) {
                throw DataOptionsError.generatorOptionForCSV(path)
            }
            let result: Result<LabeledData<T>, CSVError> = Result {
                () throws(CSVError) -> LabeledData<T> in
                try CSVLoader.load(
                    path: path, labelColumn: label, positive: positive, binary: binary)
            }
            // A bare word that is no file was most likely meant as a data set name.
            if case .failure(.fileNotFound) = result, !path.contains("/"), !path.contains(".") {
                throw DataOptionsError.neitherFileNorDataset(path)
            }
            return try result.get()
        case .builtin(let name):
            if label != nil { throw DataOptionsError.labelForBuiltin(name) }
            var data: LabeledData<T> = try Datasets.named(name, samples: samples, seed: seed)
            if let positive {
                guard let p = data.classNames.firstIndex(of: positive) else {
                    throw DataOptionsError.positiveNotInBuiltin(name, positive, data.classNames)
                }
                if p == 0 {
                    data.classes = data.classes.map { 1 - $0 }
                    data.classNames.reverse()
                }
            }
            return data
        }
    }
}

/// Errors of ``DataOptions`` beyond those of the CSV loader.
enum DataOptionsError: Error, CustomStringConvertible {
    case neitherFileNorDataset(String)
    case labelForBuiltin(String)
    case positiveNotInBuiltin(String, String, [String])
    case generatorOptionForCSV(String)

    var description: String {
        switch self {
        case .neitherFileNorDataset(let value):
            return "\(value): no such file, and '\(value)' is not a built-in dataset (built-in: \(Datasets.names.joined(separator: ", ")))"
        case .labelForBuiltin(let name):
            return "--label applies to CSV files; the built-in data set '\(name)' has its labels"
        case .positiveNotInBuiltin(let name, let positive, let classes):
            return "the positive label '\(positive)' is not a class of '\(name)' (classes: \(classes.joined(separator: ", ")))"
        case .generatorOptionForCSV(let path):
            return "--samples and --data-seed apply to built-in data sets; \(path) is a CSV file, drop them"
        }
    }
}

