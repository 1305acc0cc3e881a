import ArgumentParser
import Backprop
import CMallocCounter
import Foundation

/// `backprop bench`: times one training step (forward, loss, backward, SGD update) in-process.
///
/// FLOPs count only the matrix products: layer `l` contributes `2·B·n_{l−1}·n_l·k_l` with `k = 2`
/// for the first layer (forward product and weight gradient; no input delta) and `k = 3` for the
/// others. `gemm_gflops` is a plain gemm of the largest layer's shapes (`B × n_{l−1}` by
/// `n_{l−1} × n_l`), same precision, timed in the same process right before the step, so
/// `efficiency = gflops / gemm_gflops` is a ratio that machine noise moves little.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a training step and compare it with a plain gemm of the same shapes.")

    @Option(help: "Layer sizes, input first, e.g. 784,256,256,10.")
    var layers: String = "784,256,256,10"
    @Option(help: "Rows per batch.")
    var batch: Int = 128
    @Option(help: "f32 or f64.")
    var precision: Precision = .f32
    @Option(help: "blas or naive.")
    var backend: Backend = .blas
    @Option(help: "layerwise (hand-written backprop) or autodiff (tape).")
    var mode: BenchMode = .layerwise
    @Option(help: "Hidden-layer activation (the output layer is identity).")
    var activation: Activation = .tanh
    @Option(help: "Loss.")
    var loss: Loss = .mse
    @Option(help: "Seconds to spend timing the step (after warm-up).")
    var seconds: Double = 2
    @Option(help: "Run exactly this many steps and report their mean time, without the gemm and the malloc count (for profilers such as perf or valgrind --tool=callgrind).")
    var steps: Int?
    @Option(help: "OpenBLAS threads for every call (default: OpenBLAS's count, and one thread for steps below BLASThreads.stepSingleThreadBelow). Switches the step thread policy off.")
    var threads: Int?
    @Option(help: "How a step at or above the single-thread threshold uses the cores: split (OpenBLAS on one thread, large products split across Backprop's workers) or openblas (OpenBLAS's own threads). Default: \(BLASThreads.defaultStepThreading.rawValue).")
    var stepThreads: BLASThreads.StepThreading?
    @Option(help: "Steps whose largest product has fewer multiply-adds run on one thread (BLASThreads.stepSingleThreadBelow; default \(BLASThreads.defaultStepSingleThreadBelow); 1 applies --step-threads to every step).")
    var singleThreadBelow: Int?
    @Option(help: "With --step-threads split, products of at least this many multiply-adds are split (BLASThreads.splitProductsFrom; default \(BLASThreads.defaultSplitProductsFrom)).")
    var splitFrom: Int?
    @Option(help: "With --step-threads split, the caller-to-worker handoff latency in nanoseconds above which the cores count as distant and only products of BLASThreads.distantSplitProductsFrom multiply-adds or more go to the workers (GemmWorkers.distantHandoffNanoseconds; default 120; 0: always distant once measured).")
    var distantHandoffNs: Int?

    func validate() throws {
        let sizes = try parsedSizes()
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive, got \(seconds)") }
        if let singleThreadBelow, singleThreadBelow < 0 {
            throw ValidationError("--single-thread-below must not be negative, got \(singleThreadBelow)")
        }
        if let splitFrom, splitFrom < 0 { throw ValidationError("--split-from must not be negative, got \(splitFrom)") }
        if let distantHandoffNs, distantHandoffNs < 0 {
            throw ValidationError("--distant-handoff-ns must not be negative, got \(distantHandoffNs)")
        }
        if threads != nil && (stepThreads != nil || singleThreadBelow != nil) {
            throw ValidationError("--threads switches the step thread policy off; it cannot be combined with --step-threads or --single-thread-below")
        }
        if loss.isBinary && sizes.last != 1 {
            throw ValidationError("--loss \(loss.rawValue) needs one output, --layers ends in \(sizes.last!)")
        }
        if loss == .softmax && sizes.last! < 2 {
            throw ValidationError("--loss softmax needs at least two outputs")
        }
    }

    func parsedSizes() throws -> [Int] {
        let parts = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count >= 2, let sizes = parts as? [Int], sizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--layers must be at least two positive integers separated by commas, got '\(layers)'")
        }
        return sizes
    }

    func run() throws {
        if let stepThreads { BLASThreads.stepThreading = stepThreads }
        if let singleThreadBelow { BLASThreads.stepSingleThreadBelow = singleThreadBelow }
        if let splitFrom { BLASThreads.splitProductsFrom = splitFrom }
        if let distantHandoffNs { GemmWorkers.distantHandoffNanoseconds = distantHandoffNs }
        if let threads {
            // An explicit count is used for every step (the step thread policy is switched off).
            BLASThreads.count = threads
            BLASThreads.stepSingleThreadBelow = 0
        }
        let sizes = try parsedSizes()
        let result: StepBenchmarkResult
        switch precision {
        case .f32: result = measure(Float.self, sizes: sizes)
        case .f64: result = measure(Double.self, sizes: sizes)
        }
        print(try result.jsonLine())
    }

    /// Builds the network and data, times a plain gemm, then the step.
    func measure<T: BLASScalar>(_: T.Type, sizes: [Int]) -> StepBenchmarkResult {
        var net = Network<T>(
            sizes: sizes, hidden: activation, output: .identity, loss: loss, initialization: .glorot,
            seed: 1)
        let x = Matrix<T>.random(rows: batch, cols: sizes[0], in: -1...1, seed: 2)
        let t = BenchCommand.targets(T.self, rows: batch, outputs: sizes.last!, loss: loss)
        let gamma = T(1e-3)

        // The plain gemm of the largest layer, right before the step.
        var widest = 1
        for l in 1..<sizes.count where sizes[l - 1] * sizes[l] > sizes[widest - 1] * sizes[widest] {
            widest = l
        }
        let a = Matrix<T>.random(rows: batch, cols: sizes[widest - 1], seed: 3)
        let w = Matrix<T>.random(rows: sizes[widest - 1], cols: sizes[widest], seed: 4)
        var c = Matrix<T>(rows: batch, cols: sizes[widest])
        let gemmFlops = 2.0 * Double(batch * sizes[widest - 1] * sizes[widest])
        // (Skipped when profiling a fixed number of steps, so that a profile shows the step only.)
        let gemmTimes: (median: Double, min: Double)? =
            steps != nil
            ? nil
            : a.withView { av in
                w.withView { wv in
                    c.withMutableView { cv in Self.time(seconds: seconds / 3) { backend.gemm(av, wv, into: cv) } }
                }
            }

        // The step; the views are made once, outside the timed calls.
        let (stepTimes, mallocs) = x.withView { xv in
            t.withView { tv in
                let step: () -> Void
                switch mode {
                case .layerwise:
                    let workspace = BackpropWorkspace(network: net, batchSize: batch)
                    step = { _ = net.trainingStep(xv, tv, learningRate: gamma, workspace: workspace, backend: backend) }
                case .autodiff:
                    let tape = Tape<T>(backend: backend)
                    step = { _ = net.autodiffTrainingStep(x: x, t: t, learningRate: gamma, tape: tape, backend: backend) }
                }
                if let steps {
                    // Profiling: a fixed number of steps, two clock reads; no gemm, no malloc count.
                    let start = ContinuousClock.now
                    for _ in 0..<steps { step() }
                    let mean = (ContinuousClock.now - start).seconds / Double(max(1, steps))
                    return ((median: mean, min: mean), nil as Double?)
                }
                let stepTimes = Self.time(seconds: seconds, step)
                // Allocations of steady-state steps (after the warm-up inside `time`).
                let counted = 20
                bp_malloc_counter_start()
                for _ in 0..<counted { step() }
                return (stepTimes, Double(bp_malloc_counter_stop()) / Double(counted) as Double?)
            }
        }

        var flops = 0.0
        for l in 1..<sizes.count {
            flops += 2.0 * Double(batch * sizes[l - 1] * sizes[l]) * (l == 1 ? 2 : 3)
        }
        // The threads the step ran on (the step policy may have chosen one, or the split).
        let stepThreads = BLASThreads.stepThreads(
            multiplyAdds: net.largestProductMultiplyAdds(batch: batch), backend: backend)
        let median = stepTimes.median
        let gemmRate = gemmTimes.map { gemmFlops / $0.median / 1e9 }
        let rate = flops / median / 1e9
        return StepBenchmarkResult(
            layers: sizes, batch: batch, precision: T.precisionName, backend: backend.rawValue,
            mode: mode.rawValue, step_seconds_median: median, step_seconds_min: stepTimes.min,
            samples_per_second: Double(batch) / median, gflops: rate, gemm_gflops: gemmRate,
            efficiency: gemmRate.map { rate / $0 }, mallocs_per_step: mallocs,
            openblas_core: BLASThreads.coreName, openblas_config: BLASThreads.configuration,
            blas_threads: stepThreads.openBLAS, split_parts: stepThreads.splitParts,
            step_threading: BLASThreads.stepThreading.rawValue,
            single_thread_below: BLASThreads.stepSingleThreadBelow,
            split_from: BLASThreads.splitProductsFrom,
            handoff_ns: GemmWorkers.handoffNanoseconds, cores_distant: GemmWorkers.coresAreDistant,
            openblas_threads: BLASThreads.count, flops_per_step: flops)
    }

    /// Targets that suit `loss`: ±1 for binary losses, one-hot rows for softmax, uniform values
    /// for mse.
    static func targets<T: BLASScalar>(_: T.Type, rows: Int, outputs: Int, loss: Loss) -> Matrix<T> {
        var g = SeededGenerator(seed: 5)
        var t = Matrix<T>(rows: rows, cols: outputs)
        for i in 0..<rows {
            switch loss {
            case .softmax: t[i, Int.random(in: 0..<outputs, using: &g)] = 1
            case .perceptron, .hinge, .logistic: t[i, 0] = Bool.random(using: &g) ? 1 : -1
            case .mse: for j in 0..<outputs { t[i, j] = T.random(in: -1...1, using: &g) }
            }
        }
        return t
    }

    /// Runs `body` for warm-up (10 % of the budget, and at least one call — three unless they
    /// would exceed the budget), then in timed groups of calls (each group ≥ 100 µs, so that clock
    /// reads do not matter) until `seconds` pass, at least 3 groups; returns the median and the
    /// minimum per-call time of the groups.
    static func time(seconds: Double, _ body: () -> Void) -> (median: Double, min: Double) {
        let clock = ContinuousClock()
        func elapsed(_ start: ContinuousClock.Instant) -> Double { (clock.now - start).seconds }
        var start = clock.now
        var calls = 0
        while calls < 1 || elapsed(start) < seconds * 0.1 || (calls < 3 && elapsed(start) < seconds) {
            body()
            calls += 1
        }
        let perCall = max(elapsed(start) / Double(calls), 1e-9)
        let group = max(1, Int(100e-6 / perCall))
        var samples: [Double] = []
        let begin = clock.now
        while samples.count < 3 || (elapsed(begin) < seconds && samples.count < 100_000) {
            start = clock.now
            for _ in 0..<group { body() }
            samples.append(elapsed(start) / Double(group))
        }
        samples.sort()
        return (samples[samples.count / 2], samples[0])
    }
}

