import Backprop
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `backprop train / eval / predict / grad`, run as a child process.
@Suite struct TrainCommandTests {
    /// Trains and returns the summary object (expects success).
    func train(_ args: [String], in folder: TestFolder) throws -> [String: Any] {
        let r = try CLIHarness.run(["train"] + args, in: folder.path)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try #require(CLIHarness.object(r.stdout), "stdout: \(r.stdout)")
        return summary
    }

    @Test func reachesFullTrainingAccuracyOnMoonsAndXor() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let moons = try train(
            ["--data", "moons", "--layers", "2,16,16,1", "--activation", "tanh", "--loss", "logistic",
             "--lr", "0.3", "--steps", "400", "--out", "moons.safetensors"], in: folder)
        #expect(moons["accuracy"] as? Double == 1)
        #expect(moons["steps"] as? Int == 400)
        #expect(moons["stop_reason"] as? String == "completed-steps")
        #expect(moons["n"] as? Int == 200)
        let xor = try train(
            ["--data", "xor", "--layers", "2,8,1", "--loss", "hinge", "--lr", "0.1", "--steps", "300",
             "--stop-when-correct", "--out", "xor.safetensors"], in: folder)
        #expect(xor["accuracy"] as? Double == 1)
        #expect((xor["steps"] as? Int ?? 999) < 300)
        #expect(xor["stop_reason"] as? String == "all-correct")
        // eval sees the rows train trained on (same built-in data set, same --data-seed).
        let e = try CLIHarness.run(["eval", "--model", "moons.safetensors", "--data", "moons"], in: folder.path)
        #expect(e.status == 0)
        #expect(CLIHarness.object(e.stdout)?["accuracy"] as? Double == 1)
        #expect(CLIHarness.object(e.stdout)?["n"] as? Int == 200)
        // Another --data-seed is other data (still a fine fit, but other rows and loss).
        let other = try CLIHarness.run(
            ["eval", "--model", "moons.safetensors", "--data", "moons", "--data-seed", "7"], in: folder.path)
        #expect(CLIHarness.object(other.stdout)?["loss"] as? Double != CLIHarness.object(e.stdout)?["loss"] as? Double)
    }

    @Test(arguments: [[String](), ["--batch", "32"]])
    func sameSeedGivesByteIdenticalModels(batch: [String]) throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let common = ["--data", "moons", "--layers", "2,8,1", "--loss", "mse", "--lr", "0.1", "--steps", "60",
                      "--standardize"] + batch
        _ = try train(common + ["--seed", "5", "--out", "a.safetensors"], in: folder)
        _ = try train(common + ["--seed", "5", "--out", "b.safetensors"], in: folder)
        _ = try train(common + ["--seed", "6", "--out", "c.safetensors"], in: folder)
        let a = try #require(folder.bytes("a.safetensors"))
        #expect(a == folder.bytes("b.safetensors"))
        #expect(a != folder.bytes("c.safetensors"))
        // The parameters really moved away from the initialisation (training happened).
        let model = try TrainedModel<Float>.load(from: folder.file("a.safetensors"))
        let initial = Network<Float>(sizes: [2, 8, 1], hidden: .tanh, loss: .mse, seed: 5)
        #expect(model.network.parameters != initial.parameters)
        #expect(model.standardizer != nil)
    }

    @Test func initContinuesTrainingExactly() throws {
        // Full batch: 40 steps, then 40 more from that file, equal 80 steps in one run, bit for bit.
        let folder = TestFolder()
        defer { folder.remove() }
        let common = ["--data", "xor", "--loss", "mse", "--lr", "0.2", "--precision", "f64"]
        _ = try train(common + ["--layers", "2,6,1", "--steps", "80", "--out", "whole.safetensors"], in: folder)
        _ = try train(common + ["--layers", "2,6,1", "--steps", "40", "--out", "half.safetensors"], in: folder)
        _ = try train(common + ["--init", "half.safetensors", "--steps", "40", "--out", "resumed.safetensors"], in: folder)
        #expect(folder.bytes("whole.safetensors") == folder.bytes("resumed.safetensors"))
        #expect(folder.bytes("whole.safetensors") != folder.bytes("half.safetensors"))
    }

    @Test func checkpointsDoNotChangeTheResult() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let common = ["--data", "circles", "--layers", "2,6,2", "--loss", "softmax", "--lr", "0.3", "--steps", "50",
                      "--batch", "50"]
        _ = try train(common + ["--out", "plain.safetensors"], in: folder)
        _ = try train(common + ["--checkpoint-every", "7", "--out", "checkpointed.safetensors"], in: folder)
        #expect(folder.bytes("plain.safetensors") == folder.bytes("checkpointed.safetensors"))
        #expect(folder.entries() == ["checkpointed.safetensors", "plain.safetensors"])
    }

    @Test(arguments: ["f32", "f64"])
    func predictAndEvalMatchTheLibrary(precision: String) throws {
        let folder = TestFolder()
        defer { folder.remove() }
        _ = try train(
            ["--data", "spirals", "--samples", "120", "--data-seed", "3", "--layers", "2,12,2", "--loss", "softmax",
             "--lr", "0.2", "--steps", "50", "--standardize", "--precision", precision, "--out", "m.safetensors"],
            in: folder)
        if precision == "f32" {
            try check(Float.self, folder)
        } else {
            try check(Double.self, folder)
        }
    }

    private func check<T: BLASScalar>(_: T.Type, _ folder: TestFolder) throws {
        let model = try TrainedModel<T>.load(from: folder.file("m.safetensors"))
        #expect(model.data == DataSettings(source: "spirals", samples: 120, seed: 3))
        let data: LabeledData<T> = Datasets.spirals(samples: 120, seed: 3)
        let y = model.outputs(data.features)
        let predicted = model.predictedClasses(y)

        let p = try CLIHarness.run(["predict", "--model", "m.safetensors", "--data", "spirals"], in: folder.path)
        #expect(p.status == 0, "\(p.stderr)")
        let lines = p.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "y0,y1,class")
        #expect(lines.count == 121)
        for k in 0..<min(120, lines.count - 1) {
            let cells = lines[k + 1].split(separator: ",").map(String.init)
            #expect(cells.count == 3)
            #expect(T(cells[0]) == y[k, 0] && T(cells[1]) == y[k, 1], "row \(k)")
            #expect(cells[2] == model.classNames[predicted[k]])
        }
        // --out writes the same text to a file.
        let toFile = try CLIHarness.run(
            ["predict", "--model", "m.safetensors", "--data", "spirals", "--out", "p.csv"], in: folder.path)
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        #expect(folder.bytes("p.csv") == Array(p.stdout.utf8))

        let e = try CLIHarness.run(["eval", "--model", "m.safetensors", "--data", "spirals"], in: folder.path)
        let (loss, accuracy) = model.evaluate(data.features, classes: data.classes)
        let numbers = CLIHarness.numbers(e.stdout)
        #expect(numbers.count == 3)
        #expect(T(numbers.first ?? "") == loss)
        #expect(Double(numbers.dropFirst().first ?? "") == accuracy)
        #expect(numbers.last == "120")
    }

    @Test(arguments: ["f32", "f64"])
    func gradEqualsTheLibrarysGradient(precision: String) throws {
        let folder = TestFolder()
        defer { folder.remove() }
        _ = try train(
            ["--data", "moons", "--layers", "2,5,3,1", "--loss", "logistic", "--lr", "0.1", "--steps", "5",
             "--standardize", "--precision", precision, "--out", "m.safetensors"], in: folder)
        if precision == "f32" {
            try checkGradient(Float.self, folder, extra: [], loss: nil)
            try checkGradient(Double.self, folder, extra: ["--precision", "f64", "--loss", "mse"], loss: .mse)
        } else {
            try checkGradient(Double.self, folder, extra: [], loss: nil)
        }
    }

    private func checkGradient<T: BLASScalar>(_: T.Type, _ folder: TestFolder, extra: [String], loss: Loss?) throws {
        var model = try TrainedModel<T>.load(from: folder.file("m.safetensors"))
        if let loss { model.network.loss = loss }
        let data: LabeledData<T> = Datasets.moons(samples: 200, seed: 0)
        let (e, g) = model.network.gradient(model.inputs(data.features), model.targets(data.classes))
        let r = try CLIHarness.run(["grad", "--model", "m.safetensors", "--data", "moons"] + extra, in: folder.path)
        #expect(r.status == 0, "\(r.stderr)")
        // Layout: weight gradients as [in][out] rows, biases as flat arrays, names as in the file.
        let object = try #require(CLIHarness.object(r.stdout))
        let gradients = try #require(object["gradients"] as? [String: Any])
        #expect(Set(gradients.keys) == Set(g.namedTensors.map(\.name)))
        let w0 = try #require(gradients["layers.0.weight"] as? [[Double]])
        #expect(w0.count == 2 && w0.allSatisfy { $0.count == 5 })
        #expect((gradients["layers.2.bias"] as? [Double])?.count == 1)
        // Every number, bit for bit, in order: loss, then each tensor in parameter order.
        let expected = [e] + g.flattened
        let tokens = Self.gradientTokens(r.stdout).compactMap { T($0) }
        #expect(tokens == expected)
    }

    /// Number tokens outside strings (the layer indices live inside the key strings).
    static func gradientTokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inString = false
        for c in text {
            if c == "\"" {
                inString.toggle()
                continue
            }
            if inString { continue }
            if c.isNumber || c == "." || c == "-" || c == "e" || c == "E" || c == "+" {
                current.append(c)
            } else {
                if !current.isEmpty { out.append(current) }
                current = ""
            }
        }
        return out
    }

    @Test func plotsAndUnlabelledPredictions() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let s = try train(
            ["--data", "xor", "--layers", "2,6,1", "--loss", "hinge", "--lr", "0.1", "--steps", "100",
             "--out", "m.safetensors", "--plot", "regions.png"], in: folder)
        #expect(s["plot"] as? String == "regions.png")
        let png = try #require(folder.bytes("regions.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        _ = try train(
            ["--data", "blobs", "--layers", "2,2", "--loss", "softmax", "--lr", "0.1", "--steps", "5",
             "--out", "b.safetensors", "--plot", "regions.svg"], in: folder)
        let svg = try #require(folder.bytes("regions.svg"))
        #expect(String(decoding: svg, as: UTF8.self).contains("<svg"))

        // A features-only CSV (no label column) and the same rows with labels predict alike.
        folder.write(Array("a,b\n1,-1\n-1,-1\r\n0.9,1.1".utf8), "unlabelled.csv")
        folder.write(Array("a,b,label\n1,-1,1\n-1,-1,-1\n0.9,1.1,-1\n".utf8), "labelled.csv")
        let u = try CLIHarness.run(["predict", "--model", "m.safetensors", "--data", "unlabelled.csv"], in: folder.path)
        let l = try CLIHarness.run(["predict", "--model", "m.safetensors", "--data", "labelled.csv"], in: folder.path)
        #expect(u.status == 0 && l.status == 0, "\(u.stderr) \(l.stderr)")
        #expect(u.stdout == l.stdout)
        #expect(u.stdout.split(separator: "\n").map { $0.split(separator: ",").last! } == ["class", "1", "-1", "-1"])
        let e = try CLIHarness.run(["eval", "--model", "m.safetensors", "--data", "labelled.csv"], in: folder.path)
        #expect(CLIHarness.object(e.stdout)?["accuracy"] as? Double == 1)
    }

    @Test func progressFormats() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let args = ["train", "--data", "xor", "--layers", "2,4,1", "--lr", "0.1", "--steps", "20", "--progress-every", "5"]
        let plain = try CLIHarness.run(args + ["--out", "a.safetensors"], in: folder.path)
        let lines = plain.stderr.split(separator: "\n")
        #expect(lines.count == 5)  // steps 1, 5, 10, 15, 20
        #expect(lines.first?.hasPrefix("step  1/20  loss ") == true)
        #expect(!plain.stderr.contains("\r") && !plain.stderr.contains("\u{1B}"))
        let json = try CLIHarness.run(args + ["--json", "--out", "b.safetensors"], in: folder.path)
        let objects = json.stderr.split(separator: "\n").compactMap { CLIHarness.object(String($0)) }
        #expect(objects.map { $0["step"] as? Int } == [1, 5, 10, 15, 20])
        #expect(objects.allSatisfy { $0["loss"] is Double && $0["samples_per_second"] is Double })
        #expect(CLIHarness.object(json.stdout)?["steps"] as? Int == 20)
    }

    @Test func ctrlCSavesTheCurrentModel() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        folder.write(Array("old".utf8), "m.safetensors")
        let running = try CLIHarness.start(
            ["train", "--data", "moons", "--layers", "2,8,1", "--lr", "0.01", "--steps", "100000000",
             "--out", "m.safetensors"], in: folder.path)
        let deadline = Date().addingTimeInterval(30)
        while !running.stderrSoFar.contains("\n") && running.process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        kill(running.process.processIdentifier, SIGINT)
        let r = running.wait()
        #expect(r.status == 130, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("interrupted after step"))
        let summary = try #require(CLIHarness.object(r.stdout))
        #expect(summary["stop_reason"] as? String == "interrupted")
        let steps = try #require(summary["steps"] as? Int)
        #expect(steps >= 1 && steps < 100_000_000)
        let model = try TrainedModel<Float>.load(from: folder.file("m.safetensors"))
        #expect(model.network.sizes == [2, 8, 1])
        #expect(folder.entries() == ["m.safetensors"])
    }
}

