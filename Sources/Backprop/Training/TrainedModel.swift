/// Where a model's training data came from: enough to regenerate a built-in data set exactly, or
/// to read a CSV file with the same label settings.
public struct DataSettings: Sendable, Equatable {
    /// A built-in data set name (``Datasets/names``) or the CSV path given for training.
    public var source: String
    /// Number of generated samples (built-in data sets only).
    public var samples: Int?
    /// Seed of the generated samples (built-in data sets only).
    public var seed: UInt64?
    /// The `--label` column used for a CSV file, if one was given.
    public var labelColumn: String?
    /// The `--positive` label used, if one was given.
    public var positive: String?

    /// Settings from their parts.
    public init(
        source: String, samples: Int? = nil, seed: UInt64? = nil, labelColumn: String? = nil,
        positive: String? = nil
    ) {
        self.source = source
        self.samples = samples
        self.seed = seed
        self.labelColumn = labelColumn
        self.positive = positive
    }
}

/// How class indices become the `N × d_L` target matrix `t` that the loss compares the network's
/// output `y` with.
public enum TargetEncoding: String, Sendable, Equatable {
    /// One output, `t = +1` for class 1 (the positive class), `−1` for class 0 (binary losses,
    /// and `mse` with one output and two classes).
    case signed
    /// `C` outputs, `t` the one-hot row of the class (softmax, and `mse` with `C` outputs).
    case oneHot

    /// The encoding that `loss` on a network with `outputs` outputs needs for `classCount`
    /// classes:
    /// - binary losses (perceptron, hinge, logistic): one output and exactly two classes → signed;
    /// - softmax: `outputs == classCount ≥ 2` → one-hot;
    /// - mse: one output and two classes → signed; `outputs == classCount` → one-hot.
    ///
    /// - Throws: ``TargetEncodingError`` naming what to change.
    public static func required(loss: Loss, outputs: Int, classCount: Int)
        throws(TargetEncodingError) -> TargetEncoding
    {
        switch loss {
        case .perceptron, .hinge, .logistic:
            if classCount != 2 { throw .binaryLossNeedsTwoClasses(loss: loss, classCount: classCount) }
            if outputs != 1 { throw .outputCount(loss: loss, outputs: outputs, needed: "1 output (a binary loss)") }
            return .signed
        case .softmax:
            if classCount < 2 { throw .tooFewClasses(classCount: classCount) }
            if outputs != classCount {
                throw .outputCount(loss: loss, outputs: outputs, needed: "\(classCount) outputs, one per class")
            }
            return .oneHot
        case .mse:
            if classCount < 2 { throw .tooFewClasses(classCount: classCount) }
            if outputs == 1 && classCount == 2 { return .signed }
            if outputs == classCount { return .oneHot }
            throw .outputCount(
                loss: loss, outputs: outputs,
                needed: classCount == 2 ? "1 output (targets ±1) or 2 (one-hot)" : "\(classCount) outputs, one per class")
        }
    }

    /// The `N × outputs` targets for class indices `classes` (see the cases). Traps on a class
    /// index outside `0..<classCount`.
    public func targets<T: BLASScalar>(_ classes: [Int], classCount: Int, as: T.Type = T.self) -> Matrix<T> {
        switch self {
        case .signed:
            return Matrix(column: classes.map { $0 == 1 ? T(1) : T(-1) })
        case .oneHot:
            var t = Matrix<T>(rows: classes.count, cols: classCount)
            for (k, c) in classes.enumerated() {
                if c < 0 || c >= classCount { fatalError("TargetEncoding.targets: class \(c) outside 0..<\(classCount)") }
                t[k, c] = 1
            }
            return t
        }
    }
}

