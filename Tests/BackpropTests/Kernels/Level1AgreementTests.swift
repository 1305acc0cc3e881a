import Backprop
import Testing

// Level-1 kernels (axpy, scal, dot, nrm2) on strided vectors (rows, columns, transposed views of
// padded buffers) and on whole contiguous matrices, blas vs naive.

/// axpy: `y_i ← α·x_i + y_i` is a two-factor and a one-factor term, so each backend is within
/// `γ_2·(|α·x_i| + |y_i|)` of the exact value (``RoundingBound``) and the two within twice that.
/// scal: `x_i ← α·x_i` is one correctly rounded product, identical on both backends.
func checkAXPYAndSCAL<T: BLASScalar>(_: T.Type, cases: Int, exact: Bool, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var axpy = BoundCheck()
    var scal = BoundCheck()
    var paddingTouched = 0
    let bound = exact ? 0 : 2 * RoundingBound.gamma(2, T.self)
    for _ in 0..<cases {
        let draw: (inout SeededGenerator) -> T = {
            exact ? KernelDraw.smallInteger(T.self, using: &$0) : KernelDraw.real(T.self, using: &$0)
        }
        let length = KernelDraw.size(using: &g) * 3
        let alpha = KernelDraw.alpha(T.self, using: &g)
        let y = randomVectorOperand(
            length: length, transposable: false, padding: 7777, using: &g, fill: draw)
        let x = PaddedOperand(
            rows: y.rows, cols: y.cols, transposed: KernelDraw.bool(using: &g), padding: .nan,
            using: &g, fill: draw)
        var results: [PaddedOperand<T>] = []
        var scaled: [PaddedOperand<T>] = []
        for backend in [Backend.blas, .naive] {
            var out = y
            x.withView { xv in out.withMutableView { backend.axpy(alpha: alpha, xv, into: $0) } }
            results.append(out)
            var s = y
            s.withMutableView { backend.scal(alpha: alpha, $0) }
            scaled.append(s)
            if !out.paddingIsIntact || !s.paddingIsIntact { paddingTouched += 1 }
        }
        for k in 0..<length {
            let (xk, yk) = (x.vectorElement(k), y.vectorElement(k))
            let s = abs(Double(alpha) * Double(xk)) + abs(Double(yk))
            let (u, v) = (results[0].vectorElement(k), results[1].vectorElement(k))
            if exact {
                axpy.recordIdentical(u, v, label: "axpy n=\(length) α=\(alpha) [\(k)]")
            } else {
                axpy.record(Double(u), Double(v), bound: bound * s, label: "axpy n=\(length) [\(k)]")
            }
            scal.recordIdentical(
                scaled[0].vectorElement(k), scaled[1].vectorElement(k), label: "scal α=\(alpha) [\(k)]")
            scal.recordIdentical(scaled[0].vectorElement(k), alpha * yk, label: "scal vs α·y [\(k)]")
        }
    }
    #expect(axpy.violations == 0, "axpy: \(axpy)")
    #expect(scal.violations == 0, "scal: \(scal)")
    #expect(paddingTouched == 0)
    #expect(axpy.compared > 5_000)
}

/// dot: `Σ_k x_k·y_k` is `n` two-factor terms: each backend within `γ_n·Σ|x_k·y_k|`, the two
/// within twice that. nrm2: the naive backend computes `L·√(Σ (x_k/L)²)` with `L = max|x_k|`: a
/// division and a square per term, `n − 1` additions, a square root and a product, so its relative
/// error is at most `γ_{n+2} + 2u ≤ γ_{n+4}`; OpenBLAS accumulates in wider precision and is
/// well inside the same bound, so the two differ by at most `2·γ_{n+4}·‖x‖`.
func checkDOTAndNRM2<T: BLASScalar>(_: T.Type, cases: Int, exact: Bool, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var dot = BoundCheck()
    var nrm2 = BoundCheck()
    for _ in 0..<cases {
        let draw: (inout SeededGenerator) -> T = {
            exact ? KernelDraw.smallInteger(T.self, using: &$0) : KernelDraw.real(T.self, using: &$0)
        }
        let length = KernelDraw.size(using: &g) * 3
        let x = randomVectorOperand(length: length, transposable: true, padding: .nan, using: &g, fill: draw)
        let y = PaddedOperand(
            rows: x.rows, cols: x.cols, transposed: KernelDraw.bool(using: &g), padding: .nan,
            using: &g, fill: draw)
        let dots = Backend.allCases.map { backend in
            x.withView { xv in y.withView { yv in backend.dot(xv, yv) } }
        }
        let norms = Backend.allCases.map { backend in x.withView { backend.nrm2($0) } }
        var abssum = 0.0
        var sumsq = 0.0
        for k in 0..<length {
            abssum += abs(Double(x.vectorElement(k)) * Double(y.vectorElement(k)))
            sumsq += Double(x.vectorElement(k)) * Double(x.vectorElement(k))
        }
        if exact {
            dot.recordIdentical(dots[0], dots[1], label: "dot n=\(length)")
        } else {
            dot.record(
                Double(dots[0]), Double(dots[1]),
                bound: 2 * RoundingBound.gamma(max(1, length), T.self) * abssum, label: "dot n=\(length)")
        }
        nrm2.record(
            Double(norms[0]), Double(norms[1]),
            bound: 2 * RoundingBound.gamma(length + 4, T.self) * sumsq.squareRoot(),
            label: "nrm2 n=\(length)")
    }
    #expect(dot.violations == 0, "dot: \(dot)")
    #expect(nrm2.violations == 0, "nrm2: \(nrm2)")
    #expect(dot.compared == cases)
}

