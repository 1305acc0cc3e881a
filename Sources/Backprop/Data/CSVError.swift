/// Everything that can be wrong with a CSV file given to ``CSVLoader``.
///
/// Every case names the file; cases about one place in the file give the 1-based line (the header
/// is line 1; a record that spans lines through a quoted newline is reported at its first line)
/// and the column by name. ``description`` is a one-line message for a person.
public enum CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// `path` is a folder (or another non-regular file), not a file.
    case notAFile(path: String)
    /// The file exists but cannot be read (`reason` is the system's message).
    case unreadable(path: String, reason: String)
    /// The file has no bytes, or only blank lines.
    case empty(path: String)
    /// The file has a header but no data row.
    case noRows(path: String)
    /// A byte sequence that is not UTF-8, at 1-based `line`; `byte` is the first offending byte.
    case notUTF8(path: String, line: Int, byte: UInt8)
    /// A quoted cell that starts on `line` is never closed.
    case unterminatedQuote(path: String, line: Int)
    /// Text follows the closing quote of a quoted cell.
    case textAfterQuote(path: String, line: Int, column: String)
    /// A row with a different number of cells than the header.
    case wrongCellCount(path: String, line: Int, expected: Int, found: Int)
    /// An empty cell (features and labels must all be present).
    case emptyCell(path: String, line: Int, column: String)
    /// A feature cell that is not a decimal number.
    case notANumber(path: String, line: Int, column: String, text: String)
    /// A feature cell that says NaN or infinity.
    case notFinite(path: String, line: Int, column: String, text: String)
    /// A feature cell whose value is too large for the precision (`f32`/`f64`), e.g. `1e999`.
    case overflow(path: String, line: Int, column: String, text: String, precision: String)
    /// `--label NAME` names no column of the header.
    case unknownLabelColumn(path: String, name: String, columns: [String])
    /// `--label NAME` names more than one column of the header.
    case ambiguousLabelColumn(path: String, name: String)
    /// `--label INDEX` is outside the header's `columns` columns.
    case labelIndexOutOfRange(path: String, index: Int, columns: Int)
    /// The header has the label column and nothing else.
    case noFeatureColumns(path: String)
    /// The requested positive label does not occur in the label column.
    case positiveNotFound(path: String, positive: String, column: String, labels: [String])
    /// A binary task, but the label column has one distinct value or more than two.
    case notBinary(path: String, column: String, labels: [String])

    /// A one-line message naming the file and, where it applies, line, column and text (line
    /// breaks inside names or labels are shown as `\n`).
    public var description: String {
        String(message.flatMap { $0.isNewline ? Array("\\n") : [$0] })
    }

    private var message: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file"
        case .notAFile(let p): return "\(p): is a folder (or another special file), not a CSV file"
        case .unreadable(let p, let reason): return "\(p): cannot be read (\(reason))"
        case .empty(let p): return "\(p): the file is empty (expected a header row and data rows)"
        case .noRows(let p): return "\(p): the file has a header but no data rows"
        case .notUTF8(let p, let line, let byte):
            return "\(p): line \(line): the bytes are not UTF-8 text (byte 0x\(hex(byte)))"
        case .unterminatedQuote(let p, let line):
            return "\(p): line \(line): a quoted cell is never closed (missing \")"
        case .textAfterQuote(let p, let line, let column):
            return "\(p): line \(line), column '\(column)': text after the closing quote of a quoted cell"
        case .wrongCellCount(let p, let line, let expected, let found):
            return "\(p): line \(line): expected \(expected) cells like the header, found \(found)"
        case .emptyCell(let p, let line, let column):
            return "\(p): line \(line), column '\(column)': empty cell (expected a value)"
        case .notANumber(let p, let line, let column, let text):
            return "\(p): line \(line), column '\(column)': expected a number, found \(quoted(text))"
        case .notFinite(let p, let line, let column, let text):
            return "\(p): line \(line), column '\(column)': \(quoted(text)) is not a finite number (NaN and infinity are not allowed in features)"
        case .overflow(let p, let line, let column, let text, let precision):
            return "\(p): line \(line), column '\(column)': \(quoted(text)) is too large for \(precision) (it overflows to infinity)"
        case .unknownLabelColumn(let p, let name, let columns):
            return "\(p): no column named '\(name)' for the label; the columns are "
                + columns.map { "'\($0)'" }.joined(separator: ", ")
        case .ambiguousLabelColumn(let p, let name):
            return "\(p): more than one column is named '\(name)'; give the label column by index"
        case .labelIndexOutOfRange(let p, let index, let columns):
            return "\(p): label column index \(index) is out of range: the file has \(columns) columns (0...\(columns - 1), or -1 for the last)"
        case .noFeatureColumns(let p):
            return "\(p): the file has only the label column; at least one feature column is needed"
        case .positiveNotFound(let p, let positive, let column, let labels):
            return "\(p): the positive label '\(positive)' does not occur in column '\(column)'; its values are "
                + listed(labels)
        case .notBinary(let p, let column, let labels):
            return "\(p): a binary task needs exactly 2 distinct labels in column '\(column)', found \(labels.count): "
                + listed(labels)
        }
    }
}

private func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

/// The cell text as a quoted, escaped literal, shortened beyond 40 characters.
private func quoted(_ text: String) -> String {
    let short = text.count > 40 ? String(text.prefix(40)) + "…" : text
    return short.debugDescription
}

/// At most 10 labels, quoted, then "and N more".
private func listed(_ labels: [String]) -> String {
    let shown = labels.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
    return labels.count > 10 ? shown + " and \(labels.count - 10) more" : shown
}
