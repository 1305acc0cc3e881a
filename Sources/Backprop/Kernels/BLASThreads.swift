import CBLAS
import Synchronization

/// The OpenBLAS thread pool, and the thread policy of a training step.
///
/// Default: OpenBLAS starts with `OPENBLAS_NUM_THREADS` threads when that variable is set, and
/// otherwise one per core (2 on the reference machine). OpenBLAS itself runs a gemm on one thread
/// when `m·n·k` is below about 2¹⁸; above, it splits every call across its threads.
///
/// **Step policy.** A training step (``Network/trainingStep(_:_:learningRate:workspace:backend:)``,
/// ``Network/autodiffTrainingStep(x:t:learningRate:tape:backend:)``) runs on *one* thread when its
/// largest matrix product has fewer than ``stepSingleThreadBelow`` multiply-adds (`m·n·k`, default
/// 2²⁶ ≈ 67 M, e.g. 256 × 512 × 512), and restores the previous count afterwards (4 ns per
/// switch). Above, OpenBLAS's count is kept. Measured on the 2-core reference machine while other
/// processes kept it loaded (load average 4–6), in `scripts/bench`'s table "One or two OpenBLAS
/// threads" (layer-wise step time, 1 thread ÷ 2 threads, alternating runs; two runs, 11:54 and
/// 12:18 UTC on 2026-11-30):
///
/// | step                       | largest m·n·k | f32             | f64  |
/// |----------------------------|---------------|-----------------|------|
/// | 2-16-16-1 ×64              | 16 K          | 1.00            | 1.00 |
/// | 64-128-128-10 ×128         | 2.1 M         | 0.48, 0.87      | 0.94 |
/// | 784-256-256-10 ×128        | 25.7 M        | 0.47, 0.94      | 0.84 |
/// | 1024-1024-1024-1024 ×256   | 268 M         | 0.64–1.0, 0.72  | 0.96 |
///
/// Below the threshold the second thread never paid: each of the step's ~8 calls wakes and
/// synchronises the pool, the waiting thread competes for a core, and every threaded call
/// allocates OpenBLAS's job array on the heap. With one thread a steady-state f32 step allocates
/// nothing; in f64, OpenBLAS 0.3.21's AVX-512 small-matrix dgemm kernel still allocates once per
/// call for some output widths that are not multiples of 8 (2, 4, 9, 10, 12 observed; not 6), e.g.
/// the 10-output layer of 784-256-256-10 (a one-output layer uses gemv, which does not). On an idle machine a single large sgemm gains up to 1.9× from the second thread
/// (n ≥ 256), which is why the policy keeps OpenBLAS's count for large steps even though, under
/// this load, one thread was not slower there either. On dedicated hardware a lower threshold can
/// pay: set ``stepSingleThreadBelow`` (0 turns the policy off). Threads multiply when several
/// processes (MPI ranks) or worker threads share the cores: then set ``count`` to 1.
///
/// The count is process-wide: two threads running steps at the same time share it. sgemm's
/// rounding can change with the thread count.
public enum BLASThreads {
    /// Number of threads OpenBLAS uses for the next call. Setting it overrides
    /// `OPENBLAS_NUM_THREADS` (also upward).
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename()`), e.g.
    /// `"Haswell"` or `"Cooperlake"`. Benchmarks record it because it changes speed by ~2×.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string (`openblas_get_config()`).
    public static var configuration: String { String(cString: openblas_get_config()) }

    // MARK: Step policy

    /// The default of ``stepSingleThreadBelow``: 2²⁶ multiply-adds.
    public static let defaultStepSingleThreadBelow = 1 << 26

    private static let threshold = Atomic<Int>(defaultStepSingleThreadBelow)

    /// A training step whose largest matrix product has fewer multiply-adds (`m·n·k`) than this
    /// runs on one OpenBLAS thread (see the type's documentation). 0 disables the policy.
    public static var stepSingleThreadBelow: Int {
        get { threshold.load(ordering: .relaxed) }
        set { threshold.store(max(0, newValue), ordering: .relaxed) }
    }

    /// Whether the step policy runs a step whose largest product has `multiplyAdds = m·n·k` on
    /// one thread: `backend == .blas && multiplyAdds < stepSingleThreadBelow`.
    @inlinable
    public static func stepUsesOneThread(multiplyAdds: Int, backend: Backend) -> Bool {
        backend == .blas && multiplyAdds < stepSingleThreadBelow
    }

    /// Runs `body` (one training step whose largest product has `multiplyAdds = m·n·k`) under the
    /// step policy: with one OpenBLAS thread when `multiplyAdds < stepSingleThreadBelow` and the
    /// backend is BLAS, restoring the previous count afterwards; otherwise unchanged.
    @inlinable
    public static func withStepPolicy<R>(
        multiplyAdds: Int, backend: Backend, _ body: () throws -> R
    ) rethrows -> R {
        if !stepUsesOneThread(multiplyAdds: multiplyAdds, backend: backend) { return try body() }
        let previous = openblas_get_num_threads()
        if previous <= 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}

extension Network {
    /// `max_l N·n_(l−1)·n_l`: the multiply-adds of the largest matrix product of a step on a batch
    /// of `batch` rows (the forward product of the widest layer; its two backward products have
    /// the same count). Allocation-free.
    public func largestProductMultiplyAdds(batch: Int) -> Int {
        var largest = 0
        for layer in layers {
            largest = Swift.max(largest, batch &* layer.inputSize &* layer.outputSize)
        }
        return largest
    }
}
