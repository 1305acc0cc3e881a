import CBLAS
import CElementwise
import CLAPACKE
import RealModule

/// The one scalar protocol of Backprop: `Float` binds to the `s` routines of CBLAS/LAPACKE (and
/// the `_f32` elementwise kernels of `CElementwise`) and `Double` to the `d` routines (`_f64`).
///
/// Generic code (every algorithm in this package) calls these entry points once; there is never a
/// Float copy and a Double copy of an algorithm. The entry points are the raw, row-major CBLAS
/// calls: callers pass pointers, sizes and leading dimensions, and shape checking happens one
/// level up, in ``Backend``.
public protocol BLASScalar: BinaryFloatingPoint, Real, Sendable, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
    /// Short name of the precision: `"f32"` or `"f64"`.
    static var precisionName: String { get }
    /// The safetensors dtype name: `"F32"` or `"F64"`.
    static var dtypeName: String { get }

    /// `C ← α·op(A)·op(B) + β·C`, row-major (`?gemm`). `op(A)` is `m×k`, `op(B)` is `k×n`.
    static func blasGEMM(
        transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Self,
        a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)

    /// `y ← α·op(A)·x + β·y`, row-major (`?gemv`). `A` is stored `m×n`.
    static func blasGEMV(
        trans: Bool, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32,
        x: UnsafePointer<Self>, incx: Int32, beta: Self, y: UnsafeMutablePointer<Self>, incy: Int32)

    /// `A ← α·x·yᵀ + A`, row-major (`?ger`). `A` is `m×n`.
    static func blasGER(
        m: Int32, n: Int32, alpha: Self, x: UnsafePointer<Self>, incx: Int32,
        y: UnsafePointer<Self>, incy: Int32, a: UnsafeMutablePointer<Self>, lda: Int32)

    /// `y ← α·x + y` (`?axpy`).
    static func blasAXPY(
        n: Int32, alpha: Self, x: UnsafePointer<Self>, incx: Int32,
        y: UnsafeMutablePointer<Self>, incy: Int32)

    /// `x ← α·x` (`?scal`).
    static func blasSCAL(n: Int32, alpha: Self, x: UnsafeMutablePointer<Self>, incx: Int32)

    /// `xᵀy` (`?dot`).
    static func blasDOT(
        n: Int32, x: UnsafePointer<Self>, incx: Int32, y: UnsafePointer<Self>, incy: Int32) -> Self

    /// `‖x‖₂` (`?nrm2`).
    static func blasNRM2(n: Int32, x: UnsafePointer<Self>, incx: Int32) -> Self

    /// Eigenvalues (ascending) and optionally eigenvectors of a symmetric matrix
    /// (`LAPACKE_?syevd`, row-major, upper triangle). Returns LAPACK's `info`.
    static func lapackSYEVD(
        vectors: Bool, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
        w: UnsafeMutablePointer<Self>) -> Int32

    /// Singular values (descending) of an `m×n` matrix, no vectors (`LAPACKE_?gesdd`, jobz 'N',
    /// row-major). `a` is destroyed. Returns LAPACK's `info`.
    static func lapackGESDD(
        m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
        s: UnsafeMutablePointer<Self>) -> Int32

    /// Least-squares solution of `A·X = B` for full-rank `A` (`LAPACKE_?gels`, row-major). On exit
    /// the first `n` rows of `b` hold `X`. Returns LAPACK's `info`.
    static func lapackGELS(
        m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
        b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32

    /// `a[i] = tanh(z[i])` for `i < n` (`bp_tanh_f32`/`_f64`; method and accuracy on
    /// ``FastActivations``). `a` may be the same memory as `z`.
    static func elementwiseTanh(_ z: UnsafePointer<Self>, _ a: UnsafeMutablePointer<Self>, _ n: Int)

    /// `a[i] = σ(z[i]) = 1/(1 + e^{−z[i]})` for `i < n` (`bp_sigmoid_f32`/`_f64`). `a` may be the
    /// same memory as `z`.
    static func elementwiseSigmoid(_ z: UnsafePointer<Self>, _ a: UnsafeMutablePointer<Self>, _ n: Int)

    /// `Z ← Z + 1·b`, `A = tanh Z` for `rows × cols` contiguous `Z`, `A` (not overlapping) and a
    /// `1 × cols` bias, in one sweep (`bp_tanh_bias_f32`/`_f64`): a dense layer's forward pass
    /// after its gemm.
    static func elementwiseTanhBias(
        _ z: UnsafeMutablePointer<Self>, _ bias: UnsafePointer<Self>, _ a: UnsafeMutablePointer<Self>,
        _ rows: Int, _ cols: Int)

    /// `Z ← Z + 1·b`, `A = σ(Z)`, like ``elementwiseTanhBias(_:_:_:_:_:)`` (`bp_sigmoid_bias_*`).
    static func elementwiseSigmoidBias(
        _ z: UnsafeMutablePointer<Self>, _ bias: UnsafePointer<Self>, _ a: UnsafeMutablePointer<Self>,
        _ rows: Int, _ cols: Int)

    /// The backward pass of tanh from its output `A = tanh Z` (`rows × cols`, contiguous):
    /// `D = dA ⊙ (1 − A²)` and `columnSums = 1ᵀ·D` (overwritten), in one sweep
    /// (`bp_tanh_backward_f32`/`_f64`). The four buffers must not overlap.
    static func elementwiseTanhBackward(
        _ a: UnsafePointer<Self>, _ dA: UnsafePointer<Self>, _ d: UnsafeMutablePointer<Self>,
        _ columnSums: UnsafeMutablePointer<Self>, _ rows: Int, _ cols: Int)

    /// The backward pass of the sigmoid from its output `A = σ(Z)`: `D = dA ⊙ A(1 − A)` and
    /// `columnSums = 1ᵀ·D` (`bp_sigmoid_backward_f32`/`_f64`).
    static func elementwiseSigmoidBackward(
        _ a: UnsafePointer<Self>, _ dA: UnsafePointer<Self>, _ d: UnsafeMutablePointer<Self>,
        _ columnSums: UnsafeMutablePointer<Self>, _ rows: Int, _ cols: Int)
}

