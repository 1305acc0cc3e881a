/// A classification data set: `N` samples as the rows of an `N × d` feature matrix, and one class
/// index per sample.
///
/// `classes[k] ∈ 0..<classNames.count`. For binary data, `classNames[1]` is the positive class
/// (target `+1`) and `classNames[0]` the negative class (target `−1`); see ``CSVLoader`` for the
/// rule that orders the names when they come from a file.
public struct LabeledData<Scalar: BLASScalar>: Sendable, Equatable {
    /// The `N × d` features, one sample per row.
    public var features: Matrix<Scalar>
    /// The class index of each sample, `N` entries in `0..<classNames.count`.
    public var classes: [Int]
    /// The name of each class, indexed by class index.
    public var classNames: [String]
    /// The name of each feature column, `d` entries.
    public var featureNames: [String]

    /// A data set from its parts. Traps (programmer error) when the counts do not fit together:
    /// `classes.count == features.rows`, `featureNames.count == features.cols`, and every class
    /// index in `0..<classNames.count`.
    public init(
        features: Matrix<Scalar>, classes: [Int], classNames: [String], featureNames: [String]
    ) {
        if classes.count != features.rows || featureNames.count != features.cols {
            fatalError(
                "LabeledData: features are \(features.rows)×\(features.cols), but there are \(classes.count) class indices and \(featureNames.count) feature names"
            )
        }
        if let bad = classes.first(where: { $0 < 0 || $0 >= classNames.count }) {
            fatalError("LabeledData: class index \(bad) outside 0..<\(classNames.count)")
        }
        self.features = features
        self.classes = classes
        self.classNames = classNames
        self.featureNames = featureNames
    }

    /// Number of samples `N`.
    public var count: Int { features.rows }

    /// Number of features `d`.
    public var dimension: Int { features.cols }

    /// How many samples each class has, indexed by class index.
    public var classCounts: [Int] {
        var counts = Array(repeating: 0, count: classNames.count)
        for c in classes { counts[c] += 1 }
        return counts
    }

    /// The `N × 1` targets `t ∈ {−1, +1}` of a binary task: `t_k = +1` when `classes[k] == 1`
    /// (the positive class `classNames[1]`), else `−1`.
    ///
    /// - Throws: ``LabeledDataError/notBinary(classNames:)`` unless there are exactly 2 classes.
    public func binaryTargets() throws(LabeledDataError) -> Matrix<Scalar> {
        if classNames.count != 2 { throw .notBinary(classNames: classNames) }
        return Matrix(column: classes.map { $0 == 1 ? 1 : -1 })
    }

    /// The `N × C` one-hot targets: row `k` has a 1 in column `classes[k]` and 0 elsewhere
    /// (`C = classNames.count`).
    public func oneHotTargets() -> Matrix<Scalar> {
        var t = Matrix<Scalar>(rows: count, cols: classNames.count)
        for (k, c) in classes.enumerated() { t[k, c] = 1 }
        return t
    }

    /// The samples at `indices`, in that order (class names and feature names are kept).
    public func subset<C: Collection>(_ indices: C) -> LabeledData where C.Element == Int {
        LabeledData(
            features: features.gatherRows(indices), classes: indices.map { classes[$0] },
            classNames: classNames, featureNames: featureNames)
    }

    /// The same data in another precision (`Float` ↔ `Double`).
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> LabeledData<T> {
        LabeledData<T>(
            features: features.converted(to: T.self), classes: classes, classNames: classNames,
            featureNames: featureNames)
    }
}

/// Errors about the labels of a ``LabeledData`` (for instance, asking binary targets of a
/// three-class set).
public enum LabeledDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A binary task needs exactly two classes; these are the classes there are.
    case notBinary(classNames: [String])

    /// A one-line message.
    public var description: String {
        switch self {
        case .notBinary(let names):
            return "a binary task needs exactly 2 classes, found \(names.count)"
                + (names.isEmpty ? "" : ": " + names.map { "'\($0)'" }.joined(separator: ", "))
        }
    }
}
