import ArgumentParser
import Backprop
import BackpropCommands
import BackpropMPI
import Foundation

/// `--precision` of `bench`.
enum BenchPrecision: String, ExpressibleByArgument, CaseIterable {
    case f32, f64
}

/// `backprop-mpi bench`: full-batch step time at standard shapes, alone or under `mpirun -np P`,
/// for both combine modes, and the cost of the collective itself per step. Rank 0 prints one
/// line per shape and mode. Every rank uses one OpenBLAS thread (see main.swift) unless
/// `--blas-threads` or `OPENBLAS_NUM_THREADS` says otherwise.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Step time and allgather/allreduce cost per step at standard shapes (alone or under mpirun).")

    @Option(help: "Shapes as sizes×batch, separated by spaces.") var shapes: String = "2-16-16-1x64 64-128-128-10x128 784-256-256-10x128"
    @Option(help: "Shards per batch (≥ ranks).") var shards: Int = 2
    @Option(help: "Seconds of timed steps per shape and mode (approximate).") var seconds: Double = 1
    @Option(help: "f32 or f64.") var precision: BenchPrecision = .f32
    @Option(name: .customLong("blas-threads"), help: "OpenBLAS threads per process (default: 1, or OPENBLAS_NUM_THREADS).") var blasThreads: Int?

    func validate() throws {
        // P and S are known on every rank: every rank stops here alike, before any collective.
        let size = Cluster.current.size
        if shards < size { throw ValidationError("--shards \(shards) is less than the \(size) ranks") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive, got \(seconds)") }
        for spec in shapes.split(separator: " ") {
            let parts = spec.split(separator: "x")
            let sizes = parts.first.map { $0.split(separator: "-").map { Int($0) } } ?? []
            if parts.count != 2 || Int(parts[1]) == nil || sizes.count < 2 || sizes.contains(where: { ($0 ?? 0) < 1 }) {
                throw ValidationError("--shapes: expected e.g. 2-16-16-1x64 (layer sizes × rows), got '\(spec)'")
            }
        }
    }

    func run() throws {
        if let blasThreads { BLASThreads.count = blasThreads }
        let cluster = Cluster.current as? MPICluster
        say("backprop-mpi bench: \(cluster?.size ?? 1) rank(s)\(cluster == nil ? " (no MPI)" : ""), \(shards) shards, \(precision.rawValue), \(BLASThreads.count) BLAS thread(s) per rank, OpenBLAS core \(BLASThreads.coreName)")
        for spec in shapes.split(separator: " ") {
            let parts = spec.split(separator: "x")
            let sizes = parts[0].split(separator: "-").map { Int($0)! }
            let rows = Int(parts[1])!
            switch precision {
            case .f32: bench(Float.self, sizes, rows, cluster)
            case .f64: bench(Double.self, sizes, rows, cluster)
            }
        }
    }

    /// Prints on rank 0 only.
    private func say(_ line: String) {
        if Cluster.current.isLeader { print(line) }
    }

    private func bench<T: BLASScalar & MPIScalar>(_: T.Type, _ sizes: [Int], _ rows: Int, _ cluster: MPICluster?) {
        let x = Matrix<T>.random(rows: rows, cols: sizes.first!, in: -1...1, seed: 1)
        let t = Matrix<T>.random(rows: rows, cols: sizes.last!, in: -1...1, seed: 2)
        let net0 = Network<T>(sizes: sizes, hidden: .tanh, loss: .mse, seed: 0)
        let values = net0.parameterCount + 2
        let shape = "\(sizes.map(String.init).joined(separator: "-")) ×\(rows)"
        do {
            if let cluster {
                let c = cluster.communicator
                let p = cluster.size
                let sharded = try ShardedMPICombiner(communicator: c)
                let (step, comm) = try time(net0, x, t, sharded, c)
                let slots = (shards + p - 1) / p
                let pure = try collectiveTime(c) { _ = try c.allgather([T](repeating: 1, count: slots * values)) }
                say(String(format: "%@  P=%d  sharded    %.3f ms/step  (in combine %.3f ms; allgather alone %.3f ms, %d values/rank)", shape, p, step, comm, pure, slots * values))
                let reduce = try AllreduceMPICombiner(communicator: c)
                let (step2, comm2) = try time(net0, x, t, reduce, c)
                var buffer = [T](repeating: 1, count: values)
                let pure2 = try collectiveTime(c) { try c.allreduce(&buffer, .sum) }
                say(String(format: "%@  P=%d  allreduce  %.3f ms/step  (in combine %.3f ms; allreduce alone %.3f ms, %d values)", shape, p, step2, comm2, pure2, values))
            } else {
                let (step, _) = try time(net0, x, t, LocalGradientCombiner(), nil)
                say(String(format: "%@  no MPI  local      %.3f ms/step", shape, step))
            }
        } catch {
            MPICluster.abort(rank: cluster?.rank ?? 0, size: cluster?.size ?? 1, error)
        }
    }

    /// Milliseconds per full-batch step, and per step inside the combiner (MPI modes): the slowest
    /// rank's, after a short warm-up; the step count is chosen from a calibration run so that the
    /// timed run lasts about `seconds`.
    private func time<T: BLASScalar, C: GradientCombiner>(
        _ net0: Network<T>, _ x: Matrix<T>, _ t: Matrix<T>, _ combiner: C, _ c: Communicator?
    ) throws -> (step: Double, comm: Double) {
        var net = net0
        func run(_ steps: Int) throws -> Double {
            try c?.barrier()
            let t0 = ContinuousClock.now
            _ = try ShardedTrainer.train(
                &net, inputs: x, targets: t, options: TrainingOptions(steps: steps, learningRate: 1e-4),
                shards: shards, combiner: combiner)
            let d = ContinuousClock.now - t0
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        _ = try run(3)
        var calibration = [try run(5) / 5]
        try c?.allreduce(&calibration, .max)
        let steps = max(10, min(20000, Int(seconds / max(calibration[0], 1e-7))))
        let commBefore = communicationSeconds(combiner)
        var total = [try run(steps)]
        var comm = [communicationSeconds(combiner) - commBefore]
        try c?.allreduce(&total, .max)
        try c?.allreduce(&comm, .max)
        return (total[0] / Double(steps) * 1e3, comm[0] / Double(steps) * 1e3)
    }

    private func communicationSeconds<C: GradientCombiner>(_ c: C) -> Double {
        (c as? MPIRankCombiner)?.communicationSeconds ?? 0
    }

    /// Median milliseconds of one collective (barrier before each call; slowest rank).
    private func collectiveTime(_ c: Communicator, _ body: () throws -> Void) throws -> Double {
        var samples: [Double] = []
        for _ in 0..<200 {
            try c.barrier()
            let t0 = MPI.time
            try body()
            var d = [MPI.time - t0]
            try c.allreduce(&d, .max)
            samples.append(d[0])
        }
        samples.sort()
        return samples[samples.count / 2] * 1e3
    }
}