@inline(__always)
func lapackChar(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

extension Float: BLASScalar {
    public static var precisionName: String { "f32" }
    public static var dtypeName: String { "F32" }

    @inlinable @inline(__always)
    public static func blasGEMM(
        transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
        a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inlinable @inline(__always)
    public static func blasGEMV(
        trans: Bool, m: Int32, n: Int32, alpha: Float, a: UnsafePointer<Float>, lda: Int32,
        x: UnsafePointer<Float>, incx: Int32, beta: Float, y: UnsafeMutablePointer<Float>,
        incy: Int32
    ) {
        cblas_sgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, incx, beta,
            y, incy)
    }

    @inlinable @inline(__always)
    public static func blasGER(
        m: Int32, n: Int32, alpha: Float, x: UnsafePointer<Float>, incx: Int32,
        y: UnsafePointer<Float>, incy: Int32, a: UnsafeMutablePointer<Float>, lda: Int32
    ) {
        cblas_sger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda)
    }

    @inlinable @inline(__always)
    public static func blasAXPY(
        n: Int32, alpha: Float, x: UnsafePointer<Float>, incx: Int32,
        y: UnsafeMutablePointer<Float>, incy: Int32
    ) { cblas_saxpy(n, alpha, x, incx, y, incy) }

    @inlinable @inline(__always)
    public static func blasSCAL(n: Int32, alpha: Float, x: UnsafeMutablePointer<Float>, incx: Int32)
    { cblas_sscal(n, alpha, x, incx) }

    @inlinable @inline(__always)
    public static func blasDOT(
        n: Int32, x: UnsafePointer<Float>, incx: Int32, y: UnsafePointer<Float>, incy: Int32
    ) -> Float { cblas_sdot(n, x, incx, y, incy) }

    @inlinable @inline(__always)
    public static func blasNRM2(n: Int32, x: UnsafePointer<Float>, incx: Int32) -> Float {
        cblas_snrm2(n, x, incx)
    }

    public static func lapackSYEVD(
        vectors: Bool, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
        w: UnsafeMutablePointer<Float>
    ) -> Int32 {
        LAPACKE_ssyevd(
            LAPACK_ROW_MAJOR, lapackChar(vectors ? "V" : "N"), lapackChar("U"), n, a, lda, w)
    }

    public static func lapackGESDD(
        m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
        s: UnsafeMutablePointer<Float>
    ) -> Int32 {
        // LAPACKE 3.11 checks ldu/ldvt even for jobz 'N' in row-major: pass valid sizes.
        var u: Float = 0
        var vt: Float = 0
        return LAPACKE_sgesdd(
            LAPACK_ROW_MAJOR, lapackChar("N"), m, n, a, lda, s, &u, max(1, m), &vt, max(1, n))
    }

    public static func lapackGELS(
        m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
        b: UnsafeMutablePointer<Float>, ldb: Int32
    ) -> Int32 {
        LAPACKE_sgels(LAPACK_ROW_MAJOR, lapackChar("N"), m, n, nrhs, a, lda, b, ldb)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanh(_ z: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ n: Int) {
        bp_tanh_f32(z, a, n)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoid(_ z: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ n: Int) {
        bp_sigmoid_f32(z, a, n)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanhBias(
        _ z: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>,
        _ rows: Int, _ cols: Int
    ) {
        bp_tanh_bias_f32(z, bias, a, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoidBias(
        _ z: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>,
        _ rows: Int, _ cols: Int
    ) {
        bp_sigmoid_bias_f32(z, bias, a, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanhBackward(
        _ a: UnsafePointer<Float>, _ dA: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>,
        _ columnSums: UnsafeMutablePointer<Float>, _ rows: Int, _ cols: Int
    ) {
        bp_tanh_backward_f32(a, dA, d, columnSums, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoidBackward(
        _ a: UnsafePointer<Float>, _ dA: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>,
        _ columnSums: UnsafeMutablePointer<Float>, _ rows: Int, _ cols: Int
    ) {
        bp_sigmoid_backward_f32(a, dA, d, columnSums, rows, cols)
    }
}

extension Double: BLASScalar {
    public static var precisionName: String { "f64" }
    public static var dtypeName: String { "F64" }

    @inlinable @inline(__always)
    public static func blasGEMM(
        transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
        a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inlinable @inline(__always)
    public static func blasGEMV(
        trans: Bool, m: Int32, n: Int32, alpha: Double, a: UnsafePointer<Double>, lda: Int32,
        x: UnsafePointer<Double>, incx: Int32, beta: Double, y: UnsafeMutablePointer<Double>,
        incy: Int32
    ) {
        cblas_dgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, incx, beta,
            y, incy)
    }

    @inlinable @inline(__always)
    public static func blasGER(
        m: Int32, n: Int32, alpha: Double, x: UnsafePointer<Double>, incx: Int32,
        y: UnsafePointer<Double>, incy: Int32, a: UnsafeMutablePointer<Double>, lda: Int32
    ) {
        cblas_dger(CblasRowMajor, m, n, alpha, x, incx, y, incy, a, lda)
    }

    @inlinable @inline(__always)
    public static func blasAXPY(
        n: Int32, alpha: Double, x: UnsafePointer<Double>, incx: Int32,
        y: UnsafeMutablePointer<Double>, incy: Int32
    ) { cblas_daxpy(n, alpha, x, incx, y, incy) }

    @inlinable @inline(__always)
    public static func blasSCAL(
        n: Int32, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int32
    ) { cblas_dscal(n, alpha, x, incx) }

    @inlinable @inline(__always)
    public static func blasDOT(
        n: Int32, x: UnsafePointer<Double>, incx: Int32, y: UnsafePointer<Double>, incy: Int32
    ) -> Double { cblas_ddot(n, x, incx, y, incy) }

    @inlinable @inline(__always)
    public static func blasNRM2(n: Int32, x: UnsafePointer<Double>, incx: Int32) -> Double {
        cblas_dnrm2(n, x, incx)
    }

    public static func lapackSYEVD(
        vectors: Bool, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
        w: UnsafeMutablePointer<Double>
    ) -> Int32 {
        LAPACKE_dsyevd(
            LAPACK_ROW_MAJOR, lapackChar(vectors ? "V" : "N"), lapackChar("U"), n, a, lda, w)
    }

    public static func lapackGESDD(
        m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
        s: UnsafeMutablePointer<Double>
    ) -> Int32 {
        var u: Double = 0
        var vt: Double = 0
        return LAPACKE_dgesdd(
            LAPACK_ROW_MAJOR, lapackChar("N"), m, n, a, lda, s, &u, max(1, m), &vt, max(1, n))
    }

    public static func lapackGELS(
        m: Int32, n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
        b: UnsafeMutablePointer<Double>, ldb: Int32
    ) -> Int32 {
        LAPACKE_dgels(LAPACK_ROW_MAJOR, lapackChar("N"), m, n, nrhs, a, lda, b, ldb)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanh(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int) {
        bp_tanh_f64(z, a, n)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoid(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int) {
        bp_sigmoid_f64(z, a, n)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanhBias(
        _ z: UnsafeMutablePointer<Double>, _ bias: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>,
        _ rows: Int, _ cols: Int
    ) {
        bp_tanh_bias_f64(z, bias, a, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoidBias(
        _ z: UnsafeMutablePointer<Double>, _ bias: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>,
        _ rows: Int, _ cols: Int
    ) {
        bp_sigmoid_bias_f64(z, bias, a, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseTanhBackward(
        _ a: UnsafePointer<Double>, _ dA: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>,
        _ columnSums: UnsafeMutablePointer<Double>, _ rows: Int, _ cols: Int
    ) {
        bp_tanh_backward_f64(a, dA, d, columnSums, rows, cols)
    }

    @inlinable @inline(__always)
    public static func elementwiseSigmoidBackward(
        _ a: UnsafePointer<Double>, _ dA: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>,
        _ columnSums: UnsafeMutablePointer<Double>, _ rows: Int, _ cols: Int
    ) {
        bp_sigmoid_backward_f64(a, dA, d, columnSums, rows, cols)
    }
}
