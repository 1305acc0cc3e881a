import ArgumentParser
import Backprop
import BackpropMPI
import Foundation

/// `backprop-mpi bench`: full-batch step time at standard shapes, alone or under `mpirun -np P`,
/// for both combine modes, and the cost of the collective itself per step. Rank 0 prints one
/// line per shape and mode. Every rank uses `--blas-threads` (default 1) OpenBLAS threads.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Step time and allgather/allreduce cost per step at standard shapes.")

    @Option(help: "Shapes as sizes×batch, separated by spaces.") var shapes: String = "2-16-16-1x64 64-128-128-10x128 784-256-256-10x128"
    @Option(help: "Shards per batch (≥ ranks).") var shards: Int = 2
    @Option(help: "Seconds of timed steps per shape and mode (approximate).") var seconds: Double = 1
    @Option(help: "f32 or f64.") var precision: Precision = .f32
    @Option(name: .customLong("blas-threads"), help: "OpenBLAS threads per process.") var blasThreads: Int = 1

    func run() throws {
        let job = Job.start(local: false, maxElementsPerCall: nil)
        BLASThreads.count = blasThreads
        job.stopIfAnyRankFailed(shards < job.size ? "--shards \(shards) is less than the \(job.size) ranks" : nil)
        job.say("backprop-mpi bench: \(job.size) rank(s), \(shards) shards, \(precision.rawValue), \(blasThreads) BLAS thread(s) per rank, OpenBLAS core \(BLASThreads.coreName)")
        for spec in shapes.split(separator: " ") {
            let parts = spec.split(separator: "x")
            let sizes = parts[0].split(separator: "-").compactMap { Int($0) }
            let rows = Int(parts.last!) ?? 64
            switch precision {
            case .f32: bench(Float.self, sizes, rows, job)
            case .f64: bench(Double.self, sizes, rows, job)
            }
        }
        job.finish()
    }

    private func bench<T: BLASScalar & MPIScalar>(_: T.Type, _ sizes: [Int], _ rows: Int, _ job: Job) {
        let (x, t) = SyntheticData.make(T.self, rows: rows, inputs: sizes.first!, outputs: sizes.last!, loss: .mse, seed: 1)
        let net0 = Network<T>(sizes: sizes, hidden: .tanh, loss: .mse, seed: 0)
        let values = net0.parameterCount + 2
        let shape = "\(sizes.map(String.init).joined(separator: "-")) ×\(rows)"
        do {
            if let c = job.communicator {
                let sharded = try ShardedMPICombiner(communicator: c)
                let (step, comm) = try time(net0, x, t, sharded, job)
                let slots = (shards + job.size - 1) / job.size
                let pure = try collectiveTime(c) { _ = try c.allgather([T](repeating: 1, count: slots * values)) }
                job.say(String(format: "%@  P=%d  sharded    %.3f ms/step  (in combine %.3f ms; allgather alone %.3f ms, %d values/rank)", shape, job.size, step, comm, pure, slots * values))
                let reduce = try AllreduceMPICombiner(communicator: c)
                let (step2, comm2) = try time(net0, x, t, reduce, job)
                var buffer = [T](repeating: 1, count: values)
                let pure2 = try collectiveTime(c) { try c.allreduce(&buffer, .sum) }
                job.say(String(format: "%@  P=%d  allreduce  %.3f ms/step  (in combine %.3f ms; allreduce alone %.3f ms, %d values)", shape, job.size, step2, comm2, pure2, values))
            } else {
                let (step, _) = try time(net0, x, t, LocalGradientCombiner(), job)
                job.say(String(format: "%@  no MPI  local      %.3f ms/step", shape, step))
            }
        } catch {
            job.abort("rank \(job.rank): \(error)")
        }
    }

    /// Milliseconds per full-batch step, and per step inside the combiner (MPI modes): the slowest
    /// rank's, after a short warm-up; the step count is chosen from a calibration run so that the
    /// timed run lasts about `seconds`.
    private func time<T: BLASScalar, C: GradientCombiner>(
        _ net0: Network<T>, _ x: Matrix<T>, _ t: Matrix<T>, _ combiner: C, _ job: Job
    ) throws -> (step: Double, comm: Double) {
        var net = net0
        func run(_ steps: Int) throws -> Double {
            try job.communicator?.barrier()
            let t0 = ContinuousClock.now
            _ = try ShardedTrainer.train(
                &net, inputs: x, targets: t, options: TrainingOptions(steps: steps, learningRate: 1e-4),
                shards: shards, combiner: combiner)
            let d = ContinuousClock.now - t0
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        _ = try run(3)
        var calibration = [try run(5) / 5]
        try job.communicator?.allreduce(&calibration, .max)
        let steps = max(10, min(20000, Int(seconds / max(calibration[0], 1e-7))))
        let commBefore = communicationSeconds(combiner)
        var total = [try run(steps)]
        var comm = [communicationSeconds(combiner) - commBefore]
        try job.communicator?.allreduce(&total, .max)
        try job.communicator?.allreduce(&comm, .max)
        return (total[0] / Double(steps) * 1e3, comm[0] / Double(steps) * 1e3)
    }

    private func communicationSeconds<C: GradientCombiner>(_ c: C) -> Double {
        (c as? ShardedMPICombiner)?.communicationSeconds ?? (c as? AllreduceMPICombiner)?.communicationSeconds ?? 0
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
