import Foundation

/// Element types of a safetensors tensor that Backprop reads and writes.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32, little-endian.
    case f32 = "F32"
    /// IEEE 754 binary64, little-endian.
    case f64 = "F64"

    /// Bytes per element.
    public var size: Int { self == .f32 ? 4 : 8 }

    /// The dtype that stores `T` (`Float` → F32, `Double` → F64).
    public static func of<T: BLASScalar>(_: T.Type) -> SafetensorsDType {
        T.self == Float.self ? .f32 : .f64
    }
}

/// One tensor: dtype, shape and the raw little-endian element bytes (row-major, C order).
public struct SafetensorsTensor: Equatable, Sendable {
    /// Element type.
    public let dtype: SafetensorsDType
    /// Shape (row-major); `[]` is a scalar with one element.
    public let shape: [Int]
    /// `product(shape) · dtype.size` little-endian bytes.
    public let bytes: [UInt8]

    /// Number of elements, `product(shape)`.
    public var count: Int { bytes.count / dtype.size }

    /// `product(shape)`, or `nil` when it overflows `Int` (0 as soon as one dimension is 0).
    static func elementCount(_ shape: [Int]) -> Int? {
        if shape.contains(0) { return 0 }
        var n = 1
        for d in shape {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            if o || d < 0 { return nil }
            n = m
        }
        return n
    }

    /// A tensor of `values` (row-major) with `shape`, stored in `T`'s dtype. Traps when
    /// `product(shape) ≠ values.count`.
    public init<T: BLASScalar>(shape: [Int], values: [T]) {
        if SafetensorsTensor.elementCount(shape) != values.count {
            fatalError("SafetensorsTensor: shape \(shape) does not hold \(values.count) values")
        }
        self.dtype = .of(T.self)
        self.shape = shape
        self.bytes = SafetensorsTensor.littleEndianBytes(values)
    }

    /// A `rows × cols` matrix as a tensor of shape `[rows, cols]`.
    public init<T: BLASScalar>(_ matrix: Matrix<T>) {
        self.init(shape: [matrix.rows, matrix.cols], values: matrix.elements)
    }

    /// A tensor from raw bytes. Traps when the byte count is not `product(shape) · dtype.size`.
    public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        if SafetensorsTensor.elementCount(shape).map({ $0 * dtype.size }) != bytes.count {
            fatalError("SafetensorsTensor: shape \(shape) of \(dtype.rawValue) does not fit \(bytes.count) bytes")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The elements converted to `T` (exact from F32 to `Double`; rounded to nearest from F64
    /// to `Float`).
    public func values<T: BLASScalar>(as _: T.Type = T.self) -> [T] {
        switch dtype {
        case .f32:
            let v: [Float] = SafetensorsTensor.decode(bytes)
            return T.self == Float.self ? v as! [T] : v.map { T($0) }
        case .f64:
            let v: [Double] = SafetensorsTensor.decode(bytes)
            return T.self == Double.self ? v as! [T] : v.map { T($0) }
        }
    }

    static func littleEndianBytes<T: BinaryFloatingPoint>(_ values: [T]) -> [UInt8] {
        #if _endian(big)
        fatalError("Backprop's safetensors writer supports little-endian hosts only")
        #else
        return values.withUnsafeBytes { Array($0) }
        #endif
    }

    static func decode<T: BinaryFloatingPoint>(_ bytes: [UInt8]) -> [T] {
        #if _endian(big)
        fatalError("Backprop's safetensors reader supports little-endian hosts only")
        #else
        let n = bytes.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n * MemoryLayout<T>.size)]))
            }
            initialized = n
        }
        #endif
    }
}

