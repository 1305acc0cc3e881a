import Backprop
import Foundation
import Testing

/// End-to-end: the root package's `backprop train … --shards S` against `backprop-mpi train` with
/// the same options alone, under `mpirun -np 2` and under `-np 4 --oversubscribe`; the model files
/// are compared byte for byte (the safetensors writer is deterministic).
@Suite(.enabled(if: MPIRun.mpirun != nil, "mpirun not installed: MPI tests skipped (install libopenmpi-dev openmpi-bin, e.g. scripts/install-deps --mpi)"))
struct DistributedTrainingTests {
    static let common = ["train", "--data", "moons", "--layers", "2,8,1", "--steps", "30", "--seed", "1"]

    /// The model file's bytes after `run` wrote it to `file`, or `nil` (with the failure recorded).
    func model(_ label: String, _ file: URL, _ run: () throws -> MPIRun.Result) throws -> Data? {
        let r = try run()
        #expect(r.status == 0, "\(label): \(r.output)")
        #expect(MPIRun.endedCleanly(r), "\(label): \(r.output)")
        // Rank 0 alone prints the summary.
        #expect(r.output.split(separator: "\n").filter { $0.hasPrefix("{\"model\"") }.count == 1, "\(label): \(r.output)")
        return FileManager.default.contents(atPath: file.path)
    }

