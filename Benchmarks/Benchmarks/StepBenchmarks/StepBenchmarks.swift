// Benchmarks of one training step (forward, loss, backward, SGD update) at the standard shapes,
// hand-written layer-wise backprop and the autodiff tape, Float and Double, both backends.
//
// Names are "step <mode> <precision> <backend> <layers> x<batch>". FLOPs per step (matrix products
// only): layer l contributes 2·B·n_{l−1}·n_l·k with k = 2 for the first layer (forward and weight
// gradient, no input delta) and 3 for the others. mallocCountTotal counts heap allocations of the
// measured steady-state steps (the workspace or tape is built and warmed up before measuring); it
// should be 0 with one OpenBLAS thread (threaded OpenBLAS gemm allocates inside OpenBLAS).
import Backprop
import Benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .milliseconds(500),
        maxIterations: 2_000)
    registerStepBenchmarks(Float.self)
    registerStepBenchmarks(Double.self)
}

/// The standard shapes of the issue tracker: (layer sizes, batch).
let shapes: [([Int], Int)] = [
    ([2, 16, 16, 1], 64), ([64, 128, 128, 10], 128), ([784, 256, 256, 10], 128),
    ([1024, 1024, 1024, 1024], 256),
]

/// The naive backend only where a step takes well under a second.
func naiveRuns(_ sizes: [Int], _ batch: Int) -> Bool { batch * sizes.max()! * sizes.max()! <= 200_000_000 }

enum Mode: String, CaseIterable { case layerwise, autodiff }

func registerStepBenchmarks<T: BLASScalar>(_: T.Type) {
    for (sizes, batch) in shapes {
        for backend in Backend.allCases where backend == .blas || naiveRuns(sizes, batch) {
            for mode in Mode.allCases {
                let name = "step \(mode.rawValue) \(T.precisionName) \(backend) \(sizes.map(String.init).joined(separator: "-")) x\(batch)"
                let flops = zip(sizes, sizes.dropFirst()).enumerated().reduce(0) { total, e in
                    total + 2 * batch * e.element.0 * e.element.1 * (e.offset == 0 ? 2 : 3)
                }
                Benchmark(name, configuration: .init(scalingFactor: flops < 1_000_000 ? .kilo : .one)) { benchmark in
                    var net = Network<T>(sizes: sizes, hidden: .tanh, loss: .mse, seed: 1)
                    let x = Matrix<T>.random(rows: batch, cols: sizes[0], seed: 2)
                    let t = Matrix<T>.random(rows: batch, cols: sizes.last!, seed: 3)
                    let gamma = T(1e-3)
                    switch mode {
                    case .layerwise:
                        let workspace = BackpropWorkspace(network: net, batchSize: batch)
                        x.withView { xv in
                            t.withView { tv in
                                net.trainingStep(xv, tv, learningRate: gamma, workspace: workspace, backend: backend)
                                benchmark.startMeasurement()
                                for _ in benchmark.scaledIterations {
                                    net.trainingStep(xv, tv, learningRate: gamma, workspace: workspace, backend: backend)
                                }
                                benchmark.stopMeasurement()
                            }
                        }
                    case .autodiff:
                        let tape = Tape<T>(backend: backend)
                        net.autodiffTrainingStep(x: x, t: t, learningRate: gamma, tape: tape, backend: backend)
                        benchmark.startMeasurement()
                        for _ in benchmark.scaledIterations {
                            net.autodiffTrainingStep(x: x, t: t, learningRate: gamma, tape: tape, backend: backend)
                        }
                        benchmark.stopMeasurement()
                    }
                    blackHole(net)
                }
            }
        }
    }
}