/// Everything that can be wrong with a safetensors file, each with the file name and a message
/// that says what was expected. Offsets in messages are byte offsets in the file unless stated.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileMissing(path: String)
    case notAFile(path: String)
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    /// Fewer than the 8 bytes of the header length.
    case tooShort(path: String, size: Int)
    /// The header length field claims more bytes than the file holds after it.
    case headerLengthExceedsFile(path: String, headerLength: UInt64, available: Int)
    /// The header is not valid JSON (offset is in the file).
    case headerNotJSON(path: String, offset: Int, reason: String)
    /// The header is JSON but not an object.
    case headerNotObject(path: String, found: String)
    case metadataNotObject(path: String, found: String)
    case metadataValueNotString(path: String, key: String, found: String)
    case tensorEntryNotObject(path: String, tensor: String, found: String)
    case missingField(path: String, tensor: String, field: String)
    case invalidField(path: String, tensor: String, field: String, expected: String, found: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case reversedOffsets(path: String, tensor: String, begin: UInt64, end: UInt64)
    case sizeMismatch(path: String, tensor: String, dtype: String, shape: [Int], expectedBytes: UInt64, actualBytes: UInt64)
    case overlap(path: String, first: String, second: String)
    case gap(path: String, begin: UInt64, end: UInt64)
    case offsetsOutsideData(path: String, tensor: String, begin: UInt64, end: UInt64, dataSize: Int)
    case truncated(path: String, expectedDataBytes: UInt64, actualDataBytes: Int)

    public var description: String {
        switch self {
        case .fileMissing(let p): return "\(p): no such file"
        case .notAFile(let p): return "\(p): is a folder (or not a regular file), expected a .safetensors file"
        case .unreadable(let p, let r): return "\(p): cannot be read (\(r))"
        case .emptyFile(let p): return "\(p): file is empty, expected a safetensors model file"
        case .tooShort(let p, let n):
            return "\(p): file has \(n) byte\(n == 1 ? "" : "s"); a safetensors file starts with an 8-byte header length"
        case .headerLengthExceedsFile(let p, let n, let a):
            return "\(p): header length field says \(n) bytes but only \(a) bytes follow it (not a safetensors file, or truncated)"
        case .headerNotJSON(let p, let o, let r): return "\(p): header is not valid JSON at byte \(o): \(r)"
        case .headerNotObject(let p, let f): return "\(p): header must be a JSON object, found \(f)"
        case .metadataNotObject(let p, let f): return "\(p): \"__metadata__\" must be an object of strings, found \(f)"
        case .metadataValueNotString(let p, let k, let f):
            return "\(p): metadata value of \"\(k)\" must be a string, found \(f)"
        case .tensorEntryNotObject(let p, let t, let f): return "\(p): tensor \"\(t)\" must be an object, found \(f)"
        case .missingField(let p, let t, let f): return "\(p): tensor \"\(t)\" has no \"\(f)\""
        case .invalidField(let p, let t, let f, let e, let found):
            return "\(p): tensor \"\(t)\": \"\(f)\" must be \(e), found \(found)"
        case .unsupportedDType(let p, let t, let d):
            return "\(p): tensor \"\(t)\" has dtype \"\(d)\"; Backprop reads F32 and F64 only"
        case .reversedOffsets(let p, let t, let b, let e):
            return "\(p): tensor \"\(t)\" has data_offsets [\(b), \(e)] with begin after end"
        case .sizeMismatch(let p, let t, let d, let s, let e, let a):
            return "\(p): tensor \"\(t)\" of shape \(s) and dtype \(d) needs \(e) bytes but its data_offsets span \(a)"
        case .overlap(let p, let a, let b): return "\(p): tensors \"\(a)\" and \"\(b)\" overlap in the data section"
        case .gap(let p, let b, let e):
            return "\(p): bytes [\(b), \(e)) of the data section belong to no tensor"
        case .offsetsOutsideData(let p, let t, let b, let e, let n):
            return "\(p): tensor \"\(t)\" has data_offsets [\(b), \(e)] outside the \(n)-byte data section"
        case .truncated(let p, let e, let a):
            return "\(p): file is truncated: the header describes \(e) bytes of tensor data but the file holds \(a)"
        }
    }
}

extension SafetensorsError: LocalizedError {
    public var errorDescription: String? { description }
}