/// Why a loss and an output layer cannot be trained on the classes of a data set.
public enum TargetEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A binary loss on data with another number of classes than 2.
    case binaryLossNeedsTwoClasses(loss: Loss, classCount: Int)
    /// Fewer than two classes: nothing to classify.
    case tooFewClasses(classCount: Int)
    /// The last layer's size does not fit the loss and the class count.
    case outputCount(loss: Loss, outputs: Int, needed: String)

    public var description: String {
        switch self {
        case .binaryLossNeedsTwoClasses(let loss, let c):
            return "the loss '\(loss.rawValue)' is binary and needs exactly 2 classes, the data has \(c); use --loss softmax or mse with one output per class"
        case .tooFewClasses(let c):
            return "the data has \(c) class; at least 2 are needed"
        case .outputCount(let loss, let outputs, let needed):
            return "the last layer has \(outputs) output\(outputs == 1 ? "" : "s") but the loss '\(loss.rawValue)' on this data needs \(needed); change the last layer size"
        }
    }
}

/// A trained classifier as it is saved and shared: the network, the standardisation fitted on the
/// training features (if any), the class names, the feature names and where the data came from.
///
/// The network computes `y = f(x')` with `x' = (x − μ)/σ` when a ``standardizer`` is present and
/// `x' = x` otherwise; ``outputs(_:backend:)`` applies both steps, so callers always pass raw
/// features. Class `k` is `classNames[k]`; with one output, the prediction is `classNames[1]` when
/// `y > 0`, else `classNames[0]`; with several, the arg-max.
///
/// Stored in a model file (``ModelFile``) through string metadata (JSON texts, numbers in their
/// shortest round-trip form, so statistics read back bit for bit):
/// `classes` (`["-1","1"]`), `features`, `standardize.means` / `standardize.deviations` (as
/// `Double`s), `data.source`, `data.samples`, `data.seed`, `data.label`, `data.positive`.
public struct TrainedModel<Scalar: BLASScalar>: Sendable, Equatable {
    /// The network (its input is the standardised features).
    public var network: Network<Scalar>
    /// The training set's standardisation, or `nil` for raw features.
    public var standardizer: Standardizer<Scalar>?
    /// Class names in class-index order (`classNames[1]` is the positive class of a binary task).
    public var classNames: [String]
    /// Names of the `d_0` feature columns.
    public var featureNames: [String]
    /// Where the training data came from, if known.
    public var data: DataSettings?

    /// A model from its parts. Traps when the standardizer's dimension or the feature name count
    /// is not the network's input size.
    public init(
        network: Network<Scalar>, standardizer: Standardizer<Scalar>? = nil, classNames: [String],
        featureNames: [String], data: DataSettings? = nil
    ) {
        if let s = standardizer, s.dimension != network.inputSize {
            fatalError("TrainedModel: standardizer has \(s.dimension) columns, network has \(network.inputSize) inputs")
        }
        if featureNames.count != network.inputSize {
            fatalError("TrainedModel: \(featureNames.count) feature names, network has \(network.inputSize) inputs")
        }
        self.network = network
        self.standardizer = standardizer
        self.classNames = classNames
        self.featureNames = featureNames
        self.data = data
    }

    /// Metadata keys (see ``TrainedModelKey``).
    public typealias Key = TrainedModelKey

    /// The model-file metadata for everything but the network.
    public var metadata: [String: String] {
        var m: [String: String] = [
            Key.classes: JSONText.strings(classNames), Key.features: JSONText.strings(featureNames),
        ]
        if let s = standardizer {
            m[Key.means] = Self.numbers(s.means)
            m[Key.deviations] = Self.numbers(s.deviations)
        }
        if let d = data {
            m[Key.dataSource] = d.source
            if let n = d.samples { m[Key.dataSamples] = String(n) }
            if let s = d.seed { m[Key.dataSeed] = String(s) }
            if let l = d.labelColumn { m[Key.dataLabel] = l }
            if let p = d.positive { m[Key.dataPositive] = p }
        }
        return m
    }

    /// `[x, …]` with each value widened to `Double` (exact) in its shortest round-trip text.
    static func numbers(_ xs: [Scalar]) -> String {
        "[" + xs.map { Double($0).description }.joined(separator: ",") + "]"
    }

    /// Saves the model atomically (see ``ModelFile/save(_:to:metadata:)``); the same model always
    /// gives the same bytes.
    public func save(to path: String) throws {
        try ModelFile.save(network, to: path, metadata: metadata)
    }

