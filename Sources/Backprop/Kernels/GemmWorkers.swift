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
/// **Handoff, without allocation.** Every worker has one job slot (a ``GemmPart``: raw pointers,
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
/// **Determinism.** Which thread runs a part never changes the part's bounds, so a product is
/// bit-identical run to run; when the pool is busy (another thread is using it) the caller runs
/// all parts itself, in the same partition.
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

    /// The most parts a split product can have in this process: the online cores, at most 64
    /// (the pool has one worker fewer). Does not create the pool.
    public static let maximumParts: Int = min(64, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    // MARK: State

    static let pool = Pool()
    static let poolExists = Atomic<Bool>(false)
    static let partsByWorkers = Atomic<Int>(0)
    static let spinNanoseconds = Atomic<Int>(200_000)
    static let takeBack = Atomic<Bool>(true)

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
        // @unchecked Sendable: `part` is the only mutable non-atomic state. The caller (the one
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
            posted.store(g, ordering: .sequentiallyConsistent)
            // Dekker pairing with `waitForPost`: either the worker sees `g` before it sleeps, or
            // this load sees its flag and the signal is sent once it waits (it holds the mutex
            // from raising the flag until `pthread_cond_wait` releases it).
            if workerParked.load(ordering: .sequentiallyConsistent) {
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
