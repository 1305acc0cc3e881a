import Foundation
import Testing

/// End-to-end: `backprop-mpi train` alone and under `mpirun -np 2` and `-np 4`.
@Suite(.enabled(if: MPIRun.mpirun != nil, "mpirun not installed: MPI tests skipped (install libopenmpi-dev openmpi-bin)"))
struct DistributedTrainingTests {
    static let common = ["train", "--layers", "3,12,8,2", "--samples", "200", "--steps", "40", "--lr", "0.2", "--shards", "4", "--seed", "7"]

    /// Parameters after the same training alone, with 2 ranks and with 4 ranks (oversubscribed).
    func trainThreeWays(_ extra: [String], _ name: String) throws -> [[String]] {
        let dir = try MPIRun.scratch(name)
        var out: [[String]] = []
        for (label, np) in [("alone", 0), ("np2", 2), ("np4", 4)] {
            let file = dir.appendingPathComponent("\(label).json")
            let args = Self.common + extra + ["--out", file.path]
            let r = np == 0 ? try MPIRun.alone(args) : try MPIRun.mpi(np: np, args)
            #expect(r.status == 0, "\(label): \(r.output)")
            let ranks = np == 0 ? 1 : np
            #expect(r.output.contains("all \(ranks) rank(s) hold identical parameters"), "\(label): \(r.output)")
            out.append(try MPIRun.parameters(file))
        }
        return out
    }

    @Test(arguments: [["--precision", "f32"], ["--precision", "f64"], ["--precision", "f32", "--batch", "48"]])
    func shardedTrainingIsBitIdenticalForAnyRankCount(_ extra: [String]) throws {
        let p = try trainThreeWays(extra, extra.joined())
        #expect(p[0].count == 3 * 12 + 12 + 12 * 8 + 8 + 8 * 2 + 2)
        #expect(p[1] == p[0], "np=2 differs from one process")
        #expect(p[2] == p[0], "np=4 differs from one process")
        // And training moved the parameters (a different S is a different rounding, same descent).
        let dir = try MPIRun.scratch("s2" + extra.joined())
        let file = dir.appendingPathComponent("s2.json")
        let r = try MPIRun.alone(Array(Self.common.prefix(Self.common.count - 4)) + ["--shards", "2", "--seed", "7"] + extra + ["--out", file.path])
        #expect(r.status == 0, "\(r.output)")
        let s2 = try MPIRun.parameters(file)
        #expect(s2 != p[0], "S = 2 and S = 4 round differently (if this fails, the check lost its power)")
        let diff = zip(s2, p[0]).map { abs(Double($0)! - Double($1)!) }.max()!
        #expect(diff < 1e-4)
    }

