import Backprop
import Testing

/// The thread policy of a training step (``BLASThreads/withStepPolicy``). The tests only read the
/// process-wide settings (other suites change the thread count concurrently).
@Suite struct StepThreadPolicyTests {
    @Test func largestProductIsTheWidestLayerTimesTheBatch() {
        let net = Network<Float>(sizes: [784, 256, 256, 10], hidden: .tanh, output: .identity, loss: .mse, initialization: .glorot, seed: 1)
        #expect(net.largestProductMultiplyAdds(batch: 128) == 128 * 784 * 256)
        #expect(net.largestProductMultiplyAdds(batch: 0) == 0)
        let tiny = Network<Double>(sizes: [2, 16, 16, 1], hidden: .tanh, output: .identity, loss: .mse, initialization: .glorot, seed: 1)
        #expect(tiny.largestProductMultiplyAdds(batch: 64) == 64 * 16 * 16)
    }

    @Test func oneThreadBelowTheThresholdOnBLASOnly() {
        let threshold = BLASThreads.stepSingleThreadBelow
        #expect(threshold == BLASThreads.defaultStepSingleThreadBelow)
        #expect(threshold == 1 << 21)
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: 64 * 16 * 16, backend: .blas))
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: threshold - 1, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: threshold, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 256 * 1024 * 1024, backend: .blas))
        // 64-128-128-10 ×128 (largest product 128·128·128) and 784-256-256-10 ×128 are split.
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 128 * 128 * 128, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 128 * 784 * 256, backend: .blas))
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: 64 * 128 * 128, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 1, backend: .naive))
    }

    /// The threads of a step for a given OpenBLAS count (the defaults: split, 2²¹).
    @Test func stepThreadsFollowThePolicy() {
        #expect(BLASThreads.stepThreading == BLASThreads.defaultStepThreading)
        #expect(BLASThreads.defaultStepThreading == .split)
        #expect(BLASThreads.splitProductsFrom == 1 << 20)
        #expect(BLASThreads.distantSplitProductsFrom == 1 << 27)
        let cores = GemmWorkers.maximumParts
        typealias S = BLASThreads.StepThreads
        let big = 128 * 784 * 256
        // Below the threshold: one OpenBLAS thread, no split.
        #expect(BLASThreads.stepThreads(multiplyAdds: 64 * 16 * 16, backend: .blas, openBLASThreads: 2) == S(openBLAS: 1, splitParts: 1))
        // At or above: OpenBLAS on one thread and the products split in min(count, cores) parts.
        #expect(BLASThreads.stepThreads(multiplyAdds: big, backend: .blas, openBLASThreads: 2) == S(openBLAS: 1, splitParts: min(2, cores)))
        #expect(BLASThreads.stepThreads(multiplyAdds: 1 << 21, backend: .blas, openBLASThreads: 8) == S(openBLAS: 1, splitParts: min(8, cores)))
        // OpenBLAS already on one thread (e.g. OPENBLAS_NUM_THREADS=1, MPI ranks): nothing changes.
        #expect(BLASThreads.stepThreads(multiplyAdds: big, backend: .blas, openBLASThreads: 1) == S(openBLAS: 1, splitParts: 1))
        // The naive backend has no threads to set.
        #expect(BLASThreads.stepThreads(multiplyAdds: big, backend: .naive, openBLASThreads: 2) == S(openBLAS: 2, splitParts: 1))
    }

    @Test func policyRunsTheBodyOnceAndReturnsItsValue() {
        var calls = 0
        let small = BLASThreads.withStepPolicy(multiplyAdds: 10, backend: .blas) { calls += 1; return 7 }
        let large = BLASThreads.withStepPolicy(multiplyAdds: 1 << 30, backend: .blas) { calls += 1; return 8 }
        #expect(small == 7 && large == 8 && calls == 2)
    }
}
