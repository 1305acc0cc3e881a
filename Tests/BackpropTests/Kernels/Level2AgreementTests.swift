import Backprop
import Testing

/// A random vector operand of length `length`: a row (stride 1) or a column (stride ld) of a
/// padded buffer, possibly seen through a transposed view.
func randomVectorOperand<T: BLASScalar>(
    length: Int, transposable: Bool, padding: T, using g: inout SeededGenerator,
    fill: (inout SeededGenerator) -> T
) -> PaddedOperand<T> {
    let asRow = KernelDraw.bool(using: &g)
    let transposed = transposable && KernelDraw.bool(using: &g)
    return PaddedOperand(
        rows: asRow ? 1 : length, cols: asRow ? length : 1, transposed: transposed,
        padding: padding, using: &g, fill: fill)
}

/// One random gemv problem `y ← α·op(A)·x + β·y`.
struct GEMVCase<T: BLASScalar> {
    let alpha: T
    let beta: T
    let a: PaddedOperand<T>
    let x: PaddedOperand<T>
    let y: PaddedOperand<T>
    var m: Int { a.rows }
    var n: Int { a.cols }

    init(using g: inout SeededGenerator, fill: (inout SeededGenerator) -> T) {
        let m = KernelDraw.size(using: &g)
        let n = KernelDraw.size(using: &g)
        alpha = KernelDraw.alpha(T.self, using: &g)
        beta = KernelDraw.beta(T.self, using: &g)
        a = PaddedOperand(
            rows: m, cols: n, transposed: KernelDraw.bool(using: &g), padding: .nan, using: &g,
            fill: fill)
        x = randomVectorOperand(length: n, transposable: true, padding: .nan, using: &g, fill: fill)
        let beta = beta
        y = randomVectorOperand(
            length: m, transposable: false, padding: 7777, using: &g,
            fill: { beta == 0 ? .nan : fill(&$0) })
    }

    func run(_ backend: Backend) -> PaddedOperand<T> {
        var out = y
        a.withView { av in
            x.withView { xv in
                out.withMutableView { yv in backend.gemv(alpha: alpha, av, xv, beta: beta, into: yv) }
            }
        }
        return out
    }

    /// `(α·Σ_j a_ij·x_j + β·y_i, |α|·Σ_j |a_ij·x_j| + |β·y_i|)` in binary64 (no β terms if β = 0).
    func reference(_ i: Int) -> (value: Double, magnitude: Double) {
        var sum = 0.0
        var abssum = 0.0
        for j in 0..<n {
            let t = Double(a[i, j]) * Double(x.vectorElement(j))
            sum += t
            abssum += abs(t)
        }
        var value = Double(alpha) * sum
        var magnitude = abs(Double(alpha)) * abssum
        if beta != 0 {
            let old = Double(y.vectorElement(i))
            value += Double(beta) * old
            magnitude += abs(Double(beta) * old)
        }
        return (value, magnitude)
    }

    var label: String {
        "m=\(m) n=\(n) transA=\(a.transposed) x \(x.rows)×\(x.cols)\(x.transposed ? "ᵀ" : "") y \(y.rows)×\(y.cols) α=\(alpha) β=\(beta)"
    }
}

/// gemv is gemm with one column: `|blas − naive| ≤ 2·γ_{n+2}·S_i` (see ``RoundingBound``); on
/// small integers the two are equal bit for bit (up to the sign of zero) and exact.
func checkGEMV<T: BLASScalar>(_: T.Type, cases: Int, exact: Bool, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var between = BoundCheck()
    var toReference = BoundCheck()
    var paddingTouched = 0
    var layouts = Set<[Bool]>()
    for _ in 0..<cases {
        let cs = GEMVCase<T>(using: &g) {
            exact ? KernelDraw.smallInteger(T.self, using: &$0) : KernelDraw.real(T.self, using: &$0)
        }
        let blas = cs.run(.blas)
        let naive = cs.run(.naive)
        if !blas.paddingIsIntact || !naive.paddingIsIntact { paddingTouched += 1 }
        let pair = exact ? 0 : 2 * RoundingBound.gamma(cs.n + 2, T.self)
        let single =
            exact ? 0 : RoundingBound.gamma(cs.n + 2, T.self) + RoundingBound.gamma(cs.n + 2, Double.self)
        for i in 0..<cs.m {
            let (value, s) = cs.reference(i)
            let (u, v) = (blas.vectorElement(i), naive.vectorElement(i))
            if exact {
                between.recordIdentical(u, v, label: "\(cs.label) [\(i)]")
            } else {
                between.record(Double(u), Double(v), bound: pair * s, label: "\(cs.label) [\(i)]")
            }
            toReference.record(Double(u), value, bound: single * s, label: "blas \(cs.label) [\(i)]")
            toReference.record(Double(v), value, bound: single * s, label: "naive \(cs.label) [\(i)]")
        }
        layouts.insert([cs.a.transposed, cs.x.rows == 1, cs.x.transposed, cs.y.rows == 1])
    }
    #expect(between.violations == 0, "blas vs naive: \(between)")
    #expect(toReference.violations == 0, "vs binary64: \(toReference)")
    #expect(paddingTouched == 0, "\(paddingTouched) cases wrote outside y")
    #expect(layouts.count == 16, "operand layouts covered: \(layouts.count) of 16")
    #expect(between.compared > 2_000)
}

