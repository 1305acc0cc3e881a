import Backprop
import Testing

/// One random gemm problem `C ← α·op(A)·op(B) + β·C` with padded, possibly transposed operands.
struct GEMMCase<T: BLASScalar> {
    let alpha: T
    let beta: T
    let a: PaddedOperand<T>
    let b: PaddedOperand<T>
    let c: PaddedOperand<T>
    var m: Int { c.rows }
    var n: Int { c.cols }
    var k: Int { a.cols }

    /// Random shapes (0 and 1 included), transpose flags, layouts, α and β. With β = 0 the window
    /// of C is NaN: BLAS semantics say C is not read, so any NaN in the result is a bug.
    init(
        m: Int? = nil, n: Int? = nil, k: Int? = nil, alpha: T? = nil, beta: T? = nil,
        using g: inout SeededGenerator, fill: (inout SeededGenerator) -> T
    ) {
        let m = m ?? KernelDraw.size(using: &g)
        let n = n ?? KernelDraw.size(using: &g)
        let k = k ?? KernelDraw.size(using: &g)
        self.alpha = alpha ?? KernelDraw.alpha(T.self, using: &g)
        self.beta = beta ?? KernelDraw.beta(T.self, using: &g)
        a = PaddedOperand(
            rows: m, cols: k, transposed: KernelDraw.bool(using: &g), padding: .nan, using: &g,
            fill: fill)
        b = PaddedOperand(
            rows: k, cols: n, transposed: KernelDraw.bool(using: &g), padding: .nan, using: &g,
            fill: fill)
        let beta = self.beta
        c = PaddedOperand(
            rows: m, cols: n, transposed: false, padding: 7777, using: &g,
            fill: { beta == 0 ? .nan : fill(&$0) })
    }

    /// Runs the case on `backend` and returns C afterwards (window and padding).
    func run(_ backend: Backend) -> PaddedOperand<T> {
        var out = c
        a.withView { av in
            b.withView { bv in
                out.withMutableView { cv in backend.gemm(alpha: alpha, av, bv, beta: beta, into: cv) }
            }
        }
        return out
    }

    /// `(exact value, S_ij)` in binary64: `α·Σ_p a_ip·b_pj + β·c_ij` and
    /// `|α|·Σ_p |a_ip·b_pj| + |β·c_ij|` (the β terms are absent when β = 0: C is not read).
    func reference(_ i: Int, _ j: Int) -> (value: Double, magnitude: Double) {
        var sum = 0.0
        var abssum = 0.0
        for p in 0..<k {
            let t = Double(a[i, p]) * Double(b[p, j])
            sum += t
            abssum += abs(t)
        }
        var value = Double(alpha) * sum
        var magnitude = abs(Double(alpha)) * abssum
        if beta != 0 {
            value += Double(beta) * Double(c[i, j])
            magnitude += abs(Double(beta) * Double(c[i, j]))
        }
        return (value, magnitude)
    }

    var label: String {
        "m=\(m) n=\(n) k=\(k) transA=\(a.transposed) transB=\(b.transposed) α=\(alpha) β=\(beta)"
    }
}

/// Compares `blas` and `naive` results of `cs` against the rounding bound (see ``RoundingBound``):
/// `|blas − naive| ≤ 2·γ_{k+2}·S_ij`, and each backend against the binary64 value within
/// `(γ_{k+2}(T) + γ_{k+2}(binary64))·S_ij` (the binary64 evaluation is itself a summation with
/// that bound).
func recordGEMMBound<T: BLASScalar>(
    _ cs: GEMMCase<T>, blas: PaddedOperand<T>, naive: PaddedOperand<T>,
    between: inout BoundCheck, toReference: inout BoundCheck
) {
    let pair = 2 * RoundingBound.gamma(cs.k + 2, T.self)
    let single = RoundingBound.gamma(cs.k + 2, T.self) + RoundingBound.gamma(cs.k + 2, Double.self)
    for i in 0..<cs.m {
        for j in 0..<cs.n {
            let (value, s) = cs.reference(i, j)
            let x = Double(blas[i, j])
            let y = Double(naive[i, j])
            between.record(x, y, bound: pair * s, label: "\(cs.label) (\(i),\(j))")
            toReference.record(x, value, bound: single * s, label: "blas \(cs.label) (\(i),\(j))")
            toReference.record(y, value, bound: single * s, label: "naive \(cs.label) (\(i),\(j))")
        }
    }
}

