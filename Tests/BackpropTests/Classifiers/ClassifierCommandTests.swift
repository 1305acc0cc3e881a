import Backprop
import Foundation
import Testing

/// Runs the built `backprop` executable (through the CLI tests' ``CLIHarness``) in the current
/// folder; the classifier tests pass absolute paths.
enum ClassifierCLI {
    typealias Output = CLIHarness.Output

    static func run(_ arguments: [String]) throws -> Output {
        try CLIHarness.run(arguments, in: FileManager.default.currentDirectoryPath)
    }
}

extension ClassifierCLI {
    struct PerceptronJSON: Decodable {
        var weights: [Double]
        var bias: Double
        var converged: Bool
        var epochs: Int
        var mistakes: [Int]
        var accuracy: Double
        var classes: [String]
    }

    struct NearestMeanJSON: Decodable {
        var weights: [Double]
        var bias: Double
        var means: [[Double]]
        var accuracy: Double
        var classes: [String]
    }

    /// The numbers of a JSON text, read with `Double(String)` (to check round-trip bits without
    /// trusting a JSON parser's number conversion).
    static func jsonNumbers(_ text: String) -> [Double] {
        CLIHarness.numbers(text).compactMap { Double($0) }
    }

}

@Suite(.serialized) struct ClassifierCommandTests {
    let iris = ClassifierFixtures.irisPath