    /// Loads a model written by ``save(to:)``. Throws ``SafetensorsError`` or ``ModelFileError``
    /// (also for missing or invalid `classes`/`features`/standardisation metadata).
    public static func load(from path: String) throws -> TrainedModel {
        try TrainedModel(try ModelFile.load(Scalar.self, from: path), source: path)
    }

    /// The model from an already loaded network and metadata (`source` names it in errors).
    public init(_ loaded: LoadedModel<Scalar>, source p: String) throws {
        let meta = loaded.metadata
        let net = loaded.network
        func strings(_ key: String, count: Int?) throws -> [String] {
            guard let text = meta[key] else { throw ModelFileError.missingMetadata(path: p, key: key) }
            let expected = "a JSON array of " + (count.map { "\($0) " } ?? "") + "strings"
            guard case .array(let values)? = try? JSONParser.parse(Array(text.utf8)) else {
                throw ModelFileError.invalidMetadata(path: p, key: key, value: text, expected: expected)
            }
            var out: [String] = []
            for v in values {
                guard case .string(let s) = v else {
                    throw ModelFileError.invalidMetadata(path: p, key: key, value: text, expected: expected)
                }
                out.append(s)
            }
            if let count, out.count != count {
                throw ModelFileError.invalidMetadata(path: p, key: key, value: text, expected: expected)
            }
            return out
        }
        func numbers(_ key: String, _ d: Int, positive: Bool) throws -> [Scalar] {
            let text = meta[key]!
            let expected = "a JSON array of \(d) finite numbers" + (positive ? " ≥ 0" : "")
            guard case .array(let values)? = try? JSONParser.parse(Array(text.utf8)), values.count == d else {
                throw ModelFileError.invalidMetadata(path: p, key: key, value: text, expected: expected)
            }
            var out: [Scalar] = []
            for v in values {
                guard case .number(let t) = v, let x = Double(t), x.isFinite, !positive || x >= 0,
                    Scalar(x).isFinite
                else { throw ModelFileError.invalidMetadata(path: p, key: key, value: text, expected: expected) }
                out.append(Scalar(x))
            }
            return out
        }
        let classes = try strings(Key.classes, count: nil)
        if classes.count < 2 || Set(classes).count != classes.count {
            throw ModelFileError.invalidMetadata(
                path: p, key: Key.classes, value: meta[Key.classes]!, expected: "at least 2 distinct class names")
        }
        do {
            _ = try TargetEncoding.required(loss: net.loss, outputs: net.outputSize, classCount: classes.count)
        } catch {
            throw ModelFileError.invalidMetadata(
                path: p, key: Key.classes, value: meta[Key.classes]!,
                expected: "classes that fit the loss and output size (\(error))")
        }
        let features = try strings(Key.features, count: net.inputSize)
        var standardizer: Standardizer<Scalar>?
        switch (meta[Key.means] != nil, meta[Key.deviations] != nil) {
        case (true, true):
            standardizer = Standardizer(
                means: try numbers(Key.means, net.inputSize, positive: false),
                deviations: try numbers(Key.deviations, net.inputSize, positive: true))
        case (false, false): standardizer = nil
        case (true, false): throw ModelFileError.missingMetadata(path: p, key: Key.deviations)
        case (false, true): throw ModelFileError.missingMetadata(path: p, key: Key.means)
        }
        var data: DataSettings?
        if let source = meta[Key.dataSource] {
            var d = DataSettings(source: source, labelColumn: meta[Key.dataLabel], positive: meta[Key.dataPositive])
            if let t = meta[Key.dataSamples] {
                guard let n = Int(t), n >= 2 else {
                    throw ModelFileError.invalidMetadata(path: p, key: Key.dataSamples, value: t, expected: "an integer ≥ 2")
                }
                d.samples = n
            }
            if let t = meta[Key.dataSeed] {
                guard let s = UInt64(t) else {
                    throw ModelFileError.invalidMetadata(path: p, key: Key.dataSeed, value: t, expected: "an unsigned integer")
                }
                d.seed = s
            }
            data = d
        }
        self.init(network: net, standardizer: standardizer, classNames: classes, featureNames: features, data: data)
    }