/// Random real operands: both backends agree within the rounding bound, never touch the
/// padding, and never read C when β = 0.
func checkGEMMWithinBound<T: BLASScalar>(_: T.Type, cases: Int, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var between = BoundCheck()
    var toReference = BoundCheck()
    var paddingTouched = 0
    var transposeCombinations = Set<[Bool]>()
    for _ in 0..<cases {
        let cs = GEMMCase<T>(using: &g) { KernelDraw.real(T.self, using: &$0) }
        let blas = cs.run(.blas)
        let naive = cs.run(.naive)
        if !blas.paddingIsIntact || !naive.paddingIsIntact { paddingTouched += 1 }
        recordGEMMBound(cs, blas: blas, naive: naive, between: &between, toReference: &toReference)
        transposeCombinations.insert([cs.a.transposed, cs.b.transposed, cs.beta == 0])
    }
    #expect(between.violations == 0, "blas vs naive: \(between)")
    #expect(toReference.violations == 0, "vs binary64: \(toReference)")
    #expect(paddingTouched == 0, "\(paddingTouched) cases wrote outside C's window")
    // The draw really covered every transpose combination with and without β = 0.
    #expect(transposeCombinations.count == 8)
    #expect(between.compared > 10_000)
}

/// Small-integer operands: every product and partial sum is an integer below 2²⁴, and α, β are
/// halves and units, so both backends must agree bit for bit and equal the exact value.
///
/// "Bit for bit" is up to the sign of an exact zero: IEEE 754 makes it depend on the evaluation
/// order (naive computes `α·0` = −0 for α = −1 where OpenBLAS accumulates into +0; with α = 0,
/// OpenBLAS only scales C, giving `−1·0` = −0 where naive's `0·s + β·c` gives +0). Both are the
/// exact value 0.
func checkGEMMExact<T: BLASScalar>(_: T.Type, cases: Int, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var bitMismatches = 0
    var valueMismatches = 0
    var compared = 0
    var firstMismatch: String?
    for _ in 0..<cases {
        let cs = GEMMCase<T>(using: &g) { KernelDraw.smallInteger(T.self, using: &$0) }
        let blas = cs.run(.blas)
        let naive = cs.run(.naive)
        #expect(blas.paddingIsIntact && naive.paddingIsIntact, "\(cs.label)")
        for i in 0..<cs.m {
            for j in 0..<cs.n {
                compared += 1
                let exact = cs.reference(i, j).value
                if blas[i, j].bitPatternIgnoringZeroSign != naive[i, j].bitPatternIgnoringZeroSign {
                    bitMismatches += 1
                    firstMismatch = firstMismatch ?? "\(cs.label) (\(i),\(j)): blas \(blas[i, j]) naive \(naive[i, j])"
                }
                if Double(blas[i, j]) != exact || Double(naive[i, j]) != exact {
                    valueMismatches += 1
                    firstMismatch = firstMismatch ?? "\(cs.label) (\(i),\(j)): exact \(exact), blas \(blas[i, j]), naive \(naive[i, j])"
                }
            }
        }
    }
    #expect(bitMismatches == 0, "\(firstMismatch ?? "")")
    #expect(valueMismatches == 0, "\(firstMismatch ?? "")")
    #expect(compared > 10_000)
}

