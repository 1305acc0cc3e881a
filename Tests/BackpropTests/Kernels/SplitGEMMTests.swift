import Backprop
import Foundation
import Testing

/// Runs `cs` through ``GemmWorkers/gemm(alpha:_:_:beta:into:parts:)`` and returns C afterwards
/// (window and padding).
func runSplit<T: BLASScalar>(_ cs: GEMMCase<T>, parts: Int) -> PaddedOperand<T> {
    var out = cs.c
    cs.a.withView { av in
        cs.b.withView { bv in
            out.withMutableView { cv in
                GemmWorkers.gemm(alpha: cs.alpha, av, bv, beta: cs.beta, into: cv, parts: parts)
            }
        }
    }
    return out
}

/// Runs `cs` block by block on this thread: each block of `GemmPartition(m:n:parts:)` as its own
/// one-part product on sub-views (what the split computes, whichever thread runs a block).
func runBlockwise<T: BLASScalar>(_ cs: GEMMCase<T>, parts: Int) -> PaddedOperand<T> {
    var out = cs.c
    let partition = GemmPartition(m: cs.m, n: cs.n, parts: min(parts, GemmWorkers.maximumParts))
    cs.a.withView { av in
        cs.b.withView { bv in
            out.withMutableView { cv in
                for i in 0..<partition.parts {
                    let r = partition.range(i)
                    if partition.splitsRows {
                        GemmWorkers.gemm(
                            alpha: cs.alpha, av.submatrix(rows: r, cols: 0..<av.cols), bv, beta: cs.beta,
                            into: cv.submatrix(rows: r, cols: 0..<cv.cols), parts: 1)
                    } else {
                        GemmWorkers.gemm(
                            alpha: cs.alpha, av, bv.submatrix(rows: 0..<bv.rows, cols: r), beta: cs.beta,
                            into: cv.submatrix(rows: 0..<cv.rows, cols: r), parts: 1)
                    }
                }
            }
        }
    }
    return out
}

