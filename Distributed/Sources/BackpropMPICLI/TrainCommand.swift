import ArgumentParser
import Backprop
import BackpropMPI
import Foundation

/// Floating-point precision of a run.
enum Precision: String, ExpressibleByArgument, CaseIterable {
    case f32, f64
}

/// How the ranks combine their shard partials.
enum CombineMode: String, ExpressibleByArgument, CaseIterable {
    /// Allgather the partials, add all S in shard order: bit-identical to one process.
    case sharded
    /// Add own partials, then MPI_Allreduce: less traffic, equal up to rounding.
    case allreduce
}

extension Activation: @retroactive ExpressibleByArgument {}
extension Loss: @retroactive ExpressibleByArgument {}

/// `backprop-mpi train … --shards S`: full-batch or mini-batch gradient descent where every batch
/// gradient is the sum of S fixed row shards (``ShardedTrainer``). Under `mpirun -np P` shard `s`
/// is computed by rank `s mod P`; started alone, one process computes all S.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network with sharded gradients (alone, or data-parallel under mpirun).")

    @Option(help: "Layer sizes d_0,…,d_L.") var layers: String = "2,16,16,1"
    @Option(help: "Hidden-layer activation.") var activation: Activation = .tanh
    @Option(name: .customLong("output-activation"), help: "Output-layer activation.") var outputActivation: Activation = .identity
    @Option(help: "Loss.") var loss: Loss = .mse
    @Option(help: "Learning rate γ.") var lr: Double = 0.1
    @Option(help: "Gradient steps.") var steps: Int = 100
    @Option(help: "Rows per mini-batch (default: full batch).") var batch: Int?
    @Option(help: "Seed of the weights and of the mini-batch shuffling.") var seed: UInt64 = 0
    @Option(help: "f32 or f64.") var precision: Precision = .f32
    @Option(help: "Shards S per batch (S ≥ number of ranks; results depend on S, not on the ranks).") var shards: Int = 1
    @Option(help: "sharded (bit-identical for any rank count) or allreduce (faster, equal up to rounding).") var mode: CombineMode = .sharded
    @Option(help: "Headerless CSV with d_0 inputs then d_L targets per line; {rank} is replaced by the rank (per-host copies). Default: seeded synthetic data.") var data: String?
    @Option(help: "Rows of the synthetic data.") var samples: Int = 256
    @Option(name: .customLong("data-seed"), help: "Seed of the synthetic data.") var dataSeed: UInt64 = 1
    @Option(name: .customLong("blas-threads"), help: "OpenBLAS threads per process (1 keeps sgemm's bits independent of the core count).") var blasThreads: Int = 1
    @Option(name: .customLong("progress-every"), help: "Print progress every this many steps (0 = never).") var progressEvery: Int = 0
    @Option(help: "Write the trained parameters here (rank 0, atomically).") var out: String?
    @Flag(help: "Ignore an MPI launcher and train in this process only.") var local = false
    @Option(name: .customLong("mpi-chunk"), help: .hidden) var mpiChunk: Int?
    @Option(name: .customLong("inject-fault"), help: .hidden) var injectFault: String?

    func run() throws {
        let job = Job.start(local: local, maxElementsPerCall: mpiChunk)
        switch precision {
        case .f32: train(Float.self, job)
        case .f64: train(Double.self, job)
        }
        job.finish()
    }

    /// The checks every rank makes identically.
    func configurationProblem(ranks: Int) -> String? {
        let sizes = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if sizes.count < 2 || sizes.contains(where: { ($0 ?? 0) < 1 }) {
            return "--layers \(layers): need at least two comma-separated sizes, each ≥ 1"
        }
        if shards < ranks {
            return "--shards \(shards) is less than the \(ranks) ranks: use --shards S with S ≥ ranks (a multiple of every rank count you will use, e.g. 4)"
        }
        if steps < 0 || !(lr > 0) || !lr.isFinite { return "--steps must be ≥ 0 and --lr > 0 (got \(steps), \(lr))" }
        if let batch, batch < 1 { return "--batch \(batch) must be ≥ 1" }
        if data == nil && samples < 1 { return "--samples \(samples) must be ≥ 1" }
        if mpiChunk.map({ $0 < 1 || $0 > Int(Int32.max) }) ?? false { return "--mpi-chunk must be in 1…\(Int32.max)" }
        if let injectFault, Fault(injectFault) == nil { return "--inject-fault \(injectFault): expected KIND@RANK:STEP" }
        return nil
    }

    func train<T: BLASScalar>(_: T.Type, _ job: Job) {
        BLASThreads.count = blasThreads
        job.stopIfAnyRankFailed(configurationProblem(ranks: job.size))
        let sizes = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }

        // Every rank loads the whole data set; a rank whose copy is bad stops the job.
        var inputs = Matrix<T>(rows: 0, cols: 0)
        var targets = Matrix<T>(rows: 0, cols: 0)
        var loadError: String?
        if let data {
            let path = data.replacingOccurrences(of: "{rank}", with: "\(job.rank)")
            do { (inputs, targets) = try CSVData.load(T.self, path: path, inputs: sizes.first!, outputs: sizes.last!) }
            catch { loadError = error.description }
        } else {
            (inputs, targets) = SyntheticData.make(
                T.self, rows: samples, inputs: sizes.first!, outputs: sizes.last!, loss: loss, seed: dataSeed)
        }
        job.stopIfAnyRankFailed(loadError)

        var network = Network<T>(sizes: sizes, hidden: activation, output: outputActivation, loss: loss, seed: seed)
        let options = TrainingOptions(steps: steps, learningRate: lr, batchSize: batch, seed: seed)
        let progress: (TrainingProgress) -> Bool = { p in
            job.say("step \(p.step)/\(p.totalSteps)  loss \(p.loss)  accuracy \(p.accuracy)  \(Int(p.samplesPerSecond)) samples/s")
            return true
        }
        let result: TrainingResult
        do {
            result = try trainWithCombiner(&network, inputs, targets, options, job, progress)
        } catch let e as TrainingDivergedError {
            // Every rank holds the same total, so every rank detects this at the same step.
            job.finish(failure: "error: \(e)")
        } catch {
            job.abort("rank \(job.rank): \(error)")
        }

        // Every rank must hold the same parameters.
        let hash = ModelOutput.hash(network.parameters)
        if let c = job.communicator {
            do {
                let all = try c.allgather([Int64(bitPattern: hash)])
                if Set(all).count != 1 {
                    job.finish(failure: "error: the ranks' parameters differ (hashes \(all.map { String(UInt64(bitPattern: $0), radix: 16) }))")
                }
            } catch { job.abort("rank \(job.rank): \(error)") }
        }
        let last = result.history.last
        job.say("trained \(sizes.map(String.init).joined(separator: "-")) \(precision.rawValue): \(result.stepsRun) steps, \(job.size) rank(s) × \(shards) shards, mode \(mode.rawValue), final loss \(last.map { "\($0.loss)" } ?? "-"), stop \(result.stopReason.rawValue)")
        job.say("all \(job.size) rank(s) hold identical parameters (FNV-1a \(String(hash, radix: 16)))")

        if let out, job.rank == 0 {
            do {
                try ModelOutput.write(network, to: out, metadata: [
                    ("precision", "\"\(precision.rawValue)\""), ("shards", "\(shards)"), ("ranks", "\(job.size)"),
                    ("mode", "\"\(mode.rawValue)\""), ("steps", "\(result.stepsRun)"),
                    ("parameter_hash", "\"\(String(hash, radix: 16))\""),
                ])
            } catch {
                // Only rank 0 writes; the others are already past their last collective.
                printError("error: cannot write \(out): \(error.localizedDescription)")
                try? MPI.finalize()
                Foundation.exit(1)
            }
        }
    }

    private func trainWithCombiner<T: BLASScalar>(
        _ network: inout Network<T>, _ x: Matrix<T>, _ t: Matrix<T>, _ options: TrainingOptions, _ job: Job,
        _ progress: @escaping (TrainingProgress) -> Bool
    ) throws -> TrainingResult {
        let fault = injectFault.flatMap(Fault.init)
        func train<C: GradientCombiner>(_ combiner: C) throws -> TrainingResult {
            try ShardedTrainer.train(
                &network, inputs: x, targets: t, options: options, shards: shards,
                combiner: FaultInjectingCombiner(combiner, fault: fault, rank: job.rank),
                progressEvery: progressEvery, progress: progress)
        }
        guard let c = job.communicator else { return try train(LocalGradientCombiner()) }
        switch mode {
        case .sharded: return try train(try ShardedMPICombiner(communicator: c))
        case .allreduce: return try train(try AllreduceMPICombiner(communicator: c))
        }
    }
}