/// A safetensors file in memory: string metadata and named tensors.
///
/// Layout: an unsigned 64-bit little-endian header length `N`, `N` bytes of UTF-8 JSON
/// `{"__metadata__": {key: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, …}`
/// (offsets relative to the data section, which the tensors must cover exactly, without overlap
/// or holes), then the data section.
///
/// The writer is deterministic: keys sorted by UTF-8 bytes, tensor data in name order, the
/// header padded with spaces to a multiple of 8 bytes, no timestamps.
public struct SafetensorsFile: Equatable, Sendable {
    /// The `"__metadata__"` object (string values only, as the format requires).
    public var metadata: [String: String]
    /// Tensors by name.
    public var tensors: [String: SafetensorsTensor]

    /// A file with `metadata` and `tensors`.
    public init(metadata: [String: String] = [:], tensors: [String: SafetensorsTensor] = [:]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    // MARK: Writing

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        let names = tensors.keys.sorted(by: utf8Precedes)
        var entries: [(String, String)] = []
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let entry = "{\"dtype\":\(JSONText.quoted(t.dtype.rawValue)),\"shape\":\(JSONText.integers(t.shape)),\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}"
            entries.append((name, entry))
            offset += t.bytes.count
        }
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted(by: utf8Precedes)
            let body = keys.map { "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0]!))" }.joined(separator: ",")
            entries.append(("__metadata__", "{\(body)}"))
        }
        entries.sort { utf8Precedes($0.0, $1.0) }
        var header = Array(("{" + entries.map { "\(JSONText.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    /// Writes the file atomically (see ``AtomicFile``).
    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path)
    }

    // MARK: Reading

    /// Reads and validates the file at `path`. Throws ``SafetensorsError``.
    public static func read(from path: String) throws(SafetensorsError) -> SafetensorsFile {
        let bytes = try readFileBytes(path)
        return try decode(bytes, source: path)
    }

    /// Decodes and validates `bytes`; `source` names the file in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(SafetensorsError) -> SafetensorsFile {
        let p = source
        if bytes.isEmpty { throw .emptyFile(path: p) }
        if bytes.count < 8 { throw .tooShort(path: p, size: bytes.count) }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        let available = bytes.count - 8
        if n > UInt64(available) { throw .headerLengthExceedsFile(path: p, headerLength: n, available: available) }
        let headerLength = Int(n)
        let headerBytes = Array(bytes[8..<(8 + headerLength)])
        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes)
        } catch {
            throw .headerNotJSON(path: p, offset: 8 + error.offset, reason: error.message)
        }
        guard case .object(let members) = json else { throw .headerNotObject(path: p, found: json.kindName) }
        let dataSize = available - headerLength

        var metadata: [String: String] = [:]
        struct Entry { let name: String; let dtype: SafetensorsDType; let shape: [Int]; let begin: UInt64; let end: UInt64 }
        var entries: [Entry] = []
        for member in members {
            let name = member.key
            if name == "__metadata__" {
                guard case .object(let items) = member.value else {
                    throw .metadataNotObject(path: p, found: member.value.kindName)
                }
                for item in items {
                    guard case .string(let s) = item.value else {
                        throw .metadataValueNotString(path: p, key: item.key, found: item.value.kindName)
                    }
                    metadata[item.key] = s
                }
                continue
            }
            guard case .object(let fields) = member.value else {
                throw .tensorEntryNotObject(path: p, tensor: name, found: member.value.kindName)
            }
            func field(_ f: String) throws(SafetensorsError) -> JSONValue {
                guard let v = fields.first(where: { $0.key == f })?.value else {
                    throw .missingField(path: p, tensor: name, field: f)
                }
                return v
            }
            let dtypeValue = try field("dtype")
            guard case .string(let dtypeName) = dtypeValue else {
                throw .invalidField(path: p, tensor: name, field: "dtype", expected: "a string such as \"F32\"", found: dtypeValue.kindName)
            }
            let shapeValue = try field("shape")
            let offsetsValue = try field("data_offsets")
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw .unsupportedDType(path: p, tensor: name, dtype: dtypeName)
            }
            let shapeExpected = "an array of non-negative integers"
            guard case .array(let dims) = shapeValue else {
                throw .invalidField(path: p, tensor: name, field: "shape", expected: shapeExpected, found: shapeValue.kindName)
            }
            var shape: [Int] = []
            var elementBytes: UInt64 = UInt64(dtype.size)
            var sizeOverflow = false
            for d in dims {
                guard let v = d.unsignedInteger, v <= UInt64(Int.max) else {
                    throw .invalidField(path: p, tensor: name, field: "shape", expected: shapeExpected, found: d.kindName)
                }
                shape.append(Int(v))
                let (m, o) = elementBytes.multipliedReportingOverflow(by: v)
                if o { sizeOverflow = true } else { elementBytes = m }
            }
            if shape.contains(0) {
                // An empty tensor, whatever its other dimensions.
                elementBytes = 0
                sizeOverflow = false
            }
            let offsetsExpected = "an array [begin, end] of two non-negative integers"
            guard case .array(let offs) = offsetsValue, offs.count == 2 else {
                throw .invalidField(path: p, tensor: name, field: "data_offsets", expected: offsetsExpected, found: offsetsValue.kindName)
            }
            guard let begin = offs[0].unsignedInteger, let end = offs[1].unsignedInteger else {
                let bad = offs[0].unsignedInteger == nil ? offs[0] : offs[1]
                throw .invalidField(path: p, tensor: name, field: "data_offsets", expected: offsetsExpected, found: bad.kindName)
            }
            if begin > end { throw .reversedOffsets(path: p, tensor: name, begin: begin, end: end) }
            if sizeOverflow || elementBytes != end - begin {
                throw .sizeMismatch(
                    path: p, tensor: name, dtype: dtype.rawValue, shape: shape,
                    expectedBytes: sizeOverflow ? UInt64.max : elementBytes, actualBytes: end - begin)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // The tensors must tile [0, dataSize) exactly.
        let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor: UInt64 = 0
        var contiguous = true
        var widest: Entry?  // the tensor reaching furthest so far (it ends at `cursor`)
        for e in sorted {
            if e.begin < cursor, let widest { throw .overlap(path: p, first: widest.name, second: e.name) }
            if e.begin > cursor { contiguous = false }
            if e.end >= cursor {
                cursor = e.end
                widest = e
            }
        }
        if cursor > UInt64(dataSize) {
            if contiguous { throw .truncated(path: p, expectedDataBytes: cursor, actualDataBytes: dataSize) }
            let far = sorted.last { $0.end > UInt64(dataSize) }!
            throw .offsetsOutsideData(path: p, tensor: far.name, begin: far.begin, end: far.end, dataSize: dataSize)
        }
        cursor = 0
        for e in sorted {
            if e.begin > cursor { throw .gap(path: p, begin: cursor, end: e.begin) }
            cursor = max(cursor, e.end)
        }
        if cursor < UInt64(dataSize) { throw .gap(path: p, begin: cursor, end: UInt64(dataSize)) }

        var tensors: [String: SafetensorsTensor] = [:]
        let dataStart = 8 + headerLength
        for e in entries {
            let slice = Array(bytes[(dataStart + Int(e.begin))..<(dataStart + Int(e.end))])
            tensors[e.name] = SafetensorsTensor(dtype: e.dtype, shape: e.shape, bytes: slice)
        }
        return SafetensorsFile(metadata: metadata, tensors: tensors)
    }

    /// The whole file at `path`, with typed errors for missing, folder and unreadable.
    static func readFileBytes(_ path: String) throws(SafetensorsError) -> [UInt8] {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { throw .fileMissing(path: path) }
            throw .unreadable(path: path, reason: String(decoding: Array(cStringBytes(strerror(errno))), as: UTF8.self))
        }
        if (st.st_mode & S_IFMT) != S_IFREG { throw .notAFile(path: path) }
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .unreadable(path: path, reason: String(decoding: Array(cStringBytes(strerror(errno))), as: UTF8.self)) }
        defer { _ = close(fd) }
        var out: [UInt8] = []
        out.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(decoding: Array(cStringBytes(strerror(errno))), as: UTF8.self))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// The bytes of a C string (without the terminating zero).
private func cStringBytes(_ p: UnsafeMutablePointer<CChar>?) -> [UInt8] {
    guard let p else { return [] }
    var out: [UInt8] = []
    var i = 0
    while p[i] != 0 {
        out.append(UInt8(bitPattern: p[i]))
        i += 1
    }
    return out
}
