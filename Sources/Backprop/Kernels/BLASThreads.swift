import CBLAS
import Synchronization

/// The OpenBLAS thread pool, and the thread policy of a training step.
///
/// Default: OpenBLAS starts with `OPENBLAS_NUM_THREADS` threads when that variable is set, and
/// otherwise one per core (2 on the reference machine). OpenBLAS itself runs a gemm on one thread
/// when `m·n·k` is below about 2¹⁸; above, it splits every call across its threads, and Debian's
/// 0.3.21 (`MAX_THREADS=64`, so its job array lives on the heap) mallocs once per threaded
/// level-3 call.
///
/// **Step policy.** A training step (``Network/trainingStep(_:_:learningRate:workspace:backend:)``,
/// ``Network/autodiffTrainingStep(x:t:learningRate:tape:backend:)``) sets the threads for its
/// duration and restores them afterwards (``withStepPolicy(multiplyAdds:backend:_:)``; the
/// choice for given sizes is ``stepThreads(multiplyAdds:backend:openBLASThreads:)``):
///
/// - largest product (`m·n·k`) below ``stepSingleThreadBelow`` (default 2²¹ ≈ 2.1 M, e.g.
///   128 × 128 × 128): OpenBLAS on one thread;
/// - at or above, with ``stepThreading`` = ``StepThreading/split`` (the default): OpenBLAS still
///   on one thread, and every product of at least ``splitProductsFrom`` (2²⁰) multiply-adds is
///   split by Backprop into `min(count, cores)` blocks of C's rows or columns (``GemmPartition``),
///   one single-threaded OpenBLAS call per block, run on the calling thread and the
///   ``GemmWorkers``. Nothing is allocated per call;
/// - at or above, with ``StepThreading/openBLAS``: OpenBLAS's own threads (``count``), as before
///   the split existed (one allocation per threaded call).
///
/// Nothing changes for the naive backend, when ``stepSingleThreadBelow`` is 0, or when OpenBLAS
/// has one thread (``count`` = 1 or `OPENBLAS_NUM_THREADS=1`: set it when several processes, e.g.
/// MPI ranks, or worker threads share the cores; the split then stays off too).
///
/// **Distant cores.** A second core pays only as far as moving data between the cores is cheap:
/// after each product the step's elementwise passes (bias and activation, `g′ ⊙ δ`, the update)
/// run on the calling thread and read the block the worker wrote, and the worker's next block
/// reads what the caller wrote. The reference machine is a 2-vCPU VM on an AMD EPYC host, and the
/// host moves the two vCPUs, every few seconds to minutes, between a near placement (a
/// caller-to-worker handoff of 60–100 ns, ``GemmWorkers/handoffNanoseconds``) and a distant one
/// (130–250 ns). Distant, splitting every product made a 784-256-256-10 ×128 step 1.3× *slower*
/// than one thread, and OpenBLAS's two threads 1.4× slower. So while the measured handoff is above
/// ``GemmWorkers/distantHandoffNanoseconds`` (120 ns), only products of at least
/// ``distantSplitProductsFrom`` (2²⁷; distant, 256·512·512 = 2²⁶ broke even and 128·1024·1024 =
/// 2²⁷ paid 1.13×) go to the workers; the blocks of smaller ones run one after the other on the
/// calling thread — the same blocks, so the same bits — and a probe every 50 ms measures again.
///
/// **Measurements** (`backprop bench`, layer-wise step, release build, 2026-11-30; `--threads 1`,
/// the split and `--threads 2` in alternating runs; the placement read before and after every run
/// from a caller-worker round trip (0.6 µs near, 1.5 µs distant; runs that changed placement are
/// left out); medians of 3–12 runs (distant 64-128-128-10 and 784-256-256-10: 4 runs each);
/// load ≈ 1–1.5, of which 1 is the benchmark itself; µs per step). The split column is the default policy; the 1024 and 4096 rows
/// were measured with `--single-thread-below 1` before the distance gate existed, which changes
/// nothing there (every product ≥ 2²⁷); at 4096 the placement does not matter, the runs mix both.
///
/// | step                      | largest m·n·k | near: 1 / split / OpenBLAS 2, f32 | near, f64                     | distant: 1 / split / OpenBLAS 2, f32 | distant, f64               | mallocs/step (1, split, 2), f32 · f64 |
/// |---------------------------|---------------|-----------------------------------|-------------------------------|--------------------------------------|----------------------------|---------------------------------------|
/// | 64-128-128-10 ×128        | 2.1 M         | 209 / 177 / 189                   | 432 / 333 / 356               | 210 / 210 / 541                      | 431 / 431 / 901            | 0, 0, 5 · 1, 1, 6                     |
/// | 784-256-256-10 ×128       | 25.7 M        | 1,622 / 1,012 / 1,012             | 3,257 / 2,032 / 1,942         | 1,633 / 1,661 / 2,249                | 3,378 / 3,551 / 4,383      | 0, 0, 6 · 1, 1, 7                     |
/// | 1024-1024-1024-1024 ×256  | 268 M         | 46,932 / 25,688 / 25,214          | 89,772 / 48,060 / 48,142      | 46,592 / 30,855 / 31,914             | 88,601 / 51,565 / 54,159   | 0, 0, 8 · 0, 0, 8                     |
/// | 4096-4096-4096 ×512       | 8.6 G         | 864,291 / 448,268 / 450,837       | 1,636,627 / 845,729 / 855,808 | (either placement)                   |                            | 0, 0, 5 · 0, 0, 5                     |
///
/// (The one f64 allocation per step at 64-128-128-10 and 784-256-256-10 was OpenBLAS's
/// small-matrix dgemm on the 10-wide layer, with any threads; `SmallGemmTail` has removed it
/// since: 0 in `scripts/bench` at 15:34 UTC.)
///
/// Distant, the split (gated) costs 0–2 % over one thread in f32 and up to 5 % in f64 (its
/// blocks run one after the other, and the probes); without the gate it took 432 / 751 µs
/// (64-128-128-10, f32 / f64) and 2,082 / 4,337 µs (784-256-256-10) there. Smaller steps were measured with every product split
/// (`--split-from 65536`): 32-64-64-10 ×64 took 80–108 µs against 31 µs on one thread, so
/// ``stepSingleThreadBelow`` stays at 2²¹ where the split paid in the near placement
/// (64-128-128-10 ×128: 1.18× f32, 1.30× f64) and the gate keeps it at one-thread speed when
/// distant. While another process keeps one core busy, a worker that does not get its core is
/// not waited for: the caller takes its unstarted block back (a 4096-4096-4096 f32 step then ran at
/// one-thread speed, 889 ms; under such load OpenBLAS's two threads made a 784-256-256-10 f32
/// step 1.4–1.6× slower than one thread).
///
/// The settings are process-wide: two threads running steps at the same time share them (the
/// second finds the workers busy and runs its blocks itself). The split's results depend on the
/// number of parts (`min(count, cores)`), not on which thread runs a block nor on the placement;
/// sgemm's rounding can change with OpenBLAS's own thread count.
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

    /// How a training step at or above ``stepSingleThreadBelow`` uses the cores.
    public enum StepThreading: String, CaseIterable, Sendable {
        /// OpenBLAS's own threads (``count``) for every call. Every threaded level-3 call
        /// allocates its job array on the heap.
        case openBLAS = "openblas"
        /// OpenBLAS on one thread, and every product of at least ``splitProductsFrom``
        /// multiply-adds split by Backprop into blocks run on the calling thread and the
        /// ``GemmWorkers`` (``GemmWorkers/gemm(alpha:_:_:beta:into:parts:)``), as many parts as
        /// OpenBLAS had threads (capped at the cores). Allocates nothing.
        case split
    }

    /// The default of ``stepThreading``: ``StepThreading/split`` (measured, see above: as fast as
    /// OpenBLAS's threads or faster, except 784-256-256-10 f64, 5 % slower, and without
    /// allocations).
    public static let defaultStepThreading = StepThreading.split

    private static let threading = Atomic<Int>(defaultStepThreading == .split ? 1 : 0)

    /// How a step at or above ``stepSingleThreadBelow`` uses the cores (process-wide).
    public static var stepThreading: StepThreading {
        get { threading.load(ordering: .relaxed) == 1 ? .split : .openBLAS }
        set { threading.store(newValue == .split ? 1 : 0, ordering: .relaxed) }
    }

    /// The default of ``stepSingleThreadBelow``: 2²¹ multiply-adds (measured, see above).
    public static let defaultStepSingleThreadBelow = 1 << 21

    private static let threshold = Atomic<Int>(defaultStepSingleThreadBelow)

    /// A training step whose largest matrix product has fewer multiply-adds (`m·n·k`) than this
    /// runs on one OpenBLAS thread (see the type's documentation). 0 disables the policy.
    public static var stepSingleThreadBelow: Int {
        get { threshold.load(ordering: .relaxed) }
        set { threshold.store(max(0, newValue), ordering: .relaxed) }
    }

    /// The default of ``splitProductsFrom``: 2²⁰ multiply-adds (a lone 128·128·64 product ran
    /// 1.8–2.0× faster split; inside small steps moving the blocks between the cores costs more,
    /// see above).
    public static let defaultSplitProductsFrom = 1 << 20

    private static let splitMinimum = Atomic<Int>(defaultSplitProductsFrom)

    /// Under ``StepThreading/split``, a product of a step is split when it has at least this
    /// many multiply-adds (`m·n·k`); smaller ones run whole on the calling thread.
    public static var splitProductsFrom: Int {
        get { splitMinimum.load(ordering: .relaxed) }
        set { splitMinimum.store(max(0, newValue), ordering: .relaxed) }
    }

    /// The default of ``distantSplitProductsFrom``: 2²⁷ multiply-adds (measured, see above).
    public static let defaultDistantSplitProductsFrom = 1 << 27

    private static let distantSplitMinimum = Atomic<Int>(defaultDistantSplitProductsFrom)

    /// Under ``StepThreading/split``, while the cores are distant
    /// (``GemmWorkers/coresAreDistant``), a product of a step is handed to the workers only when it
    /// has at least this many multiply-adds; the blocks of smaller ones run on the calling thread.
    public static var distantSplitProductsFrom: Int {
        get { distantSplitMinimum.load(ordering: .relaxed) }
        set { distantSplitMinimum.store(max(0, newValue), ordering: .relaxed) }
    }

    /// Whether the step policy runs a step whose largest product has `multiplyAdds = m·n·k` on
    /// one thread: `backend == .blas && multiplyAdds < stepSingleThreadBelow`.
    @inlinable
    public static func stepUsesOneThread(multiplyAdds: Int, backend: Backend) -> Bool {
        backend == .blas && multiplyAdds < stepSingleThreadBelow
    }

    /// The threads of one step under the policy.
    public struct StepThreads: Equatable, Sendable {
        /// OpenBLAS's thread count during the step.
        public var openBLAS: Int
        /// The parts a product of at least ``BLASThreads/splitProductsFrom`` multiply-adds is
        /// split into (1: products are not split).
        public var splitParts: Int

        public init(openBLAS: Int, splitParts: Int) {
            self.openBLAS = openBLAS
            self.splitParts = splitParts
        }
    }

    /// The threads ``withStepPolicy(multiplyAdds:backend:_:)`` gives a step whose largest
    /// product has `multiplyAdds` multiply-adds, with OpenBLAS's current ``count``.
    public static func stepThreads(multiplyAdds: Int, backend: Backend) -> StepThreads {
        stepThreads(multiplyAdds: multiplyAdds, backend: backend, openBLASThreads: count)
    }

    /// The threads of a step whose largest product has `multiplyAdds` multiply-adds when OpenBLAS
    /// has `c = openBLASThreads` threads: unchanged `(c, 1)` for the naive backend, when the
    /// policy is off (``stepSingleThreadBelow`` = 0) or when `c = 1`; `(1, 1)` below
    /// ``stepSingleThreadBelow``; at or above it `(c, 1)` with ``StepThreading/openBLAS`` and
    /// `(1, min(c, cores))` with ``StepThreading/split``.
    public static func stepThreads(multiplyAdds: Int, backend: Backend, openBLASThreads c: Int) -> StepThreads {
        let below = stepSingleThreadBelow
        if backend != .blas || below == 0 || c <= 1 { return StepThreads(openBLAS: c, splitParts: 1) }
        if multiplyAdds < below { return StepThreads(openBLAS: 1, splitParts: 1) }
        if stepThreading == .openBLAS { return StepThreads(openBLAS: c, splitParts: 1) }
        return StepThreads(openBLAS: 1, splitParts: min(c, GemmWorkers.maximumParts))
    }

    /// Runs `body` (one training step whose largest product has `multiplyAdds = m·n·k`) with the
    /// threads of ``stepThreads(multiplyAdds:backend:)``, restoring OpenBLAS's count and the
    /// split afterwards.
    @inlinable
    public static func withStepPolicy<R>(
        multiplyAdds: Int, backend: Backend, _ body: () throws -> R
    ) rethrows -> R {
        let saved = enterStep(multiplyAdds: multiplyAdds, backend: backend)
        defer { leaveStep(saved) }
        return try body()
    }

    /// What ``enterStep(multiplyAdds:backend:)`` changed: OpenBLAS's previous count (0: not
    /// changed) and the previous split parts (−1: not changed).
    @usableFromInline
    struct SavedStepThreads {
        let openBLAS: Int32
        let splitParts: Int
    }

    /// The split parts of the running step (≤ 1: none), process-wide like OpenBLAS's count.
    private static let activeSplitParts = Atomic<Int>(0)

    @usableFromInline
    static func enterStep(multiplyAdds: Int, backend: Backend) -> SavedStepThreads {
        let previous = openblas_get_num_threads()
        let plan = stepThreads(multiplyAdds: multiplyAdds, backend: backend, openBLASThreads: Int(previous))
        var saved = SavedStepThreads(openBLAS: 0, splitParts: -1)
        if plan.openBLAS != Int(previous) {
            openblas_set_num_threads(Int32(plan.openBLAS))
            saved = SavedStepThreads(openBLAS: previous, splitParts: -1)
        }
        if plan.splitParts > 1 {
            let outer = activeSplitParts.exchange(plan.splitParts, ordering: .relaxed)
            saved = SavedStepThreads(openBLAS: saved.openBLAS, splitParts: outer)
        }
        return saved
    }

    @usableFromInline
    static func leaveStep(_ saved: SavedStepThreads) {
        if saved.splitParts >= 0 { activeSplitParts.store(saved.splitParts, ordering: .relaxed) }
        if saved.openBLAS > 0 { openblas_set_num_threads(saved.openBLAS) }
    }

    /// The parts `Backend.gemm` splits an `m×n` by `k` product into: the running step's split
    /// parts when it has any and `m·n·k ≥ splitProductsFrom`, else 1.
    @usableFromInline
    static func splitParts(m: Int, n: Int, k: Int) -> Int {
        let parts = activeSplitParts.load(ordering: .relaxed)
        if parts <= 1 { return 1 }
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (mnk, o2) = mn.multipliedReportingOverflow(by: k)
        if !o1 && !o2 && mnk < splitProductsFrom { return 1 }
        return parts
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
