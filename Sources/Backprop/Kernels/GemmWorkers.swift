import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process-wide pool of worker threads that run parts of a split matrix product
/// (``GemmWorkers/gemm(alpha:_:_:beta:into:parts:)``), each part being one single-threaded
/// OpenBLAS call.
///
/// **Threads.** `cores − 1` workers (at most 63), created on the first split product and never
/// torn down; the thread that calls the split product is the other one. With one core there are
/// no workers and every part runs on the caller.
///
/// **Handoff, without allocation.** Every worker has one job slot (a `GemmPart`: raw pointers,
/// sizes, leading dimensions, transpose flags, α, β and the precision) and three generation
/// counters (`Synchronization.Atomic`): `posted` (written by the caller after it fills the slot),
/// `claimed` (whoever runs part `g` first moves it from `g − 1` to `g`, by compare-and-exchange)
/// and `finished` (written by the worker after its call). A worker spins on `posted` for
/// ``spinMicroseconds`` after its last job (the products of one step come back to back), then
/// parks on a condition variable; the caller signals it only when it has parked. The caller
/// computes its own part, then takes back every part that no worker has claimed yet (a worker
/// that is parked or descheduled by another process costs no waiting: the caller runs the part
/// itself, as a one-thread product would), and waits for the others (spin, then park).
///
/// **Distance between the cores.** When the caller posts a part to a spinning worker, the time
/// until the worker has claimed it is a cache-line round trip between the two cores; its floor is
/// kept in ``handoffNanoseconds``. Inside a split step, while it is above
/// ``distantHandoffNanoseconds``, `Backend.gemm` hands only large products to the workers (see
/// ``BLASThreads``: with distant cores, moving each block's data to the other core costs more than
/// the second core saves).
///
/// **Determinism.** Which thread runs a part never changes the part's bounds, so a product is
/// bit-identical run to run; when the pool is busy (another thread is using it), or the cores are
/// distant and the product small, the caller runs all parts itself, in the same partition.
public enum GemmWorkers {
    /// The number of worker threads (`cores − 1`, at most 63; 0 on one core). Reading it
    /// creates the pool.
    public static var workerCount: Int { pool.workers.count }

    /// How many workers are parked on their condition variable right now (idle longer than
    /// ``spinMicroseconds``). 0 before the pool exists.
    public static var parkedWorkerCount: Int {
        guard poolExists.load(ordering: .acquiring) else { return 0 }
        var parked = 0
        for w in pool.workers where w.workerParked.load(ordering: .relaxed) { parked += 1 }
        return parked
    }

    /// Parts of split products run by workers since the process started (diagnostics and tests;
    /// parts that callers took back or ran themselves are not counted).
    public static var partsRunByWorkers: Int { partsByWorkers.load(ordering: .relaxed) }

    /// How long a worker spins for the next part before it parks, and how long a caller spins for
    /// a worker's part before it parks, in microseconds (default 200).
    public static var spinMicroseconds: Int {
        get { spinNanoseconds.load(ordering: .relaxed) / 1000 }
        set { spinNanoseconds.store(max(0, newValue) * 1000, ordering: .relaxed) }
    }

    /// Whether a caller that has finished its own part runs the parts no worker has started yet
    /// (default `true`). `false` makes every part run on its worker, however long the worker
    /// takes to wake: only useful to exercise the handoff in tests.
    public static var callerTakesUnstartedParts: Bool {
        get { takeBack.load(ordering: .relaxed) }
        set { takeBack.store(newValue, ordering: .relaxed) }
    }

    /// The caller-to-worker handoff latency, in nanoseconds: an estimate of the floor of the time
    /// from posting a part to a spinning worker until the worker has claimed it (a cache-line
    /// transfer between the two cores, and back). 0 until measured.
    public static var handoffNanoseconds: Int { handoff.load(ordering: .relaxed) }

