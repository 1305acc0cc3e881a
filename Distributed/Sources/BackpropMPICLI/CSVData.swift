import Backprop
import Foundation

/// A data file that could not be used: file, 1-based line and column, and what was expected.
struct DataFileError: Error, CustomStringConvertible, LocalizedError {
    var file: String
    var line: Int
    var column: Int
    var problem: String
    var description: String {
        line == 0 ? "\(file): \(problem)" : "\(file):\(line):\(column): \(problem)"
    }
    var errorDescription: String? { description }
}

/// Reads a headerless numeric CSV: each line `d_0` inputs then `d_L` targets, comma-separated;
/// blank lines are skipped. Every value must parse and be finite.
enum CSVData {
    static func load<T: BLASScalar>(
        _: T.Type, path: String, inputs d0: Int, outputs dL: Int
    ) throws(DataFileError) -> (Matrix<T>, Matrix<T>) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, line: 0, column: 0, problem: "cannot read the file (missing or unreadable)")
        }
        let text = String(decoding: data, as: UTF8.self)
        var x = [T]()
        var t = [T]()
        var rows = 0
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count != d0 + dL {
                throw DataFileError(
                    file: path, line: i + 1, column: min(fields.count, d0 + dL) + 1,
                    problem: "expected \(d0 + dL) values (\(d0) inputs, \(dL) targets), found \(fields.count)")
            }
            for (j, f) in fields.enumerated() {
                let s = f.trimmingCharacters(in: .whitespaces)
                guard let v = Double(s), v.isFinite else {
                    throw DataFileError(file: path, line: i + 1, column: j + 1, problem: "expected a finite number, found \"\(s)\"")
                }
                if j < d0 { x.append(T(v)) } else { t.append(T(v)) }
            }
            rows += 1
        }
        if rows == 0 { throw DataFileError(file: path, line: 0, column: 0, problem: "no data rows") }
        return (Matrix(rows: rows, cols: d0, elements: x), Matrix(rows: rows, cols: dL, elements: t))
    }
}