/// The bound is not vacuous: it is tiny relative to the magnitudes, a result perturbed by 10⁻³
/// of the magnitude scale fails it everywhere, and a realistic bug (the last term of every sum
/// dropped, i.e. an off-by-one in the k loop) fails it almost everywhere.
func checkGEMMBoundDetectsErrors<T: BLASScalar>(_: T.Type, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    let (m, n, k) = (24, 20, 40)
    let cs = GEMMCase<T>(m: m, n: n, k: k, alpha: -1.5, beta: 0.5, using: &g) {
        KernelDraw.real(T.self, using: &$0)
    }
    let relative = 2 * RoundingBound.gamma(k + 2, T.self)
    #expect(relative < 1e-4, "2γ_{k+2} = \(relative) is not small")

    let blas = cs.run(.blas)
    let naive = cs.run(.naive)
    var honest = BoundCheck()
    var unused = BoundCheck()
    recordGEMMBound(cs, blas: blas, naive: naive, between: &honest, toReference: &unused)
    #expect(honest.violations == 0, "\(honest)")

    // 1. Perturb every element by 10⁻³·S_ij.
    var perturbed = blas
    for i in 0..<m {
        for j in 0..<n { perturbed[i, j] += T(1e-3 * cs.reference(i, j).magnitude) }
    }
    var caught = BoundCheck()
    recordGEMMBound(cs, blas: perturbed, naive: naive, between: &caught, toReference: &unused)
    #expect(caught.violations == m * n, "\(caught)")

    // 2. The same product with the last term of every dot product missing (A's last column and
    //    B's last row cut off through sub-matrix views).
    var truncated = cs.c
    cs.a.withView { av in
        cs.b.withView { bv in
            truncated.withMutableView { cv in
                Backend.naive.gemm(
                    alpha: cs.alpha, av.submatrix(rows: 0..<m, cols: 0..<(k - 1)),
                    bv.submatrix(rows: 0..<(k - 1), cols: 0..<n), beta: cs.beta, into: cv)
            }
        }
    }
    var offByOne = BoundCheck()
    recordGEMMBound(cs, blas: blas, naive: truncated, between: &offByOne, toReference: &unused)
    #expect(offByOne.violations > m * n * 9 / 10, "\(offByOne)")
}

/// Every output width 1…40 at inner dimension 64 and 16, so that untransposed products with a
/// narrow tail (computed as a gemm over the leading columns plus one gemv per tail column, see
/// `SmallGemmTail`) and one-column/one-row outputs (gemv) are all compared with naive.
func checkGEMMOutputWidths<T: BLASScalar>(_: T.Type, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var between = BoundCheck()
    var toReference = BoundCheck()
    var untransposed = 0
    for n in 1...40 {
        for (m, k) in [(7, 64), (33, 16), (1, 64)] {
            for _ in 0..<3 {
                let cs = GEMMCase<T>(m: m, n: n, k: k, using: &g) { KernelDraw.real(T.self, using: &$0) }
                if !cs.a.transposed && !cs.b.transposed { untransposed += 1 }
                let blas = cs.run(.blas)
                #expect(blas.paddingIsIntact, "\(cs.label): wrote outside C's window")
                recordGEMMBound(cs, blas: blas, naive: cs.run(.naive), between: &between, toReference: &toReference)
            }
        }
    }
    #expect(between.violations == 0, "blas vs naive: \(between)")
    #expect(toReference.violations == 0, "vs binary64: \(toReference)")
    #expect(untransposed > 60)
}

@Suite("Kernels: gemm, blas vs naive")
struct GEMMAgreementTests {
    @Test func randomRealsWithinRoundingBoundFloat() {
        checkGEMMWithinBound(Float.self, cases: 400, seed: 101)
    }
    @Test func randomRealsWithinRoundingBoundDouble() {
        checkGEMMWithinBound(Double.self, cases: 400, seed: 102)
    }
    @Test func everyOutputWidthFloat() { checkGEMMOutputWidths(Float.self, seed: 117) }
    @Test func everyOutputWidthDouble() { checkGEMMOutputWidths(Double.self, seed: 118) }
    @Test func smallIntegersBitForBitFloat() { checkGEMMExact(Float.self, cases: 300, seed: 103) }
    @Test func smallIntegersBitForBitDouble() { checkGEMMExact(Double.self, cases: 300, seed: 104) }
    @Test func boundCatchesPerturbationsFloat() {
        for seed in 105...110 { checkGEMMBoundDetectsErrors(Float.self, seed: UInt64(seed)) }
    }
    @Test func boundCatchesPerturbationsDouble() {
        for seed in 111...116 { checkGEMMBoundDetectsErrors(Double.self, seed: UInt64(seed)) }
    }
}
