import CBLAS
import Synchronization

/// The OpenBLAS thread pool, and the thread policy of a training step.
///
/// Default: OpenBLAS starts with `OPENBLAS_NUM_THREADS` threads when that variable is set, and
/// otherwise one per core (2 on the reference machine). OpenBLAS itself runs a gemm on one thread
/// when `m·n·k` is below about 2¹⁸; above, it splits every call across its threads.
///
/// **Step policy** (``withStepPolicy(multiplyAdds:backend:_:)``, used by
/// ``Network/trainingStep(_:_:learningRate:workspace:backend:)`` and
/// ``Network/autodiffTrainingStep(x:t:learningRate:tape:backend:)``):
/// - largest product below ``stepSingleThreadBelow`` multiply-adds (`m·n·k`, default 2²¹ ≈ 2 M):
///   OpenBLAS on one thread, nothing split — a second core does not pay for calls this small;
/// - at or above, with ``stepThreading`` = ``StepThreading/split`` (default): OpenBLAS on one
///   thread, and every product of at least ``splitProductsFrom`` (2²⁰) multiply-adds split by
///   Backprop into row or column blocks run on the calling thread and the ``GemmWorkers``, each
///   block one single-threaded OpenBLAS call. No heap allocation (every *threaded* OpenBLAS call
///   mallocs its job array, 5–8 per step). While the measured handoff to a worker is slow
///   (``GemmWorkers/coresAreDistant``: above 120 ns, e.g. vCPUs on distant host cores), only
///   products of at least ``distantSplitProductsFrom`` (2²⁷) go to the workers;
/// - with ``StepThreading/openBLAS``: OpenBLAS's own ``count`` threads, as before the split.
///
/// OpenBLAS's count and the split are restored after the step. Measured with `scripts/bench`
/// (table "One thread, the split, or two OpenBLAS threads", alternating runs, 2026-11-30 15:34
/// UTC, load ≈ 1.1–1.7; layer-wise step, µs):
///
/// | step                     | largest m·n·k | 1 thread f32 / f64 | split f32 / f64  | OpenBLAS 2 threads f32 / f64 |
/// |--------------------------|---------------|--------------------|------------------|------------------------------|
/// | 2-16-16-1 ×64            | 16 K          | 3.85 / 7.08        | 3.85 / 7.1       | 3.87 / 7.06                  |
/// | 64-128-128-10 ×128       | 2.1 M         | 206 / 424          | 153 / 316        | 171 / 343                    |
/// | 784-256-256-10 ×128      | 25.7 M        | 1,589 / 3,497      | 954 / 2,073      | 948 / 1,926                  |
/// | 1024-1024-1024-1024 ×256 | 268 M         | 45,466 / 87,360    | 24,493 / 50,049  | 23,483 / 45,416              |
///
/// The split matches OpenBLAS's threads up to 784-wide and is within 5 % (f32) / 10 % (f64) at
/// 1024, without allocating. On a loaded machine a second thread may not pay at all: a part
/// that no worker has started when the caller finishes its own is run by the caller. Threads
/// multiply when several processes (MPI ranks) share the cores: then set ``count`` to 1.
///
/// The count and the split are process-wide: two threads running steps at the same time share
/// them. Rounding can change with the thread count (not with which thread runs a split block).
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

    /// The default of ``stepThreading`` (measured, see above).
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

    /// The default of ``splitProductsFrom``: 2²⁰ multiply-adds (measured, see above).
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
