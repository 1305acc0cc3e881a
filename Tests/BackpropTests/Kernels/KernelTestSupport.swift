import Backprop
import Testing

// Shared helpers of the kernel tests: operands stored inside larger, padded buffers (so every
// kernel sees `ld > cols`, sub-matrix offsets and strided vectors), and the rounding-error bound
// that the two backends are compared with.

/// A logical `rows × cols` operand stored as a window of a larger row-major buffer.
///
/// The buffer is `bigRows × bigCols`; the stored window starts at `(rowOffset, colOffset)` and is
/// `storedRows × storedCols` (the logical shape, swapped when `transposed`). Everything outside
/// the window holds `padding` (NaN for inputs, so that a kernel reading outside its view shows up
/// as a NaN result; a sentinel for outputs, so that a stray write shows up).
struct PaddedOperand<T: BLASScalar> {
    var storage: [T]
    let bigRows: Int
    let bigCols: Int
    let rowOffset: Int
    let colOffset: Int
    let rows: Int
    let cols: Int
    let transposed: Bool
    /// How the view is built (0: `submatrix` of the whole buffer, then `.transposed`;
    /// 1: `submatrix` of the transposed buffer view; 2: `MatrixView(_:rows:cols:ld:transposed:)`).
    let viewPath: Int
    let padding: T

    var storedRows: Int { transposed ? cols : rows }
    var storedCols: Int { transposed ? rows : cols }

    /// A random layout for a logical `rows × cols` operand; `fill` draws each window element.
    init(
        rows: Int, cols: Int, transposed: Bool, padding: T, using g: inout SeededGenerator,
        fill: (inout SeededGenerator) -> T
    ) {
        self.rows = rows
        self.cols = cols
        self.transposed = transposed
        self.padding = padding
        let sr = transposed ? cols : rows
        let sc = transposed ? rows : cols
        rowOffset = Int.random(in: 0...2, using: &g)
        colOffset = Int.random(in: 0...2, using: &g)
        bigRows = max(1, rowOffset + sr + Int.random(in: 0...1, using: &g))
        bigCols = max(1, colOffset + sc + Int.random(in: 0...3, using: &g))
        viewPath = transposed ? Int.random(in: 0...2, using: &g) : [0, 2].randomElement(using: &g)!
        storage = Array(repeating: padding, count: bigRows * bigCols)
        for i in 0..<sr {
            for j in 0..<sc { storage[(rowOffset + i) * bigCols + colOffset + j] = fill(&g) }
        }
    }

    /// Index into `storage` of logical element `(i, j)`.
    func index(_ i: Int, _ j: Int) -> Int {
        let (si, sj) = transposed ? (j, i) : (i, j)
        return (rowOffset + si) * bigCols + colOffset + sj
    }

    /// Logical element `(i, j)`.
    subscript(i: Int, j: Int) -> T {
        get { storage[index(i, j)] }
        set { storage[index(i, j)] = newValue }
    }

    /// Logical element `k` of a vector operand (one row or one column).
    func vectorElement(_ k: Int) -> T { rows == 1 ? self[0, k] : self[k, 0] }

    /// Calls `body` with the read-only logical view of the window.
    func withView<R>(_ body: (MatrixView<T>) -> R) -> R {
        storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let whole = MatrixView(base, rows: bigRows, cols: bigCols)
            let (sr, sc) = (storedRows, storedCols)
            let view: MatrixView<T>
            switch viewPath {
            case 0:
                let window = whole.submatrix(
                    rows: rowOffset..<(rowOffset + sr), cols: colOffset..<(colOffset + sc))
                view = transposed ? window.transposed : window
            case 1:
                view = whole.transposed.submatrix(
                    rows: colOffset..<(colOffset + sc), cols: rowOffset..<(rowOffset + sr))
            default:
                view = MatrixView(
                    base + rowOffset * bigCols + colOffset, rows: sr, cols: sc, ld: bigCols,
                    transposed: transposed)
            }
            #expect(view.rows == rows && view.cols == cols && view.isTransposed == transposed)
            return body(view)
        }
    }

    /// Calls `body` with the writable view of the window (outputs are never transposed).
    mutating func withMutableView<R>(_ body: (MutableMatrixView<T>) -> R) -> R {
        precondition(!transposed, "outputs are untransposed")
        let (r0, c0, sr, sc, bc, br, path) = (
            rowOffset, colOffset, storedRows, storedCols, bigCols, bigRows, viewPath
        )
        return storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let view =
                path == 0
                ? MutableMatrixView(base, rows: br, cols: bc).submatrix(
                    rows: r0..<(r0 + sr), cols: c0..<(c0 + sc))
                : MutableMatrixView(base + r0 * bc + c0, rows: sr, cols: sc, ld: bc)
            return body(view)
        }
    }

    /// Whether every element outside the window still holds `padding` (bit for bit).
    var paddingIsIntact: Bool {
        var inside = Array(repeating: false, count: storage.count)
        for i in 0..<rows { for j in 0..<cols { inside[index(i, j)] = true } }
        return storage.indices.allSatisfy {
            inside[$0] || storage[$0].bitPattern == padding.bitPattern
        }
    }

    /// The logical elements, row by row.
    var logicalElements: [T] {
        (0..<rows).flatMap { i in (0..<cols).map { j in self[i, j] } }
    }
}

