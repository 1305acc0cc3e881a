import Backprop
import Foundation
import Testing

/// Heap allocations of steady-state training steps with the split (``BLASThreads/StepThreading``),
/// counted process-wide (every thread: caller, GemmWorkers, OpenBLAS) by `backprop bench`'s
/// interposed malloc, in a child process so that no other test's allocations are counted.
@Suite struct SplitStepAllocationTests {
    /// Runs `backprop bench` on `layers` with `arguments` and returns its JSON object.
    static func bench(_ layers: String, batch: Int, precision: String, _ arguments: [String]) throws -> [String: Any] {
        let folder = TestFolder()
        defer { folder.remove() }
        let r = try CLIHarness.run(
            ["bench", "--layers", layers, "--batch", "\(batch)", "--precision", precision, "--seconds", "0.2"]
                + arguments, in: folder.path)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(CLIHarness.object(r.stdout), "stdout: \(r.stdout)")
    }

    /// With the split, steps of 784-256-256-10 ×128 (f32) and 1024-1024-1024-1024 ×256 (f32,
    /// f64) allocate exactly as much as on one OpenBLAS thread without split: nothing in a release
    /// build. (A debug build of the step itself allocates 3 times per step, with or without the
    /// split, so the check is the difference. 784-256-256-10 in f64 is left out: OpenBLAS
    /// 0.3.21's small-matrix dgemm allocates for its 10-wide output layer whatever the threads,
    /// see ``BLASThreads``.)
    @Test(arguments: [
        ("784,256,256,10", 128, "f32"), ("1024,1024,1024,1024", 256, "f32"), ("1024,1024,1024,1024", 256, "f64"),
    ])
    func splitStepsAllocateNoMoreThanOneThread(layers: String, batch: Int, precision: String) throws {
        try #require(GemmWorkers.maximumParts >= 2, "needs two cores")
        let split = try Self.bench(layers, batch: batch, precision: precision, ["--step-threads", "split", "--single-thread-below", "1"])
        let one = try Self.bench(layers, batch: batch, precision: precision, ["--threads", "1"])
        #expect(split["step_threading"] as? String == "split")
        #expect(split["blas_threads"] as? Int == 1)
        #expect((split["split_parts"] as? Int ?? 0) >= 2, "\(split)")
        #expect(one["blas_threads"] as? Int == 1 && one["split_parts"] as? Int == 1)
        let (s, o) = (split["mallocs_per_step"] as? Double, one["mallocs_per_step"] as? Double)
        #expect(s != nil && s == o, "split \(s ?? -1), one thread \(o ?? -1) allocations per step")
        #if !DEBUG
        #expect(s == 0)
        #endif
    }

    /// The count is not vacuous: the same step on OpenBLAS's own two threads allocates more than
    /// on one (every threaded level-3 call mallocs its job array in this OpenBLAS build).
    @Test func openBLASThreadsAllocateAndTheCounterSeesIt() throws {
        try #require(GemmWorkers.maximumParts >= 2, "needs two cores")
        let threaded = try Self.bench("784,256,256,10", batch: 128, precision: "f32", ["--threads", "2"])
        let one = try Self.bench("784,256,256,10", batch: 128, precision: "f32", ["--threads", "1"])
        #expect(threaded["blas_threads"] as? Int == 2)
        let (t, o) = (threaded["mallocs_per_step"] as? Double ?? 0, one["mallocs_per_step"] as? Double ?? 0)
        #expect(t >= o + 1, "two threads \(t), one thread \(o) allocations per step")
    }
}