    /// The encoding of targets for this model's loss, outputs and classes.
    public var targetEncoding: TargetEncoding {
        // Checked when the model was built or loaded.
        (try? TargetEncoding.required(loss: network.loss, outputs: network.outputSize, classCount: classNames.count))
            ?? .oneHot
    }

    /// The network's input for raw `N × d_0` features: `(x − μ)/σ` with a standardizer, else `x`.
    public func inputs(_ features: Matrix<Scalar>) -> Matrix<Scalar> {
        standardizer.map { $0.apply(to: features) } ?? features
    }

    /// The `N × d_L` outputs `y` for raw features.
    public func outputs(_ features: Matrix<Scalar>, backend: Backend = .blas) -> Matrix<Scalar> {
        network.forward(inputs(features), backend: backend)
    }

    /// The predicted class index of each row of outputs `y`: with one output `y > 0 → 1`, else 0;
    /// with several, the index of the largest (the first on ties).
    public func predictedClasses(_ y: Matrix<Scalar>) -> [Int] {
        (0..<y.rows).map { k in
            if y.cols == 1 { return y[k, 0] > 0 ? 1 : 0 }
            var best = 0
            for j in 1..<y.cols where y[k, j] > y[k, best] { best = j }
            return best
        }
    }

    /// The targets for class indices of this model (see ``targetEncoding``).
    public func targets(_ classes: [Int]) -> Matrix<Scalar> {
        targetEncoding.targets(classes, classCount: classNames.count)
    }

    /// The class indices of `data`'s rows in this model's class order, matched by name.
    /// - Throws: ``TrainedModelError/unknownClass(name:classes:)`` for a label the model does
    ///   not know.
    public func classIndices(of data: LabeledData<Scalar>) throws(TrainedModelError) -> [Int] {
        var map: [Int] = []
        for name in data.classNames {
            guard let i = classNames.firstIndex(of: name) else {
                throw .unknownClass(name: name, classes: classNames)
            }
            map.append(i)
        }
        return data.classes.map { map[$0] }
    }

    /// Checks that `data` has the network's number of input features.
    public func checkFeatures(of data: LabeledData<Scalar>, source: String) throws(TrainedModelError) {
        if data.dimension != network.inputSize {
            throw .featureCount(source: source, found: data.dimension, expected: network.inputSize)
        }
    }

    /// Mean loss `E` and accuracy of the model on raw features and class indices (model order).
    public func evaluate(_ features: Matrix<Scalar>, classes: [Int], backend: Backend = .blas)
        -> (loss: Scalar, accuracy: Double)
    {
        let y = outputs(features, backend: backend)
        let t = targets(classes)
        return (network.loss.value(y, t), network.loss.accuracy(y, t))
    }
}

/// Data that does not fit a trained model.
public enum TrainedModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A label of the data is not one of the model's classes.
    case unknownClass(name: String, classes: [String])
    /// The data has `found` feature columns, the model takes `expected` inputs.
    case featureCount(source: String, found: Int, expected: Int)

    public var description: String {
        switch self {
        case .unknownClass(let name, let classes):
            return "the label '\(name)' is not a class of the model (its classes: \(classes.map { "'\($0)'" }.joined(separator: ", "))); check --label, or give --positive for a binary model"
        case .featureCount(let source, let found, let expected):
            return "\(source): the data has \(found) feature column\(found == 1 ? "" : "s") but the model takes \(expected) inputs; use data with the model's features"
        }
    }
}

/// The metadata keys of a ``TrainedModel`` in a model file (none starts with
/// ``ModelFile/reservedPrefix``).
public enum TrainedModelKey {
    public static let classes = "classes"
    public static let features = "features"
    public static let means = "standardize.means"
    public static let deviations = "standardize.deviations"
    public static let dataSource = "data.source"
    public static let dataSamples = "data.samples"
    public static let dataSeed = "data.seed"
    public static let dataLabel = "data.label"
    public static let dataPositive = "data.positive"
}