/// One random ger problem `A ← α·x·yᵀ + A`.
struct GERCase<T: BLASScalar> {
    let alpha: T
    let x: PaddedOperand<T>
    let y: PaddedOperand<T>
    let a: PaddedOperand<T>

    init(using g: inout SeededGenerator, fill: (inout SeededGenerator) -> T) {
        let m = KernelDraw.size(using: &g)
        let n = KernelDraw.size(using: &g)
        alpha = KernelDraw.alpha(T.self, using: &g)
        x = randomVectorOperand(length: m, transposable: true, padding: .nan, using: &g, fill: fill)
        y = randomVectorOperand(length: n, transposable: true, padding: .nan, using: &g, fill: fill)
        a = PaddedOperand(rows: m, cols: n, transposed: false, padding: 7777, using: &g, fill: fill)
    }

    func run(_ backend: Backend) -> PaddedOperand<T> {
        var out = a
        x.withView { xv in
            y.withView { yv in out.withMutableView { av in backend.ger(alpha: alpha, xv, yv, into: av) } }
        }
        return out
    }

    var label: String { "m=\(a.rows) n=\(a.cols) α=\(alpha)" }
}

/// ger: each element is `α·x_i·y_j + a_ij`, one three-factor and one one-factor term, so each
/// backend is within `γ_3·(|α·x_i·y_j| + |a_ij|)` of the exact value (``RoundingBound`` with
/// k = 1), and the two within twice that.
func checkGER<T: BLASScalar>(_: T.Type, cases: Int, exact: Bool, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var between = BoundCheck()
    var toReference = BoundCheck()
    var paddingTouched = 0
    let pair = exact ? 0 : 2 * RoundingBound.gamma(3, T.self)
    let single = exact ? 0 : RoundingBound.gamma(3, T.self) + RoundingBound.gamma(3, Double.self)
    for _ in 0..<cases {
        let cs = GERCase<T>(using: &g) {
            exact ? KernelDraw.smallInteger(T.self, using: &$0) : KernelDraw.real(T.self, using: &$0)
        }
        let blas = cs.run(.blas)
        let naive = cs.run(.naive)
        if !blas.paddingIsIntact || !naive.paddingIsIntact { paddingTouched += 1 }
        for i in 0..<cs.a.rows {
            for j in 0..<cs.a.cols {
                let t = Double(cs.alpha) * Double(cs.x.vectorElement(i)) * Double(cs.y.vectorElement(j))
                let old = Double(cs.a[i, j])
                let s = abs(t) + abs(old)
                let label = "\(cs.label) (\(i),\(j))"
                if exact {
                    between.recordIdentical(blas[i, j], naive[i, j], label: label)
                } else {
                    between.record(Double(blas[i, j]), Double(naive[i, j]), bound: pair * s, label: label)
                }
                toReference.record(Double(blas[i, j]), t + old, bound: single * s, label: "blas \(label)")
                toReference.record(Double(naive[i, j]), t + old, bound: single * s, label: "naive \(label)")
            }
        }
    }
    #expect(between.violations == 0, "blas vs naive: \(between)")
    #expect(toReference.violations == 0, "vs binary64: \(toReference)")
    #expect(paddingTouched == 0, "\(paddingTouched) cases wrote outside A")
    #expect(between.compared > 10_000)
}

@Suite("Kernels: gemv and ger, blas vs naive")
struct Level2AgreementTests {
    @Test func gemvRandomRealsFloat() { checkGEMV(Float.self, cases: 600, exact: false, seed: 201) }
    @Test func gemvRandomRealsDouble() { checkGEMV(Double.self, cases: 600, exact: false, seed: 202) }
    @Test func gemvSmallIntegersFloat() { checkGEMV(Float.self, cases: 600, exact: true, seed: 203) }
    @Test func gemvSmallIntegersDouble() { checkGEMV(Double.self, cases: 600, exact: true, seed: 204) }
    @Test func gerRandomRealsFloat() { checkGER(Float.self, cases: 400, exact: false, seed: 205) }
    @Test func gerRandomRealsDouble() { checkGER(Double.self, cases: 400, exact: false, seed: 206) }
    @Test func gerSmallIntegersFloat() { checkGER(Float.self, cases: 400, exact: true, seed: 207) }
    @Test func gerSmallIntegersDouble() { checkGER(Double.self, cases: 400, exact: true, seed: 208) }
}
