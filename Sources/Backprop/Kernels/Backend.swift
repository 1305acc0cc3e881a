/// Where the matrix products run: OpenBLAS through CBLAS, or plain Swift loops.
///
/// Every part of Backprop that multiplies matrices (layers, backpropagation, autodiff, training)
/// takes a `Backend`, so a whole training run can be repeated on the other one by changing this one
/// setting. `naive` is the reference: obviously-correct loops that the tests compare `blas` against.
///
/// Kernels check shapes once per call and trap with a message naming the operation and both
/// shapes, in release builds too (a shape mismatch is a programmer error, never a silent result).
public enum Backend: String, CaseIterable, Sendable, Codable {
    /// OpenBLAS (`cblas_?gemm`, `?gemv`, `?ger`, …) from Debian's `libopenblas-dev`.
    case blas
    /// Plain Swift loops, no BLAS: the reference implementation.
    case naive
}

/// Stops the program with a shape-mismatch message. Used by every kernel.
@usableFromInline
func shapeMismatch(_ operation: String, _ detail: String) -> Never {
    fatalError("\(operation): shape mismatch: \(detail)")
}

@inlinable @inline(__always)
func int32(_ n: Int, _ operation: String) -> Int32 {
    if n > Int(Int32.max) { dimensionTooLarge(n, operation) }
    return Int32(truncatingIfNeeded: n)
}

@usableFromInline @inline(never)
func dimensionTooLarge(_ n: Int, _ operation: String) -> Never {
    fatalError("\(operation): dimension \(n) exceeds CBLAS's Int32 range")
}

extension Backend {
    // MARK: Level 3

    /// `C ← α·A·B + β·C` (gemm). `A` is `m×k`, `B` is `k×n`, `C` is `m×n`; `A` and `B` may be
    /// transposed views (passed to BLAS as transpose flags). With `β = 0`, `C` is not read.
    @inlinable
    public func gemm<T: BLASScalar>(
        alpha: T = 1, _ a: MatrixView<T>, _ b: MatrixView<T>, beta: T = 0,
        into c: MutableMatrixView<T>
    ) {
        if a.cols != b.rows || a.rows != c.rows || b.cols != c.cols {
            shapeMismatch(
                "gemm", "A is \(a.shapeDescription), B is \(b.shapeDescription), C is \(c.shapeDescription); need A m×k, B k×n, C m×n")
        }
        switch self {
        case .blas:
            if c.rows == 0 || c.cols == 0 { return }
            // A matrix-vector product goes to gemv: OpenBLAS's gemm takes 2–3× longer for one
            // output column (64×16 by 16×1: 340 ns vs 150 ns).
            if c.cols == 1 && a.cols > 0 {
                gemv(alpha: alpha, a, b, beta: beta, into: c)  // c = α·op(A)·b + β·c
                return
            }
            if c.rows == 1 && a.cols > 0 {
                gemv(alpha: alpha, b.transposed, a, beta: beta, into: c)  // cᵀ = α·op(B)ᵀ·aᵀ + β·cᵀ
                return
            }
            // Inside a step under `BLASThreads.StepThreading.split`, a large product is split
            // across the GemmWorkers (one single-threaded OpenBLAS call per block).
            let parts = BLASThreads.splitParts(m: c.rows, n: c.cols, k: a.cols)
            if parts > 1 {
                GemmWorkers.splitGEMM(alpha: alpha, a, b, beta: beta, into: c, parts: parts, gated: true)
                return
            }
            // Tail columns that would make OpenBLAS's small-matrix kernel allocate: by gemv.
            let tail = SmallGemmTail.columns(
                T.self, m: c.rows, n: c.cols, k: a.cols, transposedA: a.isTransposed,
                transposedB: b.isTransposed)
            if tail > 0 && a.cols > 0 {
                let lead = c.cols - tail
                if lead > 0 {
                    gemm(
                        alpha: alpha, a, b.submatrix(rows: 0..<b.rows, cols: 0..<lead), beta: beta,
                        into: c.submatrix(rows: 0..<c.rows, cols: 0..<lead))
                }
                for j in lead..<c.cols {
                    gemv(
                        alpha: alpha, a, b.submatrix(rows: 0..<b.rows, cols: j..<(j + 1)), beta: beta,
                        into: c.submatrix(rows: 0..<c.rows, cols: j..<(j + 1)))
                }
                return
            }
            T.blasGEMM(
                transA: a.isTransposed, transB: b.isTransposed,
                m: int32(c.rows, "gemm"), n: int32(c.cols, "gemm"), k: int32(a.cols, "gemm"),
                alpha: alpha, a: a.base, lda: int32(a.ld, "gemm"), b: b.base,
                ldb: int32(b.ld, "gemm"), beta: beta, c: c.base, ldc: int32(c.ld, "gemm"))
        case .naive:
            NaiveKernels.gemm(alpha: alpha, a, b, beta: beta, into: c)
        }
    }

    // MARK: Level 2

