import Backprop
import Foundation

/// Paths and scratch files for the data and classifier tests.
enum ClassifierFixtures {
    /// The package root, found from this file's path (Tests/BackpropTests/Data/…).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Iris, setosa vs versicolor (100 rows, 4 features, label column `species`), exported from
    /// scikit-learn's copy of Fisher's data.
    static let irisPath = packageRoot.appendingPathComponent(
        "Tests/BackpropTests/Fixtures/iris-2class.csv"
    ).path

    /// A fresh, empty scratch folder; remove it with ``removeFolder(_:)``.
    static func makeFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "backprop-classifier-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeFolder(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to a new file in a new scratch folder and passes its path to `body`.
    static func withFile<R>(_ bytes: [UInt8], name: String = "data.csv", _ body: (String) throws -> R)
        rethrows -> R
    {
        let folder = makeFolder()
        defer { removeFolder(folder) }
        let path = folder.appendingPathComponent(name).path
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    /// Writes `text` (UTF-8) to a new file and passes its path to `body`.
    static func withFile<R>(_ text: String, name: String = "data.csv", _ body: (String) throws -> R)
        rethrows -> R
    {
        try withFile(Array(text.utf8), name: name, body)
    }

    /// The `CSVError` that loading `text` throws, or `nil` when it loads.
    static func csvError<T: BLASScalar>(
        _ text: String, as: T.Type = Double.self, label: String? = nil, positive: String? = nil,
        binary: Bool = false
    ) -> CSVError? {
        csvError(Array(text.utf8), as: T.self, label: label, positive: positive, binary: binary)
    }

    /// The `CSVError` that loading `bytes` throws, or `nil` when it loads.
    static func csvError<T: BLASScalar>(
        _ bytes: [UInt8], as: T.Type = Double.self, label: String? = nil, positive: String? = nil,
        binary: Bool = false
    ) -> CSVError? {
        withFile(bytes) { path in
            do throws(CSVError) {
                _ = try CSVLoader.load(
                    path: path, labelColumn: label, positive: positive, binary: binary, as: T.self)
                return nil
            } catch {
                return error.replacingPath(path, with: "F")
            }
        }
    }

    /// A deliberately plain reading of a simple CSV file (no quotes, label last): split lines and
    /// commas, `Double(String)` per cell, labels sorted as text. Independent of `CSVLoader`.
    static func plainRead(_ path: String) -> (x: [[Double]], labels: [String]) {
        let text = try! String(contentsOfFile: path, encoding: .utf8)
        var x: [[Double]] = []
        var labels: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            x.append(cells.dropLast().map { Double($0)! })
            labels.append(cells.last!)
        }
        return (x, labels)
    }

    /// The exact bits of a Float or Double (sign, exponent, significand), for bit-for-bit checks
    /// (`-0.0` and `0.0` differ; NaNs with the same payload are equal).
    static func exactBits<T: BinaryFloatingPoint>(_ x: T) -> [UInt64] {
    [x.sign == .minus ? 1 : 0, UInt64(x.exponentBitPattern), UInt64(x.significandBitPattern)]
}

    /// ``exactBits(_:)`` of every element.
    static func exactBits<T: BinaryFloatingPoint>(_ xs: [T]) -> [[UInt64]] { xs.map { exactBits($0) } }
}

extension CSVError {
    /// The same error with its file path replaced (so tests can compare whole values).
    func replacingPath(_ path: String, with short: String) -> CSVError {
        func p(_ s: String) -> String { s == path ? short : s }
        switch self {
        case .fileNotFound(let a): return .fileNotFound(path: p(a))
        case .notAFile(let a): return .notAFile(path: p(a))
        case .unreadable(let a, let r): return .unreadable(path: p(a), reason: r)
        case .empty(let a): return .empty(path: p(a))
        case .noRows(let a): return .noRows(path: p(a))
        case .notUTF8(let a, let l, let b): return .notUTF8(path: p(a), line: l, byte: b)
        case .unterminatedQuote(let a, let l): return .unterminatedQuote(path: p(a), line: l)
        case .textAfterQuote(let a, let l, let c): return .textAfterQuote(path: p(a), line: l, column: c)
        case .wrongCellCount(let a, let l, let e, let f):
            return .wrongCellCount(path: p(a), line: l, expected: e, found: f)
        case .emptyCell(let a, let l, let c): return .emptyCell(path: p(a), line: l, column: c)
        case .notANumber(let a, let l, let c, let t):
            return .notANumber(path: p(a), line: l, column: c, text: t)
        case .notFinite(let a, let l, let c, let t):
            return .notFinite(path: p(a), line: l, column: c, text: t)
        case .overflow(let a, let l, let c, let t, let pr):
            return .overflow(path: p(a), line: l, column: c, text: t, precision: pr)
        case .unknownLabelColumn(let a, let n, let cs):
            return .unknownLabelColumn(path: p(a), name: n, columns: cs)
        case .ambiguousLabelColumn(let a, let n): return .ambiguousLabelColumn(path: p(a), name: n)
        case .labelIndexOutOfRange(let a, let i, let c):
            return .labelIndexOutOfRange(path: p(a), index: i, columns: c)
        case .noFeatureColumns(let a): return .noFeatureColumns(path: p(a))
        case .positiveNotFound(let a, let pos, let c, let ls):
            return .positiveNotFound(path: p(a), positive: pos, column: c, labels: ls)
        case .notBinary(let a, let c, let ls): return .notBinary(path: p(a), column: c, labels: ls)
        }
    }
}