/// Whether two results are identical bit for bit, padding included.
func bitIdentical<T: BLASScalar>(_ x: PaddedOperand<T>, _ y: PaddedOperand<T>) -> Bool {
    x.storage.count == y.storage.count
        && zip(x.storage, y.storage).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// Sizes around the split's limits: below two parts (< 32), exactly two parts of 16, not
/// multiples of 16, and larger.
enum SplitDraw {
    static let extents = [1, 15, 31, 32, 33, 47, 48, 50, 64, 71, 100, 130]
    static let depths = [0, 1, 7, 40, 129]
}

/// Random real operands over the split's edge sizes, transposes, strided views and β: the split
/// product is within `2·γ_{k+2}·S_ij` of the unsplit BLAS product and of the naive loops, each
/// within the binary64 bound, never touches the padding (β = 0 leaves NaN in C: any read shows),
/// is bit-identical on a second call and to the same blocks computed one by one on this thread.
func checkSplitWithinBound<T: BLASScalar>(_: T.Type, cases: Int, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var toUnsplit = BoundCheck()
    var toNaive = BoundCheck()
    var toReference = BoundCheck()
    var unused = BoundCheck()
    var paddingTouched = 0
    var notDeterministic: [String] = []
    var notBlockwise: [String] = []
    var seen = Set<[Bool]>()
    for c in 0..<cases {
        let m = SplitDraw.extents.randomElement(using: &g)!
        let n = SplitDraw.extents.randomElement(using: &g)!
        let k = SplitDraw.depths.randomElement(using: &g)!
        let cs = GEMMCase<T>(m: m, n: n, k: k, using: &g) { KernelDraw.real(T.self, using: &$0) }
        let parts = c % 3 == 0 ? 3 : 2  // 3 is capped at the cores (2 here)
        let split = runSplit(cs, parts: parts)
        let unsplit = cs.run(.blas)
        let naive = cs.run(.naive)
        if !split.paddingIsIntact { paddingTouched += 1 }
        recordGEMMBound(cs, blas: split, naive: unsplit, between: &toUnsplit, toReference: &unused)
        recordGEMMBound(cs, blas: split, naive: naive, between: &toNaive, toReference: &toReference)
        if !bitIdentical(split, runSplit(cs, parts: parts)) { notDeterministic.append(cs.label) }
        if !bitIdentical(split, runBlockwise(cs, parts: parts)) { notBlockwise.append(cs.label) }
        let partition = GemmPartition(m: m, n: n, parts: min(parts, GemmWorkers.maximumParts))
        if partition.parts > 1 { seen.insert([cs.a.transposed, cs.b.transposed, cs.beta == 0, partition.splitsRows]) }
    }
    #expect(toUnsplit.violations == 0, "split vs unsplit: \(toUnsplit)")
    #expect(toNaive.violations == 0, "split vs naive: \(toNaive)")
    #expect(toReference.violations == 0, "vs binary64: \(toReference)")
    #expect(paddingTouched == 0, "\(paddingTouched) cases wrote outside C's window")
    #expect(notDeterministic.isEmpty, "second call differs: \(notDeterministic.prefix(3))")
    #expect(notBlockwise.isEmpty, "differs from its blocks: \(notBlockwise.prefix(3))")
    // Both split directions with every transpose combination and β = 0 / β ≠ 0.
    #expect(seen.count == 16, "\(seen.count) combinations")
    #expect(toNaive.compared > 50_000)
}

/// Small-integer operands (every sum exact): the split product equals the exact value bit for
/// bit (up to the sign of an exact zero), like the unsplit one.
func checkSplitExact<T: BLASScalar>(_: T.Type, cases: Int, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var exact = BoundCheck()
    for _ in 0..<cases {
        let m = SplitDraw.extents.randomElement(using: &g)!
        let n = SplitDraw.extents.randomElement(using: &g)!
        let k = SplitDraw.depths.randomElement(using: &g)!
        let cs = GEMMCase<T>(m: m, n: n, k: k, using: &g) { KernelDraw.smallInteger(T.self, using: &$0) }
        let split = runSplit(cs, parts: 2)
        let unsplit = cs.run(.blas)
        for i in 0..<m {
            for j in 0..<n {
                exact.recordIdentical(split[i, j], unsplit[i, j], label: "\(cs.label) (\(i),\(j))")
                exact.record(Double(split[i, j]), cs.reference(i, j).value, bound: 0, label: "exact \(cs.label) (\(i),\(j))")
            }
        }
    }
    #expect(exact.violations == 0, "\(exact)")
    #expect(exact.compared > 50_000)
}

@Suite("Kernels: split gemm on the GemmWorkers")
struct SplitGEMMTests {
    @Test func partitionIsContiguousAlignedAndNeverBelowSixteen() {
        var checked = 0
        for m in [0, 1, 15, 16, 31, 32, 33, 47, 48, 63, 64, 65, 100, 128, 129, 784, 1000, 1024] {
            for n in [0, 1, 10, 16, 32, 33, 256, 1024] {
                for requested in [0, 1, 2, 3, 4, 7, 64] {
                    let p = GemmPartition(m: m, n: n, parts: requested)
                    #expect(p == GemmPartition(m: m, n: n, parts: requested))  // a pure function
                    #expect(p.splitsRows == (m >= n))
                    #expect(p.extent == (m >= n ? m : n))
                    #expect(p.parts == max(1, min(requested, p.extent / 16)), "m=\(m) n=\(n) p=\(requested)")
                    var next = 0
                    for i in 0..<p.parts {
                        let r = p.range(i)
                        #expect(r.lowerBound == next && r.lowerBound % 16 == 0)
                        if p.parts > 1 { #expect(r.count >= 16, "m=\(m) n=\(n) p=\(requested) part \(i): \(r)") }
                        next = r.upperBound
                        checked += 1
                    }
                    #expect(next == p.extent)
                }
            }
        }
        #expect(checked > 1000)
        // The shapes of a 784-256-256-10 step: 784 rows in 384 + 400, 128 rows in 64 + 64.
        #expect(GemmPartition(m: 784, n: 256, parts: 2).range(0) == 0..<384)
        #expect(GemmPartition(m: 128, n: 256, parts: 2).range(1) == 128..<256)
    }

    @Test func withinRoundingBoundAndDeterministicFloat() { checkSplitWithinBound(Float.self, cases: 160, seed: 601) }
    @Test func withinRoundingBoundAndDeterministicDouble() { checkSplitWithinBound(Double.self, cases: 160, seed: 602) }
    @Test func smallIntegersExactFloat() { checkSplitExact(Float.self, cases: 60, seed: 603) }
    @Test func smallIntegersExactDouble() { checkSplitExact(Double.self, cases: 60, seed: 604) }

    /// The bound catches a wrong partition: a split whose blocks overlap by one row (the second
    /// block computed from one row too early) fails it.
    @Test func boundCatchesAMisplacedBlock() {
        var g = SeededGenerator(seed: 605)
        let cs = GEMMCase<Double>(m: 64, n: 20, k: 30, alpha: 1, beta: 0, using: &g) { KernelDraw.real(Double.self, using: &$0) }
        var wrong = cs.c
        cs.a.withView { av in
            cs.b.withView { bv in
                wrong.withMutableView { cv in
                    Backend.blas.gemm(av.submatrix(rows: 0..<32, cols: 0..<30), bv, into: cv.submatrix(rows: 0..<32, cols: 0..<20))
                    Backend.blas.gemm(av.submatrix(rows: 31..<63, cols: 0..<30), bv, into: cv.submatrix(rows: 32..<64, cols: 0..<20))
                }
            }
        }
        var caught = BoundCheck()
        var unused = BoundCheck()
        recordGEMMBound(cs, blas: wrong, naive: cs.run(.naive), between: &caught, toReference: &unused)
        #expect(caught.violations > 32 * 20 * 9 / 10, "\(caught)")
    }

    /// 10 000 consecutive split products with every block handed to its worker (callers do not
    /// take parts back), with pauses longer than the spin so that the worker parks and must be
    /// woken: all complete (no lost wake-up, no deadlock), the workers ran the parts (and the
    /// handoff was measured), the result is right, and the idle worker parks.
    @Test(.timeLimit(.minutes(2)))
    func manySmallProductsCompleteAndTheWorkerParks() throws {
        try #require(GemmWorkers.workerCount >= 1, "needs two cores")
        let a = Matrix<Float>.random(rows: 32, cols: 24, in: -1...1, seed: 606)
        let b = Matrix<Float>.random(rows: 24, cols: 20, in: -1...1, seed: 607)
        var split = Matrix<Float>(rows: 32, cols: 20)
        var reference = Matrix<Float>(rows: 32, cols: 20)
        // The two blocks of 16 rows, each as one call on this thread.
        a.withView { av in
            b.withView { bv in
                reference.withMutableView { cv in
                    for r in [0..<16, 16..<32] {
                        GemmWorkers.gemm(av.submatrix(rows: r, cols: 0..<24), bv, into: cv.submatrix(rows: r, cols: 0..<20), parts: 1)
                    }
                }
            }
        }
        let before = GemmWorkers.partsRunByWorkers
        GemmWorkers.callerTakesUnstartedParts = false
        defer { GemmWorkers.callerTakesUnstartedParts = true }
        var wrong = 0
        a.withView { av in
            b.withView { bv in
                split.withMutableView { cv in
                    for call in 0..<10_000 {
                        if call % 500 == 499 { usleep(UInt32(2 * GemmWorkers.spinMicroseconds + 1000)) }
                        GemmWorkers.gemm(alpha: 1, av, bv, beta: 0, into: cv, parts: 2)
                        if call % 1000 == 0 && cv[31, 19] != reference[31, 19] { wrong += 1 }
                    }
                }
            }
        }
        #expect(wrong == 0)
        #expect(split == reference)  // bit for bit: the same two blocks
        // Nearly all parts ran on a worker (a few may have run on this thread while another test
        // held the pool).
        #expect(GemmWorkers.partsRunByWorkers - before >= 9_000)
        // Parts posted to a spinning worker measured the handoff.
        #expect(GemmWorkers.handoffNanoseconds > 0)
        // Idle longer than the spin: every worker parks.
        var waited = 0
        while GemmWorkers.parkedWorkerCount < GemmWorkers.workerCount && waited < 5_000 {
            usleep(1000)
            waited += 1
        }
        #expect(GemmWorkers.parkedWorkerCount == GemmWorkers.workerCount)
    }

    /// `A·B` by `Backend.blas.gemm` inside `calls` training-step scopes whose largest product is
    /// huge (so that the policy splits), each result sorted by its bits: equal to the product's
    /// blocks (``GemmWorkers/gemm(alpha:_:_:beta:into:parts:)`` with the step's parts), equal to
    /// the unsplit product, or neither. (The thread policy is process-wide: when another test's
    /// step has just set OpenBLAS to one thread, this step sees one thread and does not split; so
    /// "unsplit" is a legitimate outcome, "neither" never is.)
    static func stepProducts<T: BLASScalar>(
        _ a: Matrix<T>, _ b: Matrix<T>, calls: Int
    ) -> (blocks: Int, unsplit: Int, neither: Int, first: Matrix<T>) {
        let parts = BLASThreads.stepThreads(multiplyAdds: Int.max, backend: .blas, openBLASThreads: 2).splitParts
        var blocks = Matrix<T>(rows: a.rows, cols: b.cols)
        var unsplit = Matrix<T>(rows: a.rows, cols: b.cols)
        var tally = (blocks: 0, unsplit: 0, neither: 0, first: blocks)
        a.withView { av in
            b.withView { bv in
                blocks.withMutableView { GemmWorkers.gemm(av, bv, into: $0, parts: parts) }
                unsplit.withMutableView { GemmWorkers.gemm(av, bv, into: $0, parts: 1) }
                for call in 0..<calls {
                    var c = Matrix<T>(rows: a.rows, cols: b.cols)
                    BLASThreads.withStepPolicy(multiplyAdds: Int.max, backend: .blas) {
                        c.withMutableView { Backend.blas.gemm(av, bv, into: $0) }
                    }
                    if call == 0 { tally.first = c }
                    if c == blocks { tally.blocks += 1 } else if c == unsplit { tally.unsplit += 1 } else { tally.neither += 1 }
                }
            }
        }
        return tally
    }

    /// Products inside a step under the split policy go through the split: the same bits as the
    /// blocks (or, when another test had OpenBLAS on one thread at that moment, as the unsplit
    /// product), and within the rounding bound of the naive product.
    @Test func backendSplitsInsideASplitStep() {
        let a = Matrix<Double>.random(rows: 200, cols: 150, in: -1...1, seed: 608)
        let b = Matrix<Double>.random(rows: 150, cols: 90, in: -1...1, seed: 609)
        #expect(200 * 150 * 90 >= BLASThreads.splitProductsFrom)
        let t = Self.stepProducts(a, b, calls: 50)
        #expect(t.neither == 0, "\(t.neither) of 50 results are neither the blocks nor the unsplit product")
        if BLASThreads.stepThreading == .split && GemmWorkers.maximumParts > 1 {
            #expect(t.blocks > 0, "no step split its product (\(t.unsplit) unsplit)")
        }
        let naive = Backend.naive.matmul(a, b)
        let bound = 2 * RoundingBound.gamma(152, Double.self) * 150
        #expect(zip(t.first.elements, naive.elements).allSatisfy { abs($0 - $1) <= bound })
    }

    /// The distance gate of a split step (``GemmWorkers/distantHandoffNanoseconds``) only decides
    /// which thread runs a block, never the blocks: with the cores counted as near (threshold ∞)
    /// and as distant (threshold 0, so that products below ``BLASThreads/distantSplitProductsFrom``
    /// run on the calling thread) a step's product has the bits of its blocks.
    @Test func distanceGateKeepsTheBits() {
        let a = Matrix<Float>.random(rows: 160, cols: 100, in: -1...1, seed: 610)
        let b = Matrix<Float>.random(rows: 100, cols: 70, in: -1...1, seed: 611)
        #expect(160 * 100 * 70 >= BLASThreads.splitProductsFrom)
        #expect(160 * 100 * 70 < BLASThreads.distantSplitProductsFrom)
        let saved = GemmWorkers.distantHandoffNanoseconds
        defer { GemmWorkers.distantHandoffNanoseconds = saved }
        GemmWorkers.distantHandoffNanoseconds = Int.max
        let near = Self.stepProducts(a, b, calls: 200)
        GemmWorkers.distantHandoffNanoseconds = 0
        let distant = Self.stepProducts(a, b, calls: 200)
        #expect(near.neither == 0 && distant.neither == 0, "near \(near.neither), distant \(distant.neither) results are neither the blocks nor the unsplit product")
        if BLASThreads.stepThreading == .split && GemmWorkers.maximumParts > 1 {
            #expect(near.blocks > 0 && distant.blocks > 0, "near \(near.blocks), distant \(distant.blocks) of 200 split")
        }
    }
}
