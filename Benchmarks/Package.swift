// swift-tools-version: 6.1
// Kernel and training-step benchmarks for Backprop (blas vs naive backend), a nested package so that the root
// package's `swift build` / `swift test` never build package-benchmark.
//
// Run: `scripts/bench-kernels` from the repository root, or
// `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "BackpropBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The trait list is required: without it the default traits pull in
        // ordo-one/swift-runtime-interposer, which is not in the local package mirror.
        .package(
            url: "https://github.com/ordo-one/benchmark", exact: "1.38.1",
            traits: ["MallocInterposer"]),
        // `name:` fixes the package identity; otherwise it would be this folder's parent's name.
        .package(name: "Backprop", path: ".."),
    ],
    targets: [
        // package-benchmark runs every executable target whose folder sits in `Benchmarks/`.
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Backprop", package: "Backprop"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "StepBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Backprop", package: "Backprop"),
            ],
            path: "Benchmarks/StepBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Prints the OpenBLAS core and thread count the benchmarks run with (not a benchmark).
        .executableTarget(
            name: "KernelInfo",
            dependencies: [.product(name: "Backprop", package: "Backprop")],
            path: "Sources/KernelInfo"),
    ]
)
