// libFuzzer harness for `CSVLoader.parse(bytes:source:labelColumn:positive:binary:as:)`.
//
// Input layout: byte 0 selects the options, the remaining bytes are the CSV file.
//   bit 0      precision: 0 = Float, 1 = Double
//   bits 1–3   label column: one of `labelChoices`
//   bit 4      `binary: true`
//   bits 5–7   `positive:` one of `positiveChoices`
// A thrown `CSVError` is the expected outcome for bad input. A crash, a trap, an ASan report, or a
// broken invariant of an accepted file (checked below; a failure traps) is a bug.
import Backprop
import CLibFuzzer
import Glibc

/// `FUZZ_VERBOSE=1` prints each input's outcome (to check what the seeds exercise).
let verbose = getenv("FUZZ_VERBOSE") != nil

/// Label-column specifications: last column, indices (also negative and out of range), names,
/// and an integer that overflows `Int`.
let labelChoices: [String?] = [nil, "0", "-1", "1", "label", "y", "-7", "99999999999999999999"]
/// `--positive` values: numbers, words, the empty string and a non-ASCII value.
let positiveChoices: [String?] = [nil, "1", "yes", "-1", "b", "", "1.0", "é"]

/// Parses `csv` with the options of `option` in precision `T` and checks what an accepted file
/// promises.
func check<T: BLASScalar>(_ csv: [UInt8], option: UInt8, as: T.Type) {
    let label = labelChoices[Int(option >> 1) & 7]
    let binary = option & 0x10 != 0
    let positive = positiveChoices[Int(option >> 5) & 7]
    let data: LabeledData<T>
    do {
        data = try CSVLoader.parse(
            bytes: csv, source: "fuzz.csv", labelColumn: label, positive: positive,
            binary: binary, as: T.self)
    } catch {
        // A typed error must still describe itself (this runs the message code too).
        if error.description.isEmpty { fatalError("CSVError with an empty description") }
        if verbose { print("\(T.self) rejected: \(error)") }
        return
    }
    let n = data.count, d = data.dimension
    if n < 1 || d < 1 { fatalError("accepted a file with \(n) rows and \(d) features") }
    if data.features.elements.contains(where: { !$0.isFinite }) {
        fatalError("accepted a non-finite feature")
    }
    let names = data.classNames
    if names.isEmpty { fatalError("no class names") }
    if (binary || positive != nil) && names.count != 2 {
        fatalError("binary task with \(names.count) classes: \(names)")
    }
    if let positive, names.last != positive {
        fatalError("positive \(positive) is not the last class: \(names)")
    }
    // Every class name comes from some row, so every class has a sample; names are distinct.
    let counts = data.classCounts
    if let empty = counts.firstIndex(of: 0) {
        fatalError("class \(empty) (\(names[empty])) has no sample; names \(names)")
    }
    if Set(names).count != names.count { fatalError("duplicate class names \(names)") }
    if verbose { print("\(T.self) accepted: \(n)×\(d), classes \(names)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let option = data[0]
    let csv = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if option & 1 == 0 {
        check(csv, option: option, as: Float.self)
    } else {
        check(csv, option: option, as: Double.self)
    }
    return 0
}

/// The process entry point (SwiftPM links `main` to `FuzzCSV_main`): runs libFuzzer's driver,
/// which parses the libFuzzer flags and calls `LLVMFuzzerTestOneInput`.
@_cdecl("FuzzCSV_main")
public func entry(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzz(data!, size)
    }
}