/// Whole contiguous matrices (not vectors) through the matrix-level API.
func checkLevel1OnMatrices<T: BLASScalar>(_: T.Type, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    for _ in 0..<20 {
        let (r, c) = (Int.random(in: 2...40, using: &g), Int.random(in: 2...40, using: &g))
        let x = Matrix<T>.random(rows: r, cols: c, in: -1...1, using: &g)
        let y = Matrix<T>.random(rows: r, cols: c, in: -1...1, using: &g)
        let alpha = T(-1.5)
        var sums: [Matrix<T>] = []
        var scaled: [Matrix<T>] = []
        for backend in Backend.allCases {
            var s = y
            backend.axpy(alpha: alpha, x, into: &s)
            sums.append(s)
            var t = x
            backend.scale(&t, by: alpha)
            scaled.append(t)
        }
        #expect(scaled[0] == scaled[1])
        #expect(scaled[0] == x.map { alpha * $0 })
        var check = BoundCheck()
        for k in 0..<(r * c) {
            let s = abs(Double(alpha) * Double(x.elements[k])) + abs(Double(y.elements[k]))
            check.record(
                Double(sums[0].elements[k]), Double(sums[1].elements[k]),
                bound: 2 * RoundingBound.gamma(2, T.self) * s, label: "axpy [\(k)]")
        }
        let abssum = zip(x.elements, y.elements).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        check.record(
            Double(Backend.blas.dot(x, y)), Double(Backend.naive.dot(x, y)),
            bound: 2 * RoundingBound.gamma(r * c, T.self) * abssum, label: "dot \(r)×\(c)")
        let norm = x.elements.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        check.record(
            Double(Backend.blas.norm(x)), Double(Backend.naive.norm(x)),
            bound: 2 * RoundingBound.gamma(r * c + 4, T.self) * norm, label: "norm \(r)×\(c)")
        #expect(check.violations == 0, "\(check)")
    }
}

/// nrm2 on vectors whose norm is exact: `L·√(Σ (x_k/L)²)` is exact when `L` is a power of two.
func checkNRM2Exact<T: BLASScalar>(_: T.Type) {
    let vectors: [([T], T)] = [
        ([3, 4], 5), ([1, 2, 2], 3), ([-2, 4, -4], 6), ([1, 4, 8], 9), ([4, 8, 8], 12),
        ([0, 0, 0], 0), ([], 0), ([-7], 7),
    ]
    for (v, expected) in vectors {
        for backend in Backend.allCases {
            #expect(backend.norm(Matrix(row: v)) == expected, "\(backend) ‖\(v)‖")
            #expect(backend.norm(Matrix(column: v)) == expected, "\(backend) ‖\(v)ᵀ‖")
        }
    }
}

@Suite("Kernels: axpy, scal, dot, nrm2, blas vs naive")
struct Level1AgreementTests {
    @Test func axpyScalRandomRealsFloat() { checkAXPYAndSCAL(Float.self, cases: 300, exact: false, seed: 301) }
    @Test func axpyScalRandomRealsDouble() { checkAXPYAndSCAL(Double.self, cases: 300, exact: false, seed: 302) }
    @Test func axpyScalSmallIntegersFloat() { checkAXPYAndSCAL(Float.self, cases: 300, exact: true, seed: 303) }
    @Test func axpyScalSmallIntegersDouble() { checkAXPYAndSCAL(Double.self, cases: 300, exact: true, seed: 304) }
    @Test func dotNrm2RandomRealsFloat() { checkDOTAndNRM2(Float.self, cases: 300, exact: false, seed: 305) }
    @Test func dotNrm2RandomRealsDouble() { checkDOTAndNRM2(Double.self, cases: 300, exact: false, seed: 306) }
    @Test func dotSmallIntegersFloat() { checkDOTAndNRM2(Float.self, cases: 300, exact: true, seed: 307) }
    @Test func dotSmallIntegersDouble() { checkDOTAndNRM2(Double.self, cases: 300, exact: true, seed: 308) }
    @Test func contiguousMatricesFloat() { checkLevel1OnMatrices(Float.self, seed: 309) }
    @Test func contiguousMatricesDouble() { checkLevel1OnMatrices(Double.self, seed: 310) }
    @Test func nrm2ExactFloat() { checkNRM2Exact(Float.self) }
    @Test func nrm2ExactDouble() { checkNRM2Exact(Double.self) }
}