    @Test(arguments: [["--precision", "f32"], ["--precision", "f64"], ["--precision", "f32", "--batch", "48"]])
    func modelFilesAreBitIdenticalToTheSingleProcessCommand(_ extra: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: MPIRun.rootBackprop) else {
            Issue.record("\(MPIRun.rootBackprop) is missing: run `swift build --product backprop` in the repository root (scripts/test-distributed does)")
            return
        }
        let dir = try MPIRun.scratch("bits" + extra.joined())
        let args = Self.common + ["--shards", "4"] + extra
        func out(_ name: String) -> URL { dir.appendingPathComponent("\(name).safetensors") }
        let root = try model("backprop", out("root")) { try MPIRun.root(args + ["--out", out("root").path]) }
        let alone = try model("alone", out("alone")) { try MPIRun.alone(args + ["--out", out("alone").path]) }
        let np2 = try model("np2", out("np2")) { try MPIRun.mpi(np: 2, args + ["--out", out("np2").path]) }
        let np4 = try model("np4", out("np4")) { try MPIRun.mpi(np: 4, args + ["--out", out("np4").path]) }
        #expect(root != nil && (root?.count ?? 0) > 100)
        #expect(alone == root, "backprop-mpi alone differs from backprop")
        #expect(np2 == root, "mpirun -np 2 differs from backprop")
        #expect(np4 == root, "mpirun -np 4 differs from backprop")
        // The comparison can fail: S = 2 is another (equally valid) rounding of the same descent.
        let s2 = try model("S=2", out("s2")) {
            try MPIRun.root(Self.common + ["--shards", "2"] + extra + ["--out", out("s2").path])
        }
        #expect(s2 != nil && s2 != root, "--shards 2 and --shards 4 gave the same bytes: the comparison lost its power")
    }

    @Test func allreduceCombineAgreesToRounding() throws {
        let dir = try MPIRun.scratch("allreduce")
        let args = Self.common + ["--shards", "4"]
        let ref = dir.appendingPathComponent("ref.safetensors")
        #expect(try MPIRun.alone(args + ["--out", ref.path]).status == 0)
        let a = try Self.parameters(ref)
        #expect(a.count == 2 * 8 + 8 + 8 + 1)
        for np in [2, 4] {
            let file = dir.appendingPathComponent("np\(np).safetensors")
            let r = try MPIRun.mpi(np: np, args + ["--out", file.path], exporting: ["BACKPROP_MPI_COMBINE": "allreduce"])
            #expect(r.status == 0, "\(r.output)")
            let b = try Self.parameters(file)
            #expect(a.count == b.count)
            let diff = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? .infinity
            #expect(diff < 1e-5, "np=\(np): max |Δθ| = \(diff)")
        }
        let bad = try MPIRun.mpi(np: 2, args + ["--out", ref.path], exporting: ["BACKPROP_MPI_COMBINE": "ring"])
        #expect(bad.status == 1)
        #expect(MPIRun.errorLines(bad.output) == ["backprop: error: BACKPROP_MPI_COMBINE must be sharded or allreduce, got 'ring'"], "\(bad.output)")
    }

    /// Weights and biases of an f32 model file, layer by layer.
    static func parameters(_ file: URL) throws -> [Float] {
        let model = try TrainedModel<Float>.load(from: file.path)
        return model.network.layers.flatMap { $0.weight.elements + $0.bias.elements }
    }

    @Test func chunkedCollectivesGiveTheSameBytes() throws {
        // Every allgather split into MPI calls of at most 7 elements.
        let dir = try MPIRun.scratch("chunk")
        let a = dir.appendingPathComponent("a.safetensors"), b = dir.appendingPathComponent("b.safetensors")
        let args = Self.common + ["--shards", "4"]
        let r1 = try MPIRun.mpi(np: 2, args + ["--out", a.path])
        let r2 = try MPIRun.mpi(np: 2, args + ["--out", b.path], exporting: ["BACKPROP_MPI_CHUNK": "7"])
        #expect(r1.status == 0 && r2.status == 0, "\(r1.output)\n\(r2.output)")
        let da = FileManager.default.contents(atPath: a.path)
        #expect(da != nil && da == FileManager.default.contents(atPath: b.path))
    }

    @Test func loopbackTCPGivesTheSameBytes() throws {
        // The transport between machines: TCP (here over loopback) instead of shared memory.
        let dir = try MPIRun.scratch("tcp")
        let a = dir.appendingPathComponent("a.safetensors"), b = dir.appendingPathComponent("b.safetensors")
        let args = Self.common + ["--shards", "4"]
        #expect(try MPIRun.alone(args + ["--out", a.path]).status == 0)
        let r = try MPIRun.mpi(np: 2, args + ["--out", b.path], btl: "self,tcp")
        #expect(r.status == 0, "\(r.output)")
        let da = FileManager.default.contents(atPath: a.path)
        #expect(da != nil && da == FileManager.default.contents(atPath: b.path))
    }

    @Test func corruptDataOnOneRankEndsTheJobWithOneClearError() throws {
        let dir = try MPIRun.scratch("corrupt")
        var rows = ["x1,x2,label"]
        for i in 0..<20 { rows.append("\(Double(i) / 20),\(Double(i % 3) - 1),\(i % 2 == 0 ? "a" : "b")") }
        try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data-0.csv"), atomically: true, encoding: .utf8)
        rows[2] = "0.1,abc,a"  // line 3, column x2
        try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data-1.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let args = ["train", "--layers", "2,4,1", "--shards", "2", "--steps", "5",
                    "--data", dir.appendingPathComponent("data-{rank}.csv").path,
                    "--out", out.appendingPathComponent("m.safetensors").path]
        let r = try MPIRun.mpi(np: 2, args, timeout: 30)
        #expect(!r.timedOut, "the job hung: \(r.output)")
        #expect(r.status == 1, "\(r.output)")
        let errors = MPIRun.errorLines(r.output)
        #expect(errors.count == 1, "\(r.output)")
        #expect(MPIRun.endedCleanly(r), "MPI not finalised on every rank: \(r.output)")
        let line = errors.first.map(String.init) ?? ""
        #expect(line.hasPrefix("backprop: error: rank 1 of 2: "), "\(line)")
        #expect(line.contains("\(dir.appendingPathComponent("data-1.csv").path): line 3, column 'x2'"), "\(line)")
        #expect(line.contains("abc"), "\(line)")
        #expect(!line.contains("rank 0"), "\(line)")
        #expect(try MPIRun.files(in: out).isEmpty)
        // Rank 0's copy alone trains: the error came from rank 1's file only.
        let good = try MPIRun.mpi(np: 1, args, timeout: 30)
        #expect(good.status == 0, "\(good.output)")
        #expect(try MPIRun.files(in: out) == ["m.safetensors"])
    }

    @Test func everyRankFailingAlikeIsReportedOnce() throws {
        let dir = try MPIRun.scratch("missing")
        let r = try MPIRun.mpi(np: 2, ["train", "--layers", "2,4,1", "--shards", "2", "--data", dir.appendingPathComponent("nope.csv").path, "--out", dir.appendingPathComponent("m.safetensors").path], timeout: 30)
        #expect(r.status == 1, "\(r.output)")
        let errors = MPIRun.errorLines(r.output)
        #expect(errors.count == 1, "\(r.output)")
        #expect(MPIRun.endedCleanly(r), "MPI not finalised on every rank: \(r.output)")
        #expect(errors.first?.contains("nope.csv") == true && errors.first?.contains("rank") == false, "\(r.output)")
    }

    @Test func divergenceStopsEveryRankWithOneMessageAndNoModel() throws {
        let dir = try MPIRun.scratch("diverge")
        let out = dir.appendingPathComponent("m.safetensors")
        let r = try MPIRun.mpi(np: 2, Self.common + ["--shards", "2", "--lr", "1e30", "--out", out.path], timeout: 30)
        #expect(!r.timedOut, "\(r.output)")
        #expect(r.status == 1, "\(r.output)")
        let errors = MPIRun.errorLines(r.output)
        #expect(errors.count == 1, "\(r.output)")
        #expect(MPIRun.endedCleanly(r), "MPI not finalised on every rank: \(r.output)")
        #expect(errors.first?.contains("training diverged at step") == true, "\(r.output)")
        #expect(try MPIRun.files(in: dir).isEmpty, "a model was written")
    }

    @Test func onlyRankZeroWrites() throws {
        let dir = try MPIRun.scratch("writer")
        let out = dir.appendingPathComponent("m.safetensors")
        let r = try MPIRun.mpi(np: 4, Self.common + ["--shards", "4", "--checkpoint-every", "10", "--out", out.path])
        #expect(r.status == 0, "\(r.output)")
        #expect(try MPIRun.files(in: dir) == ["m.safetensors"])
        #expect(r.output.split(separator: "\n").filter { $0.hasPrefix("{\"model\"") }.count == 1, "\(r.output)")
    }

    @Test func tooFewShardsIsReportedOnce() throws {
        let dir = try MPIRun.scratch("fewshards")
        let r = try MPIRun.mpi(np: 2, Self.common + ["--shards", "1", "--out", dir.appendingPathComponent("m.safetensors").path], timeout: 30)
        #expect(r.status == 1, "\(r.output)")
        #expect(MPIRun.errorLines(r.output).count == 1, "\(r.output)")
        #expect(MPIRun.endedCleanly(r), "MPI not finalised on every rank: \(r.output)")
        #expect(MPIRun.errorLines(r.output).first?.contains("--shards 1 is less than the 2 ranks") == true, "\(r.output)")
    }

    @Test func usageErrorsAreReportedOnceAndMPIIsFinalised() throws {
        let r = try MPIRun.mpi(np: 2, ["train", "--data", "moons", "--out", "x.safetensors"], timeout: 30)
        #expect(r.status == 64, "\(r.output)")  // EX_USAGE, like `backprop`
        #expect(r.output.components(separatedBy: "--layers").count >= 2, "\(r.output)")
        #expect(r.output.components(separatedBy: "Error:").count == 2, "printed once: \(r.output)")
        #expect(MPIRun.endedCleanly(r), "\(r.output)")
    }
}
