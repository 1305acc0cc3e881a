// swift-tools-version: 6.0
// A user's program: links Backprop by path (a real project would use its URL) and uses only the
// public API.
import PackageDescription

let package = Package(
    name: "TrainMoons",
    dependencies: [
        // `name:` keeps `package: "Backprop"` valid whatever the checkout folder is called.
        .package(name: "Backprop", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "TrainMoons",
            dependencies: [.product(name: "Backprop", package: "Backprop")]),
    ]
)
