import Glibc

/// Loads a labelled CSV file into ``LabeledData``.
///
/// The file: UTF-8 (a byte-order mark is skipped), a header row of column names (line 1), then
/// one sample per row; line ends `\n` or `\r\n`; quoting and blanks as in ``CSVScanner``. One
/// column holds the labels (any text); every other column is a numeric feature (see
/// ``CSVNumber`` for the accepted number syntax). Feature cells must be finite and fit the
/// precision.
///
/// The label column (`labelColumn`):
/// - `nil`: the last column;
/// - the name of a header column (names are matched first, exactly);
/// - otherwise an integer: a 0-based column index, negative counting from the end (`-1` = last).
///
/// Label values become class indices by the rule of ``ClassLabels``: with `positive` given that
/// value is the positive class (`+1`, class 1) and the task is binary; otherwise the distinct
/// values are sorted (numerically if all are numbers, else by their bytes) and, for two classes,
/// the larger one is positive. Values that are equal as Swift strings (canonically equivalent
/// Unicode, such as a precomposed "é" and "e" + combining acute) are one class.
///
/// Errors are ``CSVError`` values naming file, 1-based line and column; nothing is returned on
/// error. The file is read once into memory and parsed from its bytes: memory is the file size
/// plus the `N × d` features, with no object per cell.
public enum CSVLoader {
    /// Loads `path` as `N × d` features and class indices.
    ///
    /// - Parameters:
    ///   - labelColumn: name or index of the label column; `nil` for the last column.
    ///   - positive: the label value that is the positive class (`+1`); implies `binary`.
    ///   - binary: require exactly two distinct labels.
    public static func load<T: BLASScalar>(
        path: String, labelColumn: String? = nil, positive: String? = nil, binary: Bool = false,
        as: T.Type = T.self
    ) throws(CSVError) -> LabeledData<T> {
        var bytes = try readFile(path)
        return try parse(
            bytes: &bytes, source: path, labelColumn: labelColumn, positive: positive,
            binary: binary)
    }

    /// Parses CSV text already in memory (`source` names it in messages). Same rules as
    /// ``load(path:labelColumn:positive:binary:as:)``.
    public static func parse<T: BLASScalar>(
        text: String, source: String = "<text>", labelColumn: String? = nil,
        positive: String? = nil, binary: Bool = false, as: T.Type = T.self
    ) throws(CSVError) -> LabeledData<T> {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return try parse(
            bytes: &bytes, source: source, labelColumn: labelColumn, positive: positive,
            binary: binary)
    }

    /// Parses CSV bytes already in memory (`source` names them in messages; for fuzzing and
    /// network input). Same rules as ``load(path:labelColumn:positive:binary:as:)``.
    public static func parse<T: BLASScalar>(
        bytes: [UInt8], source: String = "<bytes>", labelColumn: String? = nil,
        positive: String? = nil, binary: Bool = false, as: T.Type = T.self
    ) throws(CSVError) -> LabeledData<T> {
        var copy = bytes
        copy.append(0)
        return try parse(
            bytes: &copy, source: source, labelColumn: labelColumn, positive: positive,
            binary: binary)
    }