/// CSV data through train and eval: the label settings are saved with the model.
@Suite struct CSVTrainingTests {
    @Test func labelColumnAndPositiveClassCarryOverToEval() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        // The label in the middle, as text; "yes" is the positive class although "yes" > "no" anyway,
        // and the rows are XOR-like (no line separates them).
        var csv = "u,answer,v\r\n"
        for (k, (u, v)) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].enumerated() {
            for j in 0..<3 {
                let d = Double(j) * 0.1
                csv += "\(u + d),\(k % 2 == 1 ? "yes" : "no"),\(v - d)\r\n"
            }
        }
        folder.write([0xEF, 0xBB, 0xBF] + Array(csv.utf8), "train.csv")
        let t = try CLIHarness.run(
            ["train", "--data", "train.csv", "--label", "answer", "--positive", "yes", "--layers", "2,6,1",
             "--loss", "hinge", "--lr", "0.1", "--steps", "400", "--standardize", "--out", "m.safetensors"],
            in: folder.path)
        #expect(t.status == 0, "\(t.stderr)")
        #expect(CLIHarness.object(t.stdout)?["accuracy"] as? Double == 1)
        let model = try TrainedModel<Float>.load(from: folder.file("m.safetensors"))
        #expect(model.classNames == ["no", "yes"])
        #expect(model.featureNames == ["u", "v"])
        #expect(model.data == DataSettings(source: "train.csv", labelColumn: "answer", positive: "yes"))
        // eval: the saved --label is the default.
        let e = try CLIHarness.run(["eval", "--model", "m.safetensors", "--data", "train.csv"], in: folder.path)
        #expect(e.status == 0, "\(e.stderr)")
        #expect(CLIHarness.object(e.stdout)?["accuracy"] as? Double == 1)
        #expect(CLIHarness.object(e.stdout)?["n"] as? Int == 12)
        // Other label spellings: --positive maps them onto the model's classes.
        folder.write(Array(csv.replacingOccurrences(of: "yes", with: "1").replacingOccurrences(of: "no", with: "0").utf8), "coded.csv")
        let bad = try CLIHarness.run(["eval", "--model", "m.safetensors", "--data", "coded.csv"], in: folder.path)
        #expect(bad.status == 1 && bad.stderr.contains("the label '0' is not a class of the model"))
        let good = try CLIHarness.run(
            ["eval", "--model", "m.safetensors", "--data", "coded.csv", "--positive", "1"], in: folder.path)
        #expect(CLIHarness.object(good.stdout)?["accuracy"] as? Double == 1, "\(good.stderr)")
        let swapped = try CLIHarness.run(
            ["eval", "--model", "m.safetensors", "--data", "coded.csv", "--positive", "0"], in: folder.path)
        #expect(CLIHarness.object(swapped.stdout)?["accuracy"] as? Double == 0, "\(swapped.stderr)")
    }
}
