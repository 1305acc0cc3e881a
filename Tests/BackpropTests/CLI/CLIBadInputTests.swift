import Backprop
import Foundation
import Testing

/// Every bad input of train/eval/predict/grad: non-zero exit, a one-line error on stderr saying
/// what to change (ArgumentParser's usage lines allowed for pure option errors), nothing on
/// stdout, every existing file unchanged and no file added.
@Suite struct CLIBadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var arguments: [String]
        var message: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let train = ["train", "--data", "moons", "--steps", "3", "--out", "existing.safetensors"]
    static let model = ["--model", "good.safetensors"]

    static let cases: [Case] = [
        // Data and architecture.
        Case(arguments: ["train", "--data", "moonz", "--layers", "2,4,1", "--out", "existing.safetensors"],
             message: "'moonz' is not a built-in dataset"),
        Case(arguments: train + ["--layers", "3,4,1"], message: "make --layers start with 2"),
        Case(arguments: train + ["--layers", "2,4,2", "--loss", "hinge"], message: "needs 1 output"),
        Case(arguments: train + ["--layers", "2,4,3", "--loss", "softmax"], message: "needs 2 outputs, one per class"),
        Case(arguments: train + ["--layers", "2,4,3", "--loss", "mse"], message: "change the last layer size"),
        Case(arguments: train + ["--layers", "2,0,1"], message: "--layers must be at least two positive integers"),
        Case(arguments: train + ["--layers", "2,x,1"], message: "--layers must be at least two positive integers"),
        Case(arguments: train + ["--layers", "2"], message: "--layers must be at least two positive integers"),
        Case(arguments: train + ["--data", "threeclass.csv", "--layers", "2,4,1", "--loss", "logistic"],
             message: "needs exactly 2 distinct labels"),
        Case(arguments: train + ["--data", "threeclass.csv", "--layers", "2,4,2", "--loss", "softmax"],
             message: "needs 3 outputs"),
        Case(arguments: train + ["--data", "missing.csv", "--layers", "2,4,1"], message: "missing.csv: no such file"),
        Case(arguments: train + ["--layers", "2,4,1", "--samples", "1"], message: "--samples must be at least 2"),
        Case(arguments: train + ["--data", "threefeatures.csv", "--layers", "3,4,1", "--samples", "50"],
             message: "--samples and --data-seed apply to built-in data sets"),
        Case(arguments: train + ["--layers", "2,4,1", "--label", "x1"], message: "--label applies to CSV files"),
        Case(arguments: ["eval"] + model + ["--data", "threefeatures.csv", "--label", "nope"], message: "no column named 'nope'"),
        // Numbers.
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "0"], message: "--lr must be a finite number > 0"),
        Case(arguments: train + ["--layers", "2,4,1", "--lr=-0.5"], message: "--lr must be a finite number > 0"),
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "nan"], message: "--lr must be a finite number > 0"),
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "inf"], message: "--lr must be a finite number > 0"),
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "fast"], message: "--lr must be a finite number > 0"),
        Case(arguments: train + ["--layers", "2,4,1", "--steps", "0"], message: "--steps must be at least 1"),
        Case(arguments: train + ["--layers", "2,4,1", "--batch", "0"], message: "--batch must be at least 1"),
        Case(arguments: train + ["--layers", "2,4,1", "--checkpoint-every", "0"], message: "--checkpoint-every must be at least 1"),
        // Names.
        Case(arguments: train + ["--layers", "2,4,1", "--activation", "sigmoidal"], message: "'sigmoidal' is invalid for '--activation"),
        Case(arguments: train + ["--layers", "2,4,1", "--loss", "l2"], message: "'l2' is invalid for '--loss"),
        Case(arguments: train + ["--layers", "2,4,1", "--precision", "f16"], message: "'f16' is invalid for '--precision"),
        Case(arguments: train + ["--layers", "2,4,1", "--backend", "gpu"], message: "'gpu' is invalid for '--backend"),
        // Output paths.
        Case(arguments: ["train", "--data", "moons", "--layers", "2,4,1", "--out", "nofolder/m.safetensors"],
             message: "folder 'nofolder' does not exist"),
        Case(arguments: ["train", "--data", "moons", "--layers", "2,4,1", "--out", "sub"], message: "it is a folder"),
        Case(arguments: ["train", "--data", "moons", "--layers", "2,4,1", "--out", "existing.safetensors/m"],
             message: "is not a folder"),
        Case(arguments: ["train", "--data", "moons", "--layers", "2,4,1", "--out", "readonly/m.safetensors"],
             message: "is not writable"),
        Case(arguments: train + ["--layers", "2,4,1", "--plot", "nofolder/p.png"], message: "folder 'nofolder' does not exist"),
        Case(arguments: train + ["--layers", "2,4,1", "--plot", "p.gif"], message: "--plot must name a .png or .svg file"),
        Case(arguments: ["predict"] + model + ["--data", "moons", "--out", "sub"], message: "it is a folder"),
        // --init.
        Case(arguments: train + ["--layers", "2,5,1", "--init", "good.safetensors"],
             message: "has layers 2,4,1 but --layers is 2,5,1"),
        Case(arguments: train + ["--activation", "relu", "--init", "good.safetensors"],
             message: "uses the activation tanh but --activation is relu"),
        Case(arguments: train + ["--init", "truncated.safetensors"], message: "truncated.safetensors"),
        Case(arguments: ["train", "--data", "moons", "--steps", "3", "--out", "x.safetensors"],
             message: "give --layers"),
        // Model files.
        Case(arguments: ["eval", "--model", "none.safetensors", "--data", "moons"], message: "none.safetensors"),
        Case(arguments: ["eval", "--model", "empty.safetensors", "--data", "moons"], message: "empty.safetensors"),
        Case(arguments: ["eval", "--model", "truncated.safetensors", "--data", "moons"], message: "truncated"),
        Case(arguments: ["predict", "--model", "garbage.safetensors", "--data", "moons"], message: "garbage.safetensors"),
        Case(arguments: ["grad", "--model", "huge-header.safetensors", "--data", "moons"], message: "huge-header.safetensors"),
        Case(arguments: ["grad", "--model", "sub", "--data", "moons"], message: "sub"),
        Case(arguments: ["eval", "--model", "nometa.safetensors", "--data", "moons"], message: "model metadata has no"),
        Case(arguments: ["eval", "--model", "noclasses.safetensors", "--data", "moons"], message: "has no \"classes\""),
        // Model and data that do not fit.
        Case(arguments: ["eval"] + model + ["--data", "threefeatures.csv"], message: "the data has 3 feature columns but the model takes 2 inputs"),
        Case(arguments: ["predict"] + model + ["--data", "threefeatures.csv"], message: "the model takes 2 inputs"),
        Case(arguments: ["grad"] + model + ["--data", "threefeatures.csv"], message: "the model takes 2 inputs"),
        Case(arguments: ["eval"] + model + ["--data", "otherlabels.csv"], message: "the label 'no' is not a class of the model"),
        Case(arguments: ["grad"] + model + ["--data", "moons", "--loss", "softmax"], message: "the loss 'softmax'"),
        // Divergence, also when the overflow comes with the very last update.
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "1e30", "--steps", "10"], message: "diverged at step 2"),
        Case(arguments: train + ["--layers", "2,4,1", "--lr", "1e30", "--steps", "1"], message: "diverged after step 1"),
    ]

    /// A folder with one good model and every kind of bad file.
    static func fixture() throws -> TestFolder {
        let folder = TestFolder()
        let good = TrainedModel(
            network: Network<Float>(sizes: [2, 4, 1], hidden: .tanh, loss: .mse, seed: 1), classNames: ["-1", "1"],
            featureNames: ["x1", "x2"])
        try good.save(to: folder.file("good.safetensors"))
        let bytes = try #require(folder.bytes("good.safetensors"))
        folder.write(Array(bytes.prefix(bytes.count - 9)), "truncated.safetensors")
        folder.write([], "empty.safetensors")
        folder.write(Array("this is not a model at all".utf8), "garbage.safetensors")
        folder.write([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7B, 0x7D], "huge-header.safetensors")
        try ModelFile.save(Network<Float>(sizes: [2, 4, 1], seed: 1), to: folder.file("noclasses.safetensors"))
        SafetensorsFile(metadata: [:], tensors: ["w": SafetensorsTensor(Matrix<Float>(rows: 1, cols: 1))])
            .encoded().withUnsafeBufferPointer { folder.write(Array($0), "nometa.safetensors") }
        folder.write(Array("a,b,c,label\n1,2,3,1\n4,5,6,-1\n".utf8), "threefeatures.csv")
        folder.write(Array("a,b,label\n1,2,yes\n4,5,no\n".utf8), "otherlabels.csv")
        folder.write(Array("a,b,label\n1,2,x\n4,5,y\n0,0,z\n".utf8), "threeclass.csv")
        folder.write(Array("keep me".utf8), "existing.safetensors")
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder.file("readonly"), withIntermediateDirectories: false)
        chmod(folder.file("readonly"), 0o555)
        return folder
    }

    /// Every file in the folder with its bytes.
    static func snapshot(_ folder: TestFolder) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in folder.entries() { out[name] = folder.bytes(name) ?? [] }
        return out
    }

    @Test func everyBadInputFailsCleanly() throws {
        let folder = try Self.fixture()
        defer {
            chmod(folder.file("readonly"), 0o755)
            folder.remove()
        }
        let before = Self.snapshot(folder)
        let root = getuid() == 0
        for c in Self.cases {
            if root && c.message == "is not writable" { continue }  // root may write anywhere
            let r = try CLIHarness.run(c.arguments, in: folder.path)
            #expect(r.status != 0 && r.status > -1000, "\(c): status \(r.status)")
            #expect(r.stdout.isEmpty, "\(c): stdout \(r.stdout)")
            #expect(r.stderr.contains(c.message), "\(c): stderr \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), "\(c)")
            // One error line: ours starts with "backprop: error:", ArgumentParser's with "Error:"
            // (followed by usage lines); progress lines may precede a divergence.
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("backprop: error:") || $0.hasPrefix("Error:") }
            #expect(errors.count == 1, "\(c): \(r.stderr)")
            #expect(Self.snapshot(folder) == before, "\(c): files changed")
        }
    }
}