    @Test func perceptronOnIrisIsTheTextbookResult() throws {
        let run = try ClassifierCLI.run(["perceptron", "--data", iris, "--lr", "0.1"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.isEmpty)
        #expect(run.stdout.hasSuffix("}\n") && run.stdout.filter { $0 == "\n" }.count == 1)
        let json = try JSONDecoder().decode(ClassifierCLI.PerceptronJSON.self, from: Data(run.stdout.utf8))
        // The textbook loop on the same file, in the same order.
        let plain = ClassifierFixtures.plainRead(iris)
        let book = ClassifierFixtures.textbookPerceptron(
            x: plain.x, t: plain.labels.map { $0 == "versicolor" ? 1 : -1 }, eta: 0.1, maxEpochs: 100)
        let written = ClassifierCLI.jsonNumbers(run.stdout)
        #expect(ClassifierFixtures.exactBits(Array(written.prefix(5))) == ClassifierFixtures.exactBits(book.w + [book.b]))
        #expect(json.weights == book.w && json.bias == book.b)
        #expect(json.mistakes == book.mistakes)
        #expect(json.epochs == book.mistakes.count)
        #expect(json.converged && json.accuracy == 1)
        #expect(json.classes == ["setosa", "versicolor"])
        // Keys in the documented order.
        #expect(run.stdout.hasPrefix("{\"weights\": ["))
        for key in ["\"bias\": ", "\"converged\": true", "\"epochs\": ", "\"mistakes\": [", "\"accuracy\": 1.0"] {
            #expect(run.stdout.contains(key), "\(key)")
        }
    }

    @Test func perceptronOptions() throws {
        // f32: the numbers read back as the library's Float results.
        let data = try CSVLoader.load(path: iris, binary: true, as: Float.self)
        let library = try Perceptron<Float>(learningRate: Float("0.3")!, maxEpochs: 7, shuffle: true, seed: 5).train(data)
        let run = try ClassifierCLI.run([
            "perceptron", "--data", iris, "--lr", "0.3", "--epochs", "7", "--shuffle", "--seed", "5",
            "--precision", "f32",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try JSONDecoder().decode(ClassifierCLI.PerceptronJSON.self, from: Data(run.stdout.utf8))
        let numbers = ClassifierCLI.jsonNumbers(run.stdout)
        #expect(numbers.prefix(5).map { Float($0) } == library.weights + [library.bias])
        #expect(json.mistakes == library.mistakes)
        // --label and --positive: versicolor as −1.
        let flipped = try ClassifierCLI.run([
            "perceptron", "--data", iris, "--label", "species", "--positive", "setosa",
        ])
        let f = try JSONDecoder().decode(ClassifierCLI.PerceptronJSON.self, from: Data(flipped.stdout.utf8))
        #expect(f.classes == ["versicolor", "setosa"] && f.converged)
        // A built-in data set: XOR never converges, and says so.
        let xor = try ClassifierCLI.run(["perceptron", "--data", "xor", "--epochs", "20"])
        let x = try JSONDecoder().decode(ClassifierCLI.PerceptronJSON.self, from: Data(xor.stdout.utf8))
        #expect(!x.converged && x.epochs == 20 && x.mistakes.allSatisfy { $0 > 0 } && x.accuracy < 0.8)
    }

    @Test func nearestMeanOnIris() throws {
        let run = try ClassifierCLI.run(["nearest-mean", "--data", iris])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try JSONDecoder().decode(ClassifierCLI.NearestMeanJSON.self, from: Data(run.stdout.utf8))
        let data = try CSVLoader.load(path: iris, binary: true, as: Double.self)
        let c = try NearestMeanClassifier(fitting: data)
        #expect(ClassifierFixtures.exactBits(Array(ClassifierCLI.jsonNumbers(run.stdout).prefix(5))) == ClassifierFixtures.exactBits(c.linearForm.weights.elements + [c.linearForm.bias]))
        #expect(json.means == [c.negativeMean, c.positiveMean])
        #expect(json.accuracy == 1)
        #expect(json.classes == ["setosa", "versicolor"])
        // w = 2(μ₊ − μ₋) from the printed means.
        for j in 0..<4 {
            #expect(json.weights[j] == 2 * (json.means[1][j] - json.means[0][j]))
        }
        #expect(run.stdout.hasPrefix("{\"weights\": [") && run.stdout.contains("\"means\": [["))
        let f32 = try ClassifierCLI.run(["nearest-mean", "--data", iris, "--precision", "f32"])
        let jf = try JSONDecoder().decode(ClassifierCLI.NearestMeanJSON.self, from: Data(f32.stdout.utf8))
        let cf = try NearestMeanClassifier(fitting: data.converted(to: Float.self))
        #expect(jf.means[1].map { Float($0) } == cf.positiveMean)
    }

    /// A bad input: non-zero exit, one line on stderr naming the problem, nothing on stdout.
    func expectFailure(
        _ arguments: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let run = try ClassifierCLI.run(arguments)
        #expect(run.status == 1, "exit status for \(arguments)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "stdout for \(arguments)", sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("backprop: error: "), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.filter { $0 == "\n" }.count == 1, "one line: \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(fragment), "\(run.stderr) should mention \(fragment)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func badDataFails() throws {
        let folder = ClassifierFixtures.makeFolder()
        defer { ClassifierFixtures.removeFolder(folder) }
        func file(_ name: String, _ bytes: [UInt8]) -> String {
            let path = folder.appendingPathComponent(name).path
            try! Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        func file(_ name: String, _ text: String) -> String { file(name, Array(text.utf8)) }
        let missing = folder.appendingPathComponent("missing.csv").path
        for command in ["perceptron", "nearest-mean"] {
            try expectFailure([command, "--data", missing], "missing.csv: no such file")
            try expectFailure([command, "--data", folder.path], "is a folder")
            try expectFailure([command, "--data", file("empty.csv", "")], "empty")
            try expectFailure([command, "--data", file("header.csv", "a,b,t\n")], "no data rows")
            try expectFailure([command, "--data", file("short.csv", "a,b,t\n1,2,x\n3,y\n")], "line 3: expected 3 cells")
            try expectFailure([command, "--data", file("long.csv", "a,b,t\n1,2,x\n3,4,5,y\n")], "line 3: expected 3 cells")
            try expectFailure([command, "--data", file("blank.csv", "a,b,t\n1,,x\n")], "line 2, column 'b': empty cell")
            try expectFailure([command, "--data", file("word.csv", "a,b,t\n1,2,x\n1,zwei,y\n")], "line 3, column 'b': expected a number, found \"zwei\"")
            try expectFailure([command, "--data", file("nan.csv", "a,b,t\n1,NaN,x\n")], "\"NaN\" is not a finite number")
            try expectFailure([command, "--data", file("inf.csv", "a,b,t\n-inf,1,x\n")], "\"-inf\" is not a finite number")
            try expectFailure([command, "--data", file("big.csv", "a,b,t\n1,1e999,x\n")], "too large for f64")
            try expectFailure([command, "--data", file("bigf.csv", "a,b,t\n1,1e39,x\n2,3,y\n"), "--precision", "f32"], "too large for f32")
            try expectFailure([command, "--data", file("latin1.csv", Array("a,t\n1,caf".utf8) + [0xE9, 0x0A])], "line 2: the bytes are not UTF-8")
            try expectFailure([command, "--data", iris, "--label", "colour"], "no column named 'colour'")
            try expectFailure([command, "--data", iris, "--label", "5"], "index 5 is out of range")
            try expectFailure([command, "--data", iris, "--positive", "virginica"], "'virginica' does not occur")
            try expectFailure([command, "--data", file("one.csv", "a,t\n1,x\n2,x\n")], "exactly 2 distinct labels")
            try expectFailure([command, "--data", file("three.csv", "a,t\n1,x\n2,y\n3,z\n")], "found 3: 'x', 'y', 'z'")
            try expectFailure([command, "--data", "moonz"], "'moonz' is not a built-in dataset")
        }
        // Overflow in training: refused, never printed as JSON.
        try expectFailure(
            ["perceptron", "--data", file("huge.csv", "a,t\n1e308,x\n-1e308,y\n1e308,y\n"), "--lr", "1e10"],
            "not a finite number")
    }

    @Test func badOptionsFail() throws {
        for arguments in [
            ["perceptron", "--data", iris, "--lr", "0"], ["perceptron", "--data", iris, "--lr", "-1"],
            ["perceptron", "--data", iris, "--lr", "nan"], ["perceptron", "--data", iris, "--lr", "inf"],
            ["perceptron", "--data", iris, "--lr", "fast"], ["perceptron", "--data", iris, "--epochs", "0"],
            ["perceptron", "--data", iris, "--precision", "f16"], ["nearest-mean"],
            ["perceptron", "--data", iris, "--seed", "-3"],
        ] {
            let run = try ClassifierCLI.run(arguments)
            #expect(run.status != 0 && run.status != -1000, "\(arguments)")
            #expect(run.stdout.isEmpty, "\(arguments)")
            #expect(run.stderr.hasPrefix("Error: "), "\(arguments): \(run.stderr)")
        }
    }
}
