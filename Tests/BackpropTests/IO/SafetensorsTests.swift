import Backprop
import Foundation
import Testing

/// A safetensors file assembled by hand: `length` (default: the header's byte count) as 8 bytes
/// little-endian, the header text, then `data`.
func handmadeSafetensors(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

/// Expects decoding `bytes` to fail with an error for which `matches` holds, and returns its
/// message.
@discardableResult
func expectSafetensorsError(
    _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (SafetensorsError) -> Bool
) -> String {
    do {
        let file = try SafetensorsFile.decode(bytes, source: "bad.safetensors")
        Issue.record("decoded without error: \(file.tensors.keys.sorted())", sourceLocation: sourceLocation)
        return ""
    } catch {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("bad.safetensors: "), sourceLocation: sourceLocation)
        return error.description
    }
}

@Suite struct SafetensorsTests {
    func roundTrip<T: BLASScalar>(_: T.Type) throws {
        let a = Matrix<T>.random(rows: 3, cols: 5, in: -2...2, seed: 11)
        let b: [T] = [1.5, -0.25, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let file = SafetensorsFile(
            metadata: ["note": "quote \" backslash \\ newline \n ünïcode", "z": "last"],
            tensors: ["a": SafetensorsTensor(a), "b": SafetensorsTensor(shape: [4], values: b),
                      "empty": SafetensorsTensor(shape: [0, 3], values: [T]()),
                      "scalar": SafetensorsTensor(shape: [], values: [T(42)])])
        let bytes = file.encoded()
        // Header length is a multiple of 8 (spaces pad it) and the JSON is the first thing after it.
        let n = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(n % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))
        #expect(bytes.count == 8 + n + (15 + 4 + 1) * MemoryLayout<T>.size)
        let back = try SafetensorsFile.decode(bytes)
        #expect(back == file)
        #expect(back.tensors["a"]!.values(as: T.self) == a.elements)
        #expect(back.tensors["b"]!.values(as: T.self) == b)
        #expect(back.tensors["scalar"]!.shape == [])
        #expect(back.encoded() == bytes)
    }

    @Test func roundTripFloat() throws { try roundTrip(Float.self) }
    @Test func roundTripDouble() throws { try roundTrip(Double.self) }