    @Test func allreduceModeAgreesToRounding() throws {
        let dir = try MPIRun.scratch("allreduce")
        let ref = dir.appendingPathComponent("ref.json")
        #expect(try MPIRun.alone(Self.common + ["--out", ref.path]).status == 0)
        for np in [2, 4] {
            let file = dir.appendingPathComponent("np\(np).json")
            let r = try MPIRun.mpi(np: np, Self.common + ["--mode", "allreduce", "--out", file.path])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("all \(np) rank(s) hold identical parameters"))
            let a = try MPIRun.parameters(ref).map { Double($0)! }
            let b = try MPIRun.parameters(file).map { Double($0)! }
            #expect(a.count == b.count && !a.isEmpty)
            let diff = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-5, "np=\(np): max |Δθ| = \(diff)")
        }
    }

    @Test func chunkedCollectivesGiveTheSameResult() throws {
        // Every allgather split into MPI calls of at most 7 elements.
        let dir = try MPIRun.scratch("chunk")
        let a = dir.appendingPathComponent("a.json"), b = dir.appendingPathComponent("b.json")
        let r1 = try MPIRun.mpi(np: 2, Self.common + ["--out", a.path])
        let r2 = try MPIRun.mpi(np: 2, Self.common + ["--mpi-chunk", "7", "--out", b.path])
        #expect(r1.status == 0 && r2.status == 0, "\(r1.output)\n\(r2.output)")
        #expect(try MPIRun.parameters(a) == MPIRun.parameters(b))
        #expect(try !MPIRun.parameters(a).isEmpty)
    }

    @Test func corruptDataOnOneRankEndsTheJobWithOneClearError() throws {
        let dir = try MPIRun.scratch("corrupt")
        var good = ""
        for i in 0..<20 { good += "\(Double(i) / 20),\(Double(i % 3) - 1),\(i % 2 == 0 ? 1 : -1)\n" }
        var bad = good.split(separator: "\n").map(String.init)
        bad[2] = "0.1,abc,1"
        try good.write(to: dir.appendingPathComponent("data-0.csv"), atomically: true, encoding: .utf8)
        try bad.joined(separator: "\n").write(to: dir.appendingPathComponent("data-1.csv"), atomically: true, encoding: .utf8)
        let args = ["train", "--layers", "2,4,1", "--shards", "2", "--steps", "5",
                    "--data", dir.appendingPathComponent("data-{rank}.csv").path]
        let r = try MPIRun.mpi(np: 2, args, timeout: 30)
        #expect(!r.timedOut, "the job hung: \(r.output)")
        #expect(r.status != 0)
        #expect(r.output.contains("error: rank 1 of 2: \(dir.appendingPathComponent("data-1.csv").path):3:2: expected a finite number, found \"abc\""), "\(r.output)")
        #expect(!r.output.contains("rank 0 of 2:"), "\(r.output)")
        #expect(r.seconds < 30)
        // The good copy alone trains.
        #expect(try MPIRun.mpi(np: 1, args.map { $0.replacingOccurrences(of: "{rank}", with: "0") }).status == 0)
    }

    @Test func divergenceStopsEveryRankWithOneMessage() throws {
        let r = try MPIRun.mpi(np: 2, ["train", "--layers", "2,8,1", "--activation", "identity", "--shards", "2", "--lr", "1e9", "--steps", "50"], timeout: 30)
        #expect(!r.timedOut)
        #expect(r.status != 0)
        let lines = r.output.split(separator: "\n").filter { $0.hasPrefix("error: training diverged") }
        #expect(lines.count == 1, "\(r.output)")
    }

    @Test(arguments: ["sharded", "allreduce"])
    func aNaNFromOneRankStopsEveryRankAtTheSameStep(mode: String) throws {
        let r = try MPIRun.mpi(np: 2, ["train", "--shards", "2", "--steps", "20", "--mode", mode, "--inject-fault", "nan@1:5"], timeout: 30)
        #expect(!r.timedOut, "\(r.output)")
        #expect(r.status == 1, "\(r.output)")
        let lines = r.output.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines == ["error: training diverged at step 5: a parameter became NaN or infinite with learning rate 0.1; try a smaller learning rate (e.g. 0.01). The parameters of step 4 were kept."], "\(r.output)")
    }

    @Test func aRankThatDiesEndsTheJobWithoutAHang() throws {
        let r = try MPIRun.mpi(np: 2, ["train", "--shards", "2", "--steps", "50", "--inject-fault", "exit@1:5"], timeout: 30)
        #expect(!r.timedOut, "\(r.output)")
        #expect(r.status == 3, "\(r.output)")
        #expect(r.output.contains("rank 1: injected fault, exiting at step 5"))
        #expect(r.seconds < 30)
    }

    @Test func tooFewShardsIsReportedOnce() throws {
        let r = try MPIRun.mpi(np: 2, ["train", "--shards", "1", "--steps", "1"], timeout: 30)
        #expect(r.status != 0)
        #expect(r.output.split(separator: "\n").filter { $0.hasPrefix("error: --shards 1 is less than the 2 ranks") }.count == 1, "\(r.output)")
    }

    @Test func loopbackTCPGivesTheSameBits() throws {
        // The transport between machines: TCP (here over loopback) instead of shared memory.
        let dir = try MPIRun.scratch("tcp")
        let a = dir.appendingPathComponent("a.json"), b = dir.appendingPathComponent("b.json")
        #expect(try MPIRun.alone(Self.common + ["--out", a.path]).status == 0)
        let r = try MPIRun.mpi(np: 2, Self.common + ["--out", b.path], btl: "self,tcp")
        #expect(r.status == 0, "\(r.output)")
        #expect(try MPIRun.parameters(a) == MPIRun.parameters(b))
    }
}
