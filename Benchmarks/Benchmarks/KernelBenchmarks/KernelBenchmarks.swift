// Benchmarks of the three kernels that carry the training cost, on both backends:
//
//   gemm  C ← A·B            A, B, C n×n       2n³ flops
//   gemv  y ← A·x            A n×n, x, y n×1   2n² flops
//   ger   A ← A + α·x·yᵀ     A n×n, x, y n×1   2n² flops
//
// Names are "<kernel> <precision> <backend> <n>" (e.g. "gemm f32 blas 1024"); scripts/bench-kernels
// parses them, so keep that form. Everything goes through Backprop's public view-level API
// (`Backend.gemm(_:_:into:)` etc.); the operands are allocated before `startMeasurement()`, so
// mallocCountTotal shows whether a kernel allocates (it should be 0).
import Backprop
import Benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .milliseconds(400),
        maxIterations: 1_000)

    registerKernelBenchmarks(Float.self)
    registerKernelBenchmarks(Double.self)
}

/// Square sizes for gemm, and the largest size the naive backend runs (naive gemm at 1024 takes
/// seconds per call).
let gemmSizes = [8, 16, 32, 64, 128, 256, 512, 1024]
let naiveGEMMLimit = 512
/// Square sizes for gemv and ger.
let level2Sizes = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

/// One measured iteration repeats the call 1000× (`scalingFactor: .kilo`) when one call is under
/// ~10⁵ flops, so that the timer's own cost stays negligible; the reported times are per call.
func configuration(flops: Int) -> Benchmark.Configuration {
    .init(scalingFactor: flops < 100_000 ? .kilo : .one)
}

func registerKernelBenchmarks<T: BLASScalar>(_: T.Type) {
    let precision = T.precisionName
    for backend in Backend.allCases {
        for n in gemmSizes where backend == .blas || n <= naiveGEMMLimit {
            Benchmark(
                "gemm \(precision) \(backend) \(n)", configuration: configuration(flops: 2 * n * n * n)
            ) { benchmark in
                let a = Matrix<T>.random(rows: n, cols: n, seed: 1)
                let b = Matrix<T>.random(rows: n, cols: n, seed: 2)
                var c = Matrix<T>(rows: n, cols: n)
                a.withView { av in
                    b.withView { bv in
                        c.withMutableView { cv in
                            benchmark.startMeasurement()
                            for _ in benchmark.scaledIterations { backend.gemm(av, bv, into: cv) }
                            benchmark.stopMeasurement()
                        }
                    }
                }
                blackHole(c)
            }
        }
        for n in level2Sizes {
            Benchmark(
                "gemv \(precision) \(backend) \(n)", configuration: configuration(flops: 2 * n * n)
            ) { benchmark in
                let a = Matrix<T>.random(rows: n, cols: n, seed: 3)
                let x = Matrix<T>.random(rows: n, cols: 1, seed: 4)
                var y = Matrix<T>(rows: n, cols: 1)
                a.withView { av in
                    x.withView { xv in
                        y.withMutableView { yv in
                            benchmark.startMeasurement()
                            for _ in benchmark.scaledIterations { backend.gemv(av, xv, into: yv) }
                            benchmark.stopMeasurement()
                        }
                    }
                }
                blackHole(y)
            }
            Benchmark(
                "ger \(precision) \(backend) \(n)", configuration: configuration(flops: 2 * n * n)
            ) { benchmark in
                let x = Matrix<T>.random(rows: n, cols: 1, seed: 5)
                let y = Matrix<T>.random(rows: n, cols: 1, seed: 6)
                var a = Matrix<T>.random(rows: n, cols: n, seed: 7)
                // A small α keeps A bounded over many repetitions (growth is linear in the count).
                let alpha = T(1) / 1024
                x.withView { xv in
                    y.withView { yv in
                        a.withMutableView { av in
                            benchmark.startMeasurement()
                            for _ in benchmark.scaledIterations {
                                backend.ger(alpha: alpha, xv, yv, into: av)
                            }
                            benchmark.stopMeasurement()
                        }
                    }
                }
                blackHole(a)
            }
        }
    }
}