    /// `y ← α·A·x + β·y` (gemv). `A` is `m×n` (may be a transposed view), `x` a vector of length
    /// `n`, `y` a vector of length `m`. With `β = 0`, `y` is not read.
    @inlinable
    public func gemv<T: BLASScalar>(
        alpha: T = 1, _ a: MatrixView<T>, _ x: MatrixView<T>, beta: T = 0,
        into y: MutableMatrixView<T>
    ) {
        if !x.isVector || !y.isVector || a.cols != x.length || a.rows != y.length {
            shapeMismatch(
                "gemv", "A is \(a.shapeDescription), x is \(x.shapeDescription), y is \(y.shapeDescription); need A m×n, x of length n, y of length m")
        }
        switch self {
        case .blas:
            if a.rows == 0 { return }
            if a.cols == 0 {
                // Reference BLAS returns early for n = 0 without applying β in some builds.
                NaiveKernels.scale(beta, y)
                return
            }
            T.blasGEMV(
                trans: a.isTransposed, m: int32(a.storedRows, "gemv"),
                n: int32(a.storedCols, "gemv"), alpha: alpha, a: a.base, lda: int32(a.ld, "gemv"),
                x: x.base, incx: int32(x.stride, "gemv"), beta: beta, y: y.base,
                incy: int32(y.stride, "gemv"))
        case .naive:
            NaiveKernels.gemv(alpha: alpha, a, x, beta: beta, into: y)
        }
    }

    /// `A ← α·x·yᵀ + A` (ger, rank-1 update). `x` has length `m`, `y` length `n`, `A` is `m×n`.
    @inlinable
    public func ger<T: BLASScalar>(
        alpha: T = 1, _ x: MatrixView<T>, _ y: MatrixView<T>, into a: MutableMatrixView<T>
    ) {
        if !x.isVector || !y.isVector || x.length != a.rows || y.length != a.cols {
            shapeMismatch(
                "ger", "x is \(x.shapeDescription), y is \(y.shapeDescription), A is \(a.shapeDescription); need x of length m, y of length n, A m×n")
        }
        switch self {
        case .blas:
            if a.rows == 0 || a.cols == 0 { return }
            T.blasGER(
                m: int32(a.rows, "ger"), n: int32(a.cols, "ger"), alpha: alpha, x: x.base,
                incx: int32(x.stride, "ger"), y: y.base, incy: int32(y.stride, "ger"),
                a: a.base, lda: int32(a.ld, "ger"))
        case .naive:
            NaiveKernels.ger(alpha: alpha, x, y, into: a)
        }
    }

    // MARK: Level 1 (vectors: one row, one column, or a whole contiguous matrix)

    /// `y ← α·x + y` (axpy). `x` and `y` have the same shape.
    @inlinable
    public func axpy<T: BLASScalar>(alpha: T, _ x: MatrixView<T>, into y: MutableMatrixView<T>) {
        if x.rows != y.rows || x.cols != y.cols {
            shapeMismatch("axpy", "x is \(x.shapeDescription), y is \(y.shapeDescription); need equal shapes")
        }
        let (n, incx) = x.flat("axpy")
        let (_, incy) = y.flat("axpy")
        switch self {
        case .blas:
            if n == 0 { return }
            T.blasAXPY(n: int32(n, "axpy"), alpha: alpha, x: x.base, incx: int32(incx, "axpy"),
                       y: y.base, incy: int32(incy, "axpy"))
        case .naive:
            NaiveKernels.axpy(alpha: alpha, x, into: y)
        }
    }

    /// `x ← α·x` (scal).
    @inlinable
    public func scal<T: BLASScalar>(alpha: T, _ x: MutableMatrixView<T>) {
        let (n, inc) = x.flat("scal")
        switch self {
        case .blas:
            if n == 0 { return }
            T.blasSCAL(n: int32(n, "scal"), alpha: alpha, x: x.base, incx: int32(inc, "scal"))
        case .naive:
            NaiveKernels.scale(alpha, x)
        }
    }

    /// `xᵀy` (dot): the sum of elementwise products of two equally shaped operands.
    @inlinable
    public func dot<T: BLASScalar>(_ x: MatrixView<T>, _ y: MatrixView<T>) -> T {
        if x.rows != y.rows || x.cols != y.cols {
            shapeMismatch("dot", "x is \(x.shapeDescription), y is \(y.shapeDescription); need equal shapes")
        }
        let (n, incx) = x.flat("dot")
        let (_, incy) = y.flat("dot")
        switch self {
        case .blas:
            if n == 0 { return 0 }
            return T.blasDOT(n: int32(n, "dot"), x: x.base, incx: int32(incx, "dot"), y: y.base,
                             incy: int32(incy, "dot"))
        case .naive:
            return NaiveKernels.dot(x, y)
        }
    }

    /// `‖x‖₂` (nrm2), the Euclidean norm of all elements.
    @inlinable
    public func nrm2<T: BLASScalar>(_ x: MatrixView<T>) -> T {
        let (n, inc) = x.flat("nrm2")
        switch self {
        case .blas:
            if n == 0 { return 0 }
            return T.blasNRM2(n: int32(n, "nrm2"), x: x.base, incx: int32(inc, "nrm2"))
        case .naive:
            return NaiveKernels.nrm2(x)
        }
    }
}

extension MatrixView {
    /// `(count, inc)` for a level-1 call: a vector, or a whole contiguous matrix.
    @inlinable
    func flat(_ operation: String) -> (Int, Int) {
        if isVector { return (length, stride) }
        if !isTransposed && ld == storedCols { return (rows * cols, 1) }
        shapeMismatch(operation, "operand \(shapeDescription) with ld \(ld) is neither a vector nor contiguous")
    }
}

extension MutableMatrixView {
    /// `(count, inc)` for a level-1 call: a vector, or a whole contiguous matrix.
    @inlinable
    func flat(_ operation: String) -> (Int, Int) {
        if isVector { return (length, stride) }
        if ld == cols { return (rows * cols, 1) }
        shapeMismatch(operation, "operand \(shapeDescription) with ld \(ld) is neither a vector nor contiguous")
    }
}
