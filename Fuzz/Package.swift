// swift-tools-version: 6.0
// libFuzzer harnesses for Backprop's file readers (CSV and safetensors). A nested package, so the
// root package's `swift build` / `swift test` never build it.
//
// Build and run with `scripts/fuzz [SECONDS]` from the repository root. By hand:
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   .build/debug/FuzzCSV -dict=Dictionaries/csv.dict <corpus copy folder>
// `-parse-as-library` keeps each `main.swift` from defining top-level code. SwiftPM links every
// executable target with `--defsym main=<Target>_main` (its testable-executable entry point), even
// in release builds, so libFuzzer's own `main` cannot be used: each harness exports
// `<Target>_main`, which hands the command line to libFuzzer's `LLVMFuzzerRunDriver`, and
// `LLVMFuzzerTestOneInput` (the function libFuzzer calls for each input).
import PackageDescription

let package = Package(
    name: "BackpropFuzz",
    dependencies: [
        // `name:` fixes the package identity; otherwise it would be this folder's parent's name.
        .package(name: "Backprop", path: ".."),
    ],
    targets: [
        // Declares libFuzzer's `LLVMFuzzerRunDriver` (header only; the library comes with
        // `-sanitize=fuzzer`).
        .systemLibrary(name: "CLibFuzzer"),
        // Input: one option byte (precision, label column, --positive, binary), then CSV bytes.
        .executableTarget(
            name: "FuzzCSV",
            dependencies: [.product(name: "Backprop", package: "Backprop"), "CLibFuzzer"]),
        // Input: the bytes of a safetensors file; decoded, re-encoded, and read as a model.
        .executableTarget(
            name: "FuzzSafetensors",
            dependencies: [.product(name: "Backprop", package: "Backprop"), "CLibFuzzer"]),
    ]
)