    /// Above this ``handoffNanoseconds`` the cores count as distant (default 120 ns): then
    /// `Backend.gemm` in a split step hands blocks to the workers only for products of at least
    /// ``BLASThreads/distantSplitProductsFrom`` multiply-adds, and runs the blocks of smaller ones
    /// on the calling thread (same blocks, same bits).
    public static var distantHandoffNanoseconds: Int {
        get { distantHandoff.load(ordering: .relaxed) }
        set { distantHandoff.store(max(0, newValue), ordering: .relaxed) }
    }

    /// Whether the cores are distant now (``handoffNanoseconds`` above
    /// ``distantHandoffNanoseconds``).
    public static var coresAreDistant: Bool { handoffNanoseconds > distantHandoffNanoseconds }

    /// The most parts a split product can have in this process: the online cores, at most 64
    /// (the pool has one worker fewer). Does not create the pool.
    public static let maximumParts: Int = min(64, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    // MARK: State

    static let pool = Pool()
    static let poolExists = Atomic<Bool>(false)
    static let partsByWorkers = Atomic<Int>(0)
    static let spinNanoseconds = Atomic<Int>(200_000)
    static let takeBack = Atomic<Bool>(true)
    static let handoff = Atomic<Int>(0)
    static let distantHandoff = Atomic<Int>(120)
    static let probeStart = Atomic<UInt64>(0)
    static let probeRemaining = Atomic<Int>(0)

    /// While the cores are distant, every this many nanoseconds the next `probeLength` gated
    /// products are handed to the workers anyway, to measure the handoff again (the host moves
    /// virtual CPUs; the first part of a probe usually wakes a parked worker and measures nothing).
    static let probeInterval: UInt64 = 50_000_000
    static let probeLength = 8

    /// Adds one handoff measurement to the estimate: a sample below the estimate replaces it (the
    /// floor is what the placement of the cores sets; a late claim has other causes), a sample
    /// above moves it up by 1/8 of the difference (samples capped at 2 µs, so that a worker that
    /// is still waking up or was descheduled by another process moves it little).
    static func recordHandoff(_ nanoseconds: UInt64) {
        let sample = max(1, Int(min(nanoseconds, 2_000)))
        let old = handoff.load(ordering: .relaxed)
        handoff.store(old == 0 || sample <= old ? sample : old + (sample - old) / 8, ordering: .relaxed)
    }

    /// Whether a gated split product of `multiplyAdds = m·n·k` goes to the workers: always while
    /// the cores are near (or not measured yet); while they are distant, from
    /// ``BLASThreads/distantSplitProductsFrom``, and otherwise only during a probe. Called by the
    /// thread that runs the product, before it takes the pool.
    static func dispatches(multiplyAdds: Int) -> Bool {
        if !coresAreDistant || multiplyAdds >= BLASThreads.distantSplitProductsFrom { return true }
        if probeRemaining.load(ordering: .relaxed) > 0 {
            probeRemaining.subtract(1, ordering: .relaxed)
            return true
        }
        let now = monotonicNanoseconds()
        if now &- probeStart.load(ordering: .relaxed) < probeInterval { return false }
        probeStart.store(now, ordering: .relaxed)
        probeRemaining.store(probeLength - 1, ordering: .relaxed)
        return true
    }

    /// The workers, and the flag that gives one caller at a time the use of them.
    final class Pool: Sendable {
        let workers: [Worker]
        let busy = Atomic<Bool>(false)

        init() {
            workers = (0..<(GemmWorkers.maximumParts - 1)).map { _ in Worker() }
            for w in workers { w.start() }
            GemmWorkers.poolExists.store(true, ordering: .releasing)
        }

        /// Takes the workers for one product; `false` when another thread has them.
        func acquire() -> Bool {
            busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        }

        func release() { busy.store(false, ordering: .releasing) }
    }

    /// One worker thread and its job slot.
    final class Worker: @unchecked Sendable {
        // @unchecked Sendable: `part` is the only mutable non-atomic state shared between the
        // threads (`postedAt` and `postedToSpinningWorker` are the caller's). The caller (the one
        // thread holding `Pool.busy`) writes it before storing `posted = g` (release); the worker
        // reads it only after it has loaded `posted == g` (acquire) *and* won the claim of `g`;
        // the caller writes it again only after part `g` has finished (it waited for
        // `finished == g`, acquire, or ran the part itself). So reads and writes never overlap.
        var part: GemmPart?
        /// Generation of the last part posted (written by the caller only).
        let posted = Atomic<UInt32>(0)
        /// Generation of the last part claimed, by the worker or by the caller taking it back.
        let claimed = Atomic<UInt32>(0)
        /// Generation of the last part the worker finished.
        let finished = Atomic<UInt32>(0)
        let workerParked = Atomic<Bool>(false)
        let callerParked = Atomic<Bool>(false)
        /// When the worker claimed the last part it ran (`monotonicNanoseconds`).
        let claimedAt = Atomic<UInt64>(0)
        // Caller-side only (written and read by the thread holding `Pool.busy`).
        var postedAt: UInt64 = 0
        var postedToSpinningWorker = false
        // Allocated once, never moved or freed (the worker lives as long as the process).
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        let posting = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        let finishing = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init() {
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(posting, nil)
            pthread_cond_init(finishing, nil)
        }

        func start() {
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()  // the pool keeps it alive
            let status = pthread_create(&thread, &attributes, { context in
                Unmanaged<Worker>.fromOpaque(context!).takeUnretainedValue().loop()
            }, context)
            pthread_attr_destroy(&attributes)
            if status != 0 { fatalError("GemmWorkers: pthread_create failed (\(status))") }
        }

        // MARK: Worker side

        private func loop() -> Never {
            var seen: UInt32 = 0
            while true {
                let g = waitForPost(after: seen)
                seen = g
                // A caller that finished its own part first may have taken this one back.
                guard claimed.compareExchange(expected: g &- 1, desired: g, ordering: .acquiringAndReleasing).exchanged
                else { continue }
                claimedAt.store(monotonicNanoseconds(), ordering: .relaxed)
                part!.run()
                GemmWorkers.partsByWorkers.add(1, ordering: .relaxed)
                finished.store(g, ordering: .sequentiallyConsistent)
                // Dekker pairing with `waitForFinish`: either the caller sees `finished == g`
                // before it parks, or this load sees its flag and signals under the mutex.
                if callerParked.load(ordering: .sequentiallyConsistent) {
                    pthread_mutex_lock(mutex)
                    pthread_cond_signal(finishing)
                    pthread_mutex_unlock(mutex)
                }
            }
        }

        /// Spins for a generation other than `seen`, then parks; returns the generation.
        private func waitForPost(after seen: UInt32) -> UInt32 {
            let deadline = monotonicNanoseconds() &+ UInt64(GemmWorkers.spinNanoseconds.load(ordering: .relaxed))
            var spins = 0
            while true {
                let g = posted.load(ordering: .acquiring)
                if g != seen { return g }
                spins &+= 1
                if spins & 63 == 0 && monotonicNanoseconds() >= deadline { break }
            }
            pthread_mutex_lock(mutex)
            workerParked.store(true, ordering: .sequentiallyConsistent)
            var g = posted.load(ordering: .sequentiallyConsistent)
            while g == seen {
                pthread_cond_wait(posting, mutex)
                g = posted.load(ordering: .sequentiallyConsistent)
            }
            workerParked.store(false, ordering: .relaxed)
            pthread_mutex_unlock(mutex)
            return g
        }

        // MARK: Caller side (only the thread holding `Pool.busy`)

        /// Hands `part` to the worker as the next generation.
        func post(_ part: GemmPart) {
            self.part = part
            let g = posted.load(ordering: .relaxed) &+ 1
            postedAt = monotonicNanoseconds()
            posted.store(g, ordering: .sequentiallyConsistent)
            // Dekker pairing with `waitForPost`: either the worker sees `g` before it sleeps, or
            // this load sees its flag and the signal is sent once it waits (it holds the mutex
            // from raising the flag until `pthread_cond_wait` releases it).
            let parked = workerParked.load(ordering: .sequentiallyConsistent)
            postedToSpinningWorker = !parked
            if parked {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(posting)
                pthread_mutex_unlock(mutex)
            }
        }

        /// Returns once the part posted last is done: runs it here if the worker has not claimed
        /// it (and ``GemmWorkers/callerTakesUnstartedParts``), else waits for the worker (spin,
        /// then park).
        func complete() {
            let g = posted.load(ordering: .relaxed)  // this thread wrote it
            if GemmWorkers.takeBack.load(ordering: .relaxed)
                && claimed.compareExchange(expected: g &- 1, desired: g, ordering: .acquiringAndReleasing).exchanged
            {
                part!.run()
                return
            }
            waitForFinish(g)
            // The worker claimed the part: if it was spinning then, the delay measures the cores'
            // distance (`claimedAt` was stored before `finished`, which was loaded with acquire).
            if postedToSpinningWorker {
                GemmWorkers.recordHandoff(claimedAt.load(ordering: .relaxed) &- postedAt)
            }
        }

        /// Spins until `finished == g`, then parks.
        private func waitForFinish(_ g: UInt32) {
            let deadline = monotonicNanoseconds() &+ UInt64(GemmWorkers.spinNanoseconds.load(ordering: .relaxed))
            var spins = 0
            while true {
                if finished.load(ordering: .acquiring) == g { return }
                spins &+= 1
                if spins & 63 == 0 && monotonicNanoseconds() >= deadline { break }
            }
            pthread_mutex_lock(mutex)
            callerParked.store(true, ordering: .sequentiallyConsistent)
            while finished.load(ordering: .sequentiallyConsistent) != g {
                pthread_cond_wait(finishing, mutex)
            }
            callerParked.store(false, ordering: .relaxed)
            pthread_mutex_unlock(mutex)
        }
    }
}

/// One part of a split product, as a single-threaded `?gemm` call: `C ← α·op(A)·op(B) + β·C`
/// with raw pointers, row-major. The precision is the scalar type; α and β are stored as Double
/// (exact for Float). Holds no reference, so handing it to a worker allocates nothing.
struct GemmPart {
    let scalar: any BLASScalar.Type
    let transA: Bool
    let transB: Bool
    let m: Int32, n: Int32, k: Int32
    let alpha: Double
    let beta: Double
    let a: UnsafeRawPointer, lda: Int32
    let b: UnsafeRawPointer, ldb: Int32
    let c: UnsafeMutableRawPointer, ldc: Int32

