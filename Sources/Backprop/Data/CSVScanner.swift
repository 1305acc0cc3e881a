/// One cell of a CSV record: bytes `start..<end` of the scanner's buffer (quotes removed and
/// `""` already unescaped in place for quoted cells).
struct CSVCell {
    var start: Int
    var end: Int
    var quoted: Bool
}

/// A byte-level CSV tokenizer over a mutable buffer, one record at a time, with no per-cell
/// allocation: cells are byte ranges of the buffer, and the caller's cell array is reused.
///
/// Grammar (RFC 4180 with the usual leniencies): cells are separated by `,`; records end at
/// `\n`, `\r\n` or a lone `\r`, or at the end of the input (a last line without a newline is a
/// record); spaces and tabs around a cell are dropped; a cell may be quoted with `"`, and then
/// holds commas, line breaks and `""` (one quote); lines that are empty or blank are skipped.
struct CSVScanner {
    let bytes: UnsafeMutablePointer<UInt8>
    let count: Int
    let path: String
    /// Byte offset of the next unread byte.
    var position: Int
    /// 1-based line of ``position``.
    var line = 1
    /// Column names for messages (empty while the header itself is read).
    var columnNames: [String] = []

    init(bytes: UnsafeMutablePointer<UInt8>, count: Int, start: Int, path: String) {
        self.bytes = bytes
        self.count = count
        self.position = start
        self.path = path
    }

    static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
    static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    @inline(__always) static func isBlank(_ c: UInt8) -> Bool { c == space || c == tab }

    func columnName(_ i: Int) -> String {
        i < columnNames.count ? columnNames[i] : "#\(i + 1)"
    }

    /// Reads the next non-blank record into `cells` (replacing its contents) and returns the
    /// 1-based line where the record starts, or `nil` at the end of the input.
    mutating func nextRecord(into cells: inout [CSVCell]) throws(CSVError) -> Int? {
        let b = bytes
        // Skip blank lines.
        while true {
            var p = position
            while p < count && CSVScanner.isBlank(b[p]) { p += 1 }
            if p >= count {
                position = count
                return nil
            }
            if b[p] == CSVScanner.newline {
                position = p + 1
                line += 1
                continue
            }
            if b[p] == CSVScanner.carriageReturn {
                position = p + 1
                if position < count && b[position] == CSVScanner.newline { position += 1 }
                line += 1
                continue
            }
            break
        }
        let recordLine = line
        cells.removeAll(keepingCapacity: true)
        while true {
            while position < count && CSVScanner.isBlank(b[position]) { position += 1 }
            if position < count && b[position] == CSVScanner.quote {
                let startLine = line
                var r = position + 1
                var w = r
                let contentStart = r
                var closed = false
                while r < count {
                    let c = b[r]
                    if c == CSVScanner.quote {
                        if r + 1 < count && b[r + 1] == CSVScanner.quote {
                            b[w] = CSVScanner.quote
                            w += 1
                            r += 2
                            continue
                        }
                        closed = true
                        r += 1
                        break
                    }
                    if c == CSVScanner.newline {
                        line += 1
                    } else if c == CSVScanner.carriageReturn
                        && !(r + 1 < count && b[r + 1] == CSVScanner.newline)
                    {
                        line += 1
                    }
                    b[w] = c
                    w += 1
                    r += 1
                }
                if !closed { throw .unterminatedQuote(path: path, line: startLine) }
                cells.append(CSVCell(start: contentStart, end: w, quoted: true))
                position = r
                while position < count && CSVScanner.isBlank(b[position]) { position += 1 }
                if position < count {
                    let c = b[position]
                    if c != CSVScanner.comma && c != CSVScanner.newline
                        && c != CSVScanner.carriageReturn
                    {
                        throw .textAfterQuote(
                            path: path, line: line, column: columnName(cells.count - 1))
                    }
                }
            } else {
                let s = position
                while position < count {
                    let c = b[position]
                    if c == CSVScanner.comma || c == CSVScanner.newline
                        || c == CSVScanner.carriageReturn
                    {
                        break
                    }
                    position += 1
                }
                var e = position
                while e > s && CSVScanner.isBlank(b[e - 1]) { e -= 1 }
                cells.append(CSVCell(start: s, end: e, quoted: false))
            }
            if position >= count { return recordLine }
            if b[position] == CSVScanner.comma {
                position += 1
                continue
            }
            if b[position] == CSVScanner.carriageReturn {
                position += 1
                if position < count && b[position] == CSVScanner.newline { position += 1 }
            } else {
                position += 1
            }
            line += 1
            return recordLine
        }
    }

    /// The text of a cell (UTF-8 was validated before scanning).
    func text(_ cell: CSVCell) -> String {
        String(
            decoding: UnsafeBufferPointer(start: bytes + cell.start, count: cell.end - cell.start),
            as: UTF8.self)
    }

    /// The 1-based line of byte `offset` (for errors found outside the record scan).
    static func line(of offset: Int, in b: UnsafePointer<UInt8>, count: Int) -> Int {
        var line = 1
        var i = 0
        while i < offset && i < count {
            if b[i] == newline {
                line += 1
            } else if b[i] == carriageReturn && !(i + 1 < count && b[i + 1] == newline) {
                line += 1
            }
            i += 1
        }
        return line
    }

    /// The offset of the first byte that breaks UTF-8 (overlong forms, surrogates and code points
    /// above U+10FFFF included), or `nil` when all of `b[start..<count]` is UTF-8.
    static func firstInvalidUTF8(_ b: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int? {
        var i = start
        while i < count {
            let c = b[i]
            if c < 0x80 {
                i += 1
                continue
            }
            var need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return i
            }
            var j = i + 1
            while need > 0 {
                if j >= count { return i }
                let d = b[j]
                if d < low || d > high { return i }
                low = 0x80
                high = 0xBF
                need -= 1
                j += 1
            }
            i = j
        }
        return nil
    }
}
