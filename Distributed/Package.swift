// swift-tools-version: 6.0
// Backprop over MPI: data-parallel training across processes and machines (Open MPI).
// A separate package so that the core library and its tests build without MPI installed.
// Needs `libopenmpi-dev openmpi-bin` (scripts/install-deps --mpi). Run the tests with
// `scripts/test-distributed` (or `swift build --product backprop` in the root, then
// `cd Distributed && swift test`: the tests compare model files with the root `backprop`).
import PackageDescription

let package = Package(
    name: "BackpropDistributed",
    products: [
        .library(name: "BackpropMPI", targets: ["BackpropMPI"]),
        .executable(name: "backprop-mpi", targets: ["BackpropMPICLI"]),
    ],
    dependencies: [
        // `name:` makes the identity "Backprop" whatever the checkout folder is called.
        .package(name: "Backprop", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // MARK: System library: Open MPI through pkg-config, with a shim for the handle macros.
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        // MARK: Thin Swift layer over MPI, and the MPI gradient combiners
        // (MPICluster: the ranks as a TrainingCluster of BackpropCommands.)
        .target(
            name: "BackpropMPI",
            dependencies: [
                "CMPI", .product(name: "Backprop", package: "Backprop"),
                .product(name: "BackpropCommands", package: "Backprop"),
            ]),

        // MARK: Command-line tool: every `backprop` command, `train … --shards S` data-parallel
        // under mpirun (the commands themselves live in the root package's BackpropCommands).
        .executableTarget(
            name: "BackpropMPICLI",
            dependencies: [
                "BackpropMPI",
                .product(name: "BackpropCommands", package: "Backprop"),
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Exercises every collective under mpirun (run by the tests).
        .executableTarget(
            name: "mpi-collectives-check",
            dependencies: [
                "BackpropMPI", .product(name: "Backprop", package: "Backprop"),
                .product(name: "BackpropCommands", package: "Backprop"),
            ]),

        // MARK: Tests (MPI tests skip when mpirun is missing)
        .testTarget(
            name: "BackpropMPITests",
            dependencies: ["BackpropMPI", .product(name: "Backprop", package: "Backprop")]),
    ]
)