/// What `backprop bench` measures; also the JSON it prints (keys as in the issue).
struct StepBenchmarkResult: Codable {
    var layers: [Int]
    var batch: Int
    var precision: String
    var backend: String
    var mode: String
    var step_seconds_median: Double
    var step_seconds_min: Double
    var samples_per_second: Double
    var gflops: Double
    /// `nil` (left out of the JSON) with `--steps`, which skips the gemm and the malloc count.
    var gemm_gflops: Double?
    var efficiency: Double?
    var mallocs_per_step: Double?
    var openblas_core: String
    var openblas_config: String
    /// OpenBLAS threads of the step's calls (after the step thread policy).
    var blas_threads: Int
    /// The parts the step's products of at least `split_from` multiply-adds were split into
    /// (1: none; see `BLASThreads.StepThreading.split`).
    var split_parts: Int
    /// `BLASThreads.stepThreading`: "split" or "openblas".
    var step_threading: String
    /// `BLASThreads.stepSingleThreadBelow` (0: the policy is off, as with `--threads`).
    var single_thread_below: Int
    /// `BLASThreads.splitProductsFrom`.
    var split_from: Int
    /// `GemmWorkers.handoffNanoseconds` after the run (0: no part was handed to a spinning worker).
    var handoff_ns: Int
    /// `GemmWorkers.coresAreDistant` after the run.
    var cores_distant: Bool
    /// OpenBLAS's thread count outside the step (its default, or `--threads`).
    var openblas_threads: Int
    var flops_per_step: Double

    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension BLASThreads.StepThreading: ExpressibleByArgument {}

/// `--mode` of `backprop bench`.
enum BenchMode: String, ExpressibleByArgument, CaseIterable {
    case layerwise, autodiff
}