    /// Reads a whole file, with one 0 byte appended (a terminator for `strtod`).
    static func readFile(_ path: String) throws(CSVError) -> [UInt8] {
        // stat before open: a folder or a FIFO is refused without opening (or blocking on) it.
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        if (info.st_mode & S_IFMT) != S_IFREG { throw .notAFile(path: path) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            if code == EISDIR { throw .notAFile(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        // Read straight into the array, sized from stat (one 0 byte appended later), then
        // whatever a growing file or a file that reports size 0 (like those in /proc) adds.
        let size = max(0, Int(info.st_size))
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, initialized in
            var used = 0
            while used < size {
                let n = read(fd, buffer.baseAddress! + used, size - used)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                used += n
            }
            initialized = used
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while failure == 0 {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno != EINTR { failure = errno }
                continue
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        if failure != 0 {
            if failure == EISDIR { throw .notAFile(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(failure)))
        }
        bytes.append(0)
        return bytes
    }

    /// Parses `bytes` (the file followed by one 0 byte). Quoted cells are unescaped in place.
    static func parse<T: BLASScalar>(
        bytes: inout [UInt8], source: String, labelColumn: String?, positive: String?,
        binary: Bool
    ) throws(CSVError) -> LabeledData<T> {
        let count = bytes.count - 1
        let result: Result<LabeledData<T>, CSVError> = bytes.withUnsafeMutableBufferPointer {
            buffer in
            do throws(CSVError) {
                return .success(
                    try CSVNumber.withCLocale { () throws(CSVError) -> LabeledData<T> in
                        try parse(
                            buffer.baseAddress!, count: count, source: source,
                            labelColumn: labelColumn, positive: positive, binary: binary)
                    })
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func parse<T: BLASScalar>(
        _ b: UnsafeMutablePointer<UInt8>, count: Int, source: String, labelColumn: String?,
        positive: String?, binary: Bool
    ) throws(CSVError) -> LabeledData<T> {
        // Byte-order mark.
        var start = 0
        if count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3 }
        if let bad = CSVScanner.firstInvalidUTF8(b, from: start, count: count) {
            throw .notUTF8(
                path: source, line: CSVScanner.line(of: bad, in: b, count: count), byte: b[bad])
        }
        var scanner = CSVScanner(bytes: b, count: count, start: start, path: source)
        var cells: [CSVCell] = []
        guard try scanner.nextRecord(into: &cells) != nil else { throw .empty(path: source) }
        let names = cells.map { scanner.text($0) }
        scanner.columnNames = names
        let columns = names.count
        let label = try resolveLabelColumn(labelColumn, names: names, source: source)
        if columns < 2 { throw .noFeatureColumns(path: source) }
        let d = columns - 1
        let labelName = names[label]

        // Estimate the rows from the line breaks, to reserve once.
        var lineBreaks = 0
        for i in start..<count where b[i] == CSVScanner.newline { lineBreaks += 1 }
        var features: [T] = []
        features.reserveCapacity((lineBreaks + 1) * d)
        var classes: [Int] = []
        classes.reserveCapacity(lineBreaks + 1)
        var labelIDs: [ByteKey: Int] = [:]
        var labelKeys: [ByteKey] = []

        while let line = try scanner.nextRecord(into: &cells) {
            if cells.count != columns {
                throw .wrongCellCount(
                    path: source, line: line, expected: columns, found: cells.count)
            }
            for j in 0..<columns {
                let cell = cells[j]
                if cell.start == cell.end {
                    throw .emptyCell(path: source, line: line, column: names[j])
                }
                if j == label {
                    let key = ByteKey(base: b, start: cell.start, end: cell.end)
                    if let id = labelIDs[key] {
                        classes.append(id)
                    } else {
                        labelIDs[key] = labelKeys.count
                        classes.append(labelKeys.count)
                        labelKeys.append(key)
                    }
                    continue
                }
                switch CSVNumber.parse(b, cell.start, cell.end) as CSVNumber.Outcome<T> {
                case .value(let v): features.append(v)
                case .notANumber:
                    throw .notANumber(
                        path: source, line: line, column: names[j], text: scanner.text(cell))
                case .notFinite:
                    throw .notFinite(
                        path: source, line: line, column: names[j], text: scanner.text(cell))
                case .overflow:
                    throw .overflow(
                        path: source, line: line, column: names[j], text: scanner.text(cell),
                        precision: T.precisionName)
                }
            }
        }
        if classes.isEmpty { throw .noRows(path: source) }

        // Class names: the rule of ClassLabels on the distinct label texts.
        let texts = labelKeys.map { key in
            String(
                decoding: UnsafeBufferPointer(start: b + key.start, count: key.end - key.start),
                as: UTF8.self)
        }
        // Texts with different bytes can be equal strings (canonically equivalent Unicode, e.g.
        // "é" precomposed and "e" + U+0301): they are one class, named by the first one seen.
        var seen = Set<String>()
        let distinctTexts = texts.filter { seen.insert($0).inserted }
        let wantBinary = binary || positive != nil
        guard let classNames = ClassLabels.order(distinctTexts, positive: positive) else {
            throw .positiveNotFound(
                path: source, positive: positive ?? "", column: labelName,
                labels: ClassLabels.order(distinctTexts) ?? distinctTexts)
        }
        if wantBinary && classNames.count != 2 {
            throw .notBinary(path: source, column: labelName, labels: classNames)
        }
        var remap = Array(repeating: 0, count: texts.count)
        for (id, text) in texts.enumerated() { remap[id] = classNames.firstIndex(of: text)! }
        for k in classes.indices { classes[k] = remap[classes[k]] }

        var featureNames = names
        featureNames.remove(at: label)
        return LabeledData(
            features: Matrix(rows: classes.count, cols: d, elements: features), classes: classes,
            classNames: classNames, featureNames: featureNames)
    }

    /// The 0-based index of the label column (see the type's documentation).
    static func resolveLabelColumn(_ spec: String?, names: [String], source: String)
        throws(CSVError) -> Int
    {
        guard let spec else { return names.count - 1 }
        let matches = names.indices.filter { names[$0] == spec }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw .ambiguousLabelColumn(path: source, name: spec) }
        if let index = Int(spec) {
            let resolved = index < 0 ? names.count + index : index
            if resolved < 0 || resolved >= names.count {
                throw .labelIndexOutOfRange(path: source, index: index, columns: names.count)
            }
            return resolved
        }
        throw .unknownLabelColumn(path: source, name: spec, columns: names)
    }
}

/// A byte range of the loader's buffer, hashed and compared by content (no copy). Valid only while
/// the buffer is.
struct ByteKey: Hashable {
    let base: UnsafeMutablePointer<UInt8>
    let start: Int
    let end: Int

    static func == (a: ByteKey, b: ByteKey) -> Bool {
        let n = a.end - a.start
        return n == b.end - b.start && memcmp(a.base + a.start, b.base + b.start, n) == 0
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(start: base + start, count: end - start))
    }
}