extension BLASScalar {
    /// The raw bits, widened to 64 (for bit-for-bit comparisons, including NaN and signed zero).
    var bitPattern: UInt64 {
        if let f = self as? Float { return UInt64(f.bitPattern) }
        return (self as! Double).bitPattern
    }

    /// The raw bits, with −0 read as +0 (the sign of an exact zero depends on evaluation order).
    var bitPatternIgnoringZeroSign: UInt64 { (self == 0 ? Self.zero : self).bitPattern }
}

/// The rounding-error bound the backends are compared with.
///
/// Standard result (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1): a sum of
/// `t` terms, each a product of at most `f` factors, evaluated in floating point in *any* order
/// (with or without fused multiply-add) satisfies
///
///     |fl(Σ terms) − Σ terms| ≤ γ_{(t−1)+(f−1)} · Σ |terms|,   γ_n = n·u / (1 − n·u),  u = ε/2,
///
/// where ε is the machine epsilon of the precision (`ulpOfOne`) and the formula assumes no
/// underflow or overflow (our operands are O(1)).
///
/// gemm: `c_ij ← α·Σ_p a_ip·b_pj + β·c_ij` is a sum of `k` three-factor terms and one two-factor
/// term, so `t − 1 + f − 1 = k + 2` and each backend is within `γ_{k+2}·S_ij` of the exact value,
/// with `S_ij = |α|·Σ_p |a_ip·b_pj| + |β·c_ij|`. Two backends differ by at most the sum of their
/// errors:
///
///     |blas_ij − naive_ij| ≤ 2·γ_{k+2}·S_ij.
///
/// The same formula covers gemv (`k` = number of columns of A), ger (`k = 1`: `α·x_i·y_j + a_ij`)
/// and axpy (`k = 1`: `α·x_i + y_i`, slightly conservative). dot is `k` two-factor terms:
/// `γ_k`. `S_ij` is evaluated in binary64 from the exact operands; its own relative rounding
/// error (≤ γ_{k+1} in binary64) is far below the slack of the bound.
enum RoundingBound {
    /// `γ_n = n·u / (1 − n·u)` with `u = ε/2` of `T`.
    static func gamma<T: BLASScalar>(_ n: Int, _: T.Type) -> Double {
        let nu = Double(n) * Double(T.ulpOfOne) / 2
        precondition(nu < 1, "γ_n undefined for n·u ≥ 1")
        return nu / (1 - nu)
    }
}

/// The outcome of comparing two results element by element against per-element bounds.
struct BoundCheck: CustomStringConvertible {
    var compared = 0
    var violations = 0
    /// Largest `|x − y| / bound` (0/0 counts as 0; a nonzero difference under a zero bound as ∞).
    var worstRatio = 0.0
    var firstViolation: String?

    /// Records `|x − y| ≤ bound` for element `label`. NaN on either side is a violation.
    mutating func record(_ x: Double, _ y: Double, bound: Double, label: @autoclosure () -> String) {
        compared += 1
        let diff = abs(x - y)
        let ok = diff <= bound  // false for NaN
        let ratio = diff == 0 ? 0 : (bound > 0 ? diff / bound : .infinity)
        worstRatio = max(worstRatio, ratio.isNaN ? .infinity : ratio)
        if !ok {
            violations += 1
            if firstViolation == nil {
                firstViolation = "\(label()): \(x) vs \(y), |diff| \(diff) > bound \(bound)"
            }
        }
    }

    /// Records that `x` and `y` are identical bit for bit, up to the sign of an exact zero.
    mutating func recordIdentical<T: BLASScalar>(_ x: T, _ y: T, label: @autoclosure () -> String) {
        compared += 1
        if x.bitPatternIgnoringZeroSign != y.bitPatternIgnoringZeroSign {
            violations += 1
            worstRatio = .infinity
            if firstViolation == nil { firstViolation = "\(label()): \(x) vs \(y) differ in bits" }
        }
    }

    var description: String {
        "\(violations)/\(compared) outside the bound, worst |diff|/bound \(worstRatio)"
            + (firstViolation.map { "; first: \($0)" } ?? "")
    }
}

/// Draws that the kernel tests share.
enum KernelDraw {
    /// Sizes, weighted towards the edge cases 0 and 1.
    static let sizes = [0, 1, 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 33, 48]

    static func size(using g: inout SeededGenerator) -> Int { sizes.randomElement(using: &g)! }

    /// A uniform real in [−1, 1].
    static func real<T: BLASScalar>(_: T.Type, using g: inout SeededGenerator) -> T {
        T.random(in: -1...1, using: &g)
    }

    /// A small integer in [−4, 4]: products and sums of these stay exact in Float and Double.
    static func smallInteger<T: BLASScalar>(_: T.Type, using g: inout SeededGenerator) -> T {
        T(Int.random(in: -4...4, using: &g))
    }

    /// α values used in the tests (including 0 and non-unit values).
    static func alpha<T: BLASScalar>(_: T.Type, using g: inout SeededGenerator) -> T {
        [T(1), T(-1), T(2), T(0.5), T(-1.5), T(0)].randomElement(using: &g)!
    }

    /// β values used in the tests; 0 is drawn often because it changes the semantics (C unread).
    static func beta<T: BLASScalar>(_: T.Type, using g: inout SeededGenerator) -> T {
        [T(0), T(0), T(1), T(-1), T(0.5), T(2)].randomElement(using: &g)!
    }

    static func bool(using g: inout SeededGenerator) -> Bool { Bool.random(using: &g) }
}
