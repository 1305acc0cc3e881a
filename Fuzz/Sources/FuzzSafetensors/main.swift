// libFuzzer harness for `SafetensorsFile.decode(_:source:)` and `ModelFile.decode`.
//
// Input, two forms:
// - raw: the bytes of a safetensors file (8-byte little-endian header length, header, data);
// - structured, when the input starts with `{`: the header JSON, one 0 byte, then the data
//   section; the harness prepends the correct length, so mutations inside the JSON are not all
//   rejected by the length check (this reaches the model validation far more often).
// A thrown `SafetensorsError` / `ModelFileError` is the
// expected outcome for bad input. A crash, a trap, an ASan report, or a broken invariant of an
// accepted file (checked below; a failure traps) is a bug. Invariants:
// - an accepted container re-encodes to bytes that decode to the same container;
// - a container accepted as a model (Float and Double, with and without precision conversion)
//   gives a network whose model file decodes back to the same network.
import Backprop
import CLibFuzzer
import Glibc

/// `FUZZ_VERBOSE=1` prints each input's outcome (to check what the seeds exercise).
let verbose = getenv("FUZZ_VERBOSE") != nil

/// Reads `file` as a `Network<T>` and checks the round trip of an accepted model.
func checkModel<T: BLASScalar>(_ file: SafetensorsFile, as: T.Type, allowConversion: Bool) {
    let model: LoadedModel<T>
    do {
        model = try ModelFile.decode(file, source: "fuzz.safetensors", allowConversion: allowConversion)
    } catch let error as ModelFileError {
        if error.description.isEmpty { fatalError("ModelFileError with an empty description") }
        if verbose { print("  as \(T.self) (conversion \(allowConversion)): rejected: \(error)") }
        return
    } catch {
        fatalError("ModelFile.decode threw an untyped error: \(error)")
    }
    if !allowConversion && model.storedDType != SafetensorsDType.of(T.self) {
        fatalError("precision conversion happened although it was not allowed")
    }
    if verbose { print("  as \(T.self) (conversion \(allowConversion)): model \(model.network.sizes)") }
    let bytes = ModelFile.encode(model.network, metadata: model.metadata)
    do {
        let again: LoadedModel<T> = try ModelFile.decode(
            try SafetensorsFile.decode(bytes, source: "re-encoded"), source: "re-encoded",
            allowConversion: false)
        if again.network != model.network || again.metadata != model.metadata {
            fatalError("model round trip changed the network or its metadata")
        }
    } catch {
        fatalError("a re-encoded accepted model does not decode: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.first == UInt8(ascii: "{") {
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        var file: [UInt8] = []
        withUnsafeBytes(of: UInt64(split).littleEndian) { file.append(contentsOf: $0) }
        file += bytes[..<split]
        if split < bytes.count { file += bytes[(split + 1)...] }
        bytes = file
    }
    let file: SafetensorsFile
    do {
        file = try SafetensorsFile.decode(bytes, source: "fuzz.safetensors")
    } catch {
        if error.description.isEmpty { fatalError("SafetensorsError with an empty description") }
        if verbose { print("rejected: \(error)") }
        return 0
    }
    do {
        let again = try SafetensorsFile.decode(file.encoded(), source: "re-encoded")
        if again != file { fatalError("safetensors round trip changed the container") }
    } catch {
        fatalError("a re-encoded accepted container does not decode: \(error)")
    }
    if verbose { print("container: \(file.tensors.count) tensors, \(file.metadata.count) metadata keys") }
    checkModel(file, as: Float.self, allowConversion: true)
    checkModel(file, as: Double.self, allowConversion: true)
    checkModel(file, as: Float.self, allowConversion: false)
    checkModel(file, as: Double.self, allowConversion: false)
    return 0
}

/// The process entry point (SwiftPM links `main` to `FuzzSafetensors_main`): runs libFuzzer's driver,
/// which parses the libFuzzer flags and calls `LLVMFuzzerTestOneInput`.
@_cdecl("FuzzSafetensors_main")
public func entry(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzz(data!, size)
    }
}