    @Test func headerIsSortedAndDeterministic() {
        var m1: [String: String] = [:]
        var m2: [String: String] = [:]
        for k in ["b", "a", "c", "Z"] { m1[k] = k }
        for k in ["c", "Z", "a", "b"] { m2[k] = k }
        let t = SafetensorsTensor(shape: [1], values: [Float(1)])
        let f1 = SafetensorsFile(metadata: m1, tensors: ["y": t, "x": t]).encoded()
        let f2 = SafetensorsFile(metadata: m2, tensors: ["x": t, "y": t]).encoded()
        #expect(f1 == f2)
        let header = String(decoding: f1[8...], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"Z":"Z","a":"a","b":"b","c":"c"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":"#))
    }

    @Test func convertsBetweenPrecisions() {
        let d: [Double] = [0.1, -1e-3, 3]
        let t = SafetensorsTensor(shape: [3], values: d)
        #expect(t.values(as: Float.self) == d.map { Float($0) })
        let f: [Float] = [0.1, 2]
        #expect(SafetensorsTensor(shape: [2], values: f).values(as: Double.self) == f.map { Double($0) })
    }

    @Test func rejectsDamagedContainers() {
        expectSafetensorsError([]) { if case .emptyFile = $0 { true } else { false } }
        expectSafetensorsError([1, 0, 0, 0, 0]) { if case .tooShort(_, 5) = $0 { true } else { false } }
        // 2^64 − 1 must be compared, not converted to Int.
        let huge = expectSafetensorsError(handmadeSafetensors("{}", length: UInt64.max)) {
            if case .headerLengthExceedsFile(_, UInt64.max, 2) = $0 { true } else { false }
        }
        #expect(huge.contains("18446744073709551615"))
        expectSafetensorsError(handmadeSafetensors("{}", length: 1 << 63)) {
            if case .headerLengthExceedsFile = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors("{}", length: 3)) {
            if case .headerLengthExceedsFile(_, 3, 2) = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors("")) { if case .headerNotJSON = $0 { true } else { false } }
        let notJSON = expectSafetensorsError(handmadeSafetensors("{\"a\": nope}")) {
            if case .headerNotJSON(_, 14, _) = $0 { true } else { false }
        }
        #expect(notJSON.contains("byte 14"))
        expectSafetensorsError(handmadeSafetensors("[1, 2]")) {
            if case .headerNotObject(_, "an array") = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors(#"{"a":1,"a":2}"#)) { if case .headerNotJSON = $0 { true } else { false } }
        expectSafetensorsError(handmadeSafetensors(String(repeating: "[", count: 100_000))) {
            if case .headerNotJSON = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors("{\"\u{1}\":{}}")) { if case .headerNotJSON = $0 { true } else { false } }
        var invalidUTF8 = handmadeSafetensors(#"{"xx":{}}"#)
        invalidUTF8[10] = 0xFF
        expectSafetensorsError(invalidUTF8) { if case .headerNotJSON = $0 { true } else { false } }
    }

    @Test func rejectsBadMetadataAndEntries() {
        expectSafetensorsError(handmadeSafetensors(#"{"__metadata__":{"a":"ok","b":1}}"#)) {
            if case .metadataValueNotString(_, "b", "the number 1") = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors(#"{"__metadata__":["x"]}"#)) {
            if case .metadataNotObject = $0 { true } else { false }
        }
        expectSafetensorsError(handmadeSafetensors(#"{"w":[1]}"#)) { if case .tensorEntryNotObject(_, "w", _) = $0 { true } else { false } }
        for field in ["dtype", "shape", "data_offsets"] {
            var entry = ["\"dtype\":\"F32\"", "\"shape\":[1]", "\"data_offsets\":[0,4]"]
            entry.removeAll { $0.contains(field) }
            expectSafetensorsError(handmadeSafetensors("{\"w\":{\(entry.joined(separator: ","))}}", data: [0, 0, 0, 0])) {
                if case .missingField(_, "w", field) = $0 { true } else { false }
            }
        }
        let bf16 = expectSafetensorsError(handmadeSafetensors(#"{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])) {
            if case .unsupportedDType(_, "w", "BF16") = $0 { true } else { false }
        }
        #expect(bf16.contains("F32 and F64"))
        for shape in ["[-1]", "[1.5]", "[1e2]", "\"2\"", "[18446744073709551616]"] {
            expectSafetensorsError(handmadeSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])) {
                if case .invalidField(_, "w", "shape", _, _) = $0 { true } else { false }
            }
        }
        for offsets in ["[0]", "[0,4,8]", "[-0,4]", "[0,4.0]", "{}"] {
            expectSafetensorsError(handmadeSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\(offsets)}}", data: [0, 0, 0, 0])) {
                if case .invalidField(_, "w", "data_offsets", _, _) = $0 { true } else { false }
            }
        }
    }

    @Test func rejectsBadOffsets() {
        let data = [UInt8](repeating: 0, count: 16)
        func header(_ entries: String) -> [UInt8] { handmadeSafetensors("{\(entries)}", data: data) }
        expectSafetensorsError(header(#""w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}"#)) {
            if case .reversedOffsets(_, "w", 8, 0) = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}"#)) {
            if case .sizeMismatch(_, "w", "F32", [3], 12, 16) = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,16]}"#)) {
            if case .sizeMismatch(_, "w", "F64", _, UInt64.max, 16) = $0 { true } else { false }
        }
        // Empty tensors with huge other dimensions are empty, not an overflow.
        let empty = try? SafetensorsFile.decode(handmadeSafetensors(
            #"{"e":{"dtype":"F64","shape":[4611686018427387904,4611686018427387904,0],"data_offsets":[0,0]}}"#))
        #expect(empty?.tensors["e"]?.count == 0)
        #expect(empty?.tensors["e"]?.values(as: Double.self) == [])
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}"#)) {
            if case .overlap(_, "a", "b") = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#)) {
            if case .overlap(_, "b", "a") = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[100,108]}"#)) {
            if case .offsetsOutsideData(_, "b", 100, 108, 16) = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}"#)) {
            if case .offsetsOutsideData(_, "a", UInt64.max, UInt64.max, 16) = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}"#)) {
            if case .gap(_, 8, 12) = $0 { true } else { false }
        }
        expectSafetensorsError(header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#)) {
            if case .gap(_, 8, 16) = $0 { true } else { false }
        }
        expectSafetensorsError(header("")) { if case .gap(_, 0, 16) = $0 { true } else { false } }
    }

    @Test func rejectsTruncatedData() throws {
        let file = SafetensorsFile(tensors: [
            "a": SafetensorsTensor(Matrix<Double>.random(rows: 4, cols: 4, seed: 1)),
            "b": SafetensorsTensor(shape: [3], values: [Double](repeating: 1, count: 3)),
        ])
        let bytes = file.encoded()
        for cut in [1, 8, 24, 24 + 128] {
            let message = expectSafetensorsError(Array(bytes.dropLast(cut))) {
                if case .truncated(_, 152, 152 - cut) = $0 { true } else { false }
            }
            #expect(message.contains("truncated"))
        }
        // Cutting into the header itself is a header length problem.
        expectSafetensorsError(Array(bytes.prefix(40))) { if case .headerLengthExceedsFile = $0 { true } else { false } }
    }

    @Test func readsFilesAndReportsMissingOnes() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        let file = SafetensorsFile(metadata: ["k": "v"], tensors: ["t": SafetensorsTensor(shape: [2], values: [Float(1), 2])])
        try file.write(to: dir.file("f.safetensors"))
        #expect(try SafetensorsFile.read(from: dir.file("f.safetensors")) == file)
        #expect(throws: SafetensorsError.fileMissing(path: dir.file("missing.safetensors"))) {
            try SafetensorsFile.read(from: dir.file("missing.safetensors"))
        }
        #expect(throws: SafetensorsError.notAFile(path: dir.path)) { try SafetensorsFile.read(from: dir.path) }
        dir.write([], "empty.safetensors")
        #expect(throws: SafetensorsError.emptyFile(path: dir.file("empty.safetensors"))) {
            try SafetensorsFile.read(from: dir.file("empty.safetensors"))
        }
    }
}
