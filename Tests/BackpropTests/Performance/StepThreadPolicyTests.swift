import Backprop
import Testing

/// The OpenBLAS thread policy of a training step (``BLASThreads/withStepPolicy``). The tests only
/// read the process-wide settings (other suites change the thread count concurrently).
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
        #expect(threshold == 1 << 26)
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: 64 * 16 * 16, backend: .blas))
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: threshold - 1, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: threshold, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 256 * 1024 * 1024, backend: .blas))
        #expect(BLASThreads.stepUsesOneThread(multiplyAdds: 128 * 784 * 256, backend: .blas))
        #expect(!BLASThreads.stepUsesOneThread(multiplyAdds: 1, backend: .naive))
    }

    @Test func policyRunsTheBodyOnceAndReturnsItsValue() {
        var calls = 0
        let small = BLASThreads.withStepPolicy(multiplyAdds: 10, backend: .blas) { calls += 1; return 7 }
        let large = BLASThreads.withStepPolicy(multiplyAdds: 1 << 30, backend: .blas) { calls += 1; return 8 }
        #expect(small == 7 && large == 8 && calls == 2)
    }
}