    /// The call for `C ← α·A·B + β·C` on views whose shapes the caller has checked.
    init<T: BLASScalar>(
        alpha: T, _ a: MatrixView<T>, _ b: MatrixView<T>, beta: T, into c: MutableMatrixView<T>
    ) {
        scalar = T.self
        transA = a.isTransposed
        transB = b.isTransposed
        m = int32(c.rows, "gemm")
        n = int32(c.cols, "gemm")
        k = int32(a.cols, "gemm")
        self.alpha = Double(alpha)
        self.beta = Double(beta)
        self.a = UnsafeRawPointer(a.base)
        lda = int32(a.ld, "gemm")
        self.b = UnsafeRawPointer(b.base)
        ldb = int32(b.ld, "gemm")
        self.c = UnsafeMutableRawPointer(c.base)
        ldc = int32(c.ld, "gemm")
    }

    func run() { run(as: scalar) }

    private func run<T: BLASScalar>(as _: T.Type) {
        T.blasGEMM(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: T(alpha),
            a: a.assumingMemoryBound(to: T.self), lda: lda, b: b.assumingMemoryBound(to: T.self),
            ldb: ldb, beta: T(beta), c: c.assumingMemoryBound(to: T.self), ldc: ldc)
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds (vDSO: no system call, no allocation).
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}
