// swift-tools-version: 6.0
// Backprop: error backpropagation on CBLAS/LAPACKE, with a pure-Swift reference backend.
import PackageDescription

let package = Package(
    name: "Backprop",
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropCommands", targets: ["BackpropCommands"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // MARK: System libraries (Debian packages, found through pkg-config)
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),

        // MARK: Vectorised elementwise kernels (C: one source, SIMD clones chosen at load time)
        .target(name: "CElementwise"),

        // MARK: Public API
        .target(
            name: "Backprop",
            dependencies: [
                "CBLAS", "CLAPACKE", "CElementwise",
                .product(name: "RealModule", package: "swift-numerics"),
            ]),

        // MARK: Command-line tool
        // Counts heap allocations for `backprop bench` (interposes malloc in the executables that
        // link it; counting is off unless a benchmark switches it on).
        .target(name: "CMallocCounter"),
        // The commands, as a library: `backprop` and `backprop-mpi` (Distributed/) run the same code.
        .target(
            name: "BackpropCommands",
            dependencies: [
                "Backprop", "CMallocCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "BackpropCLI", dependencies: ["BackpropCommands"]),

        // MARK: Tests
        .testTarget(name: "BackpropTests", dependencies: ["Backprop"], exclude: ["Fixtures"]),
    ]
)
