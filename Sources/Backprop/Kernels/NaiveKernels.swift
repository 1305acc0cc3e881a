import RealModule

/// The reference backend: plain loops over logical indices, written to be obviously correct, not
/// fast. Shapes are checked by ``Backend`` before these run. Semantics follow BLAS exactly,
/// including "β = 0 means the output is not read" and "α = 0 means the inputs are not read".
@usableFromInline
enum NaiveKernels {
    /// `C ← α·A·B + β·C`.
    @inlinable
    static func gemm<T: BLASScalar>(
        alpha: T, _ a: MatrixView<T>, _ b: MatrixView<T>, beta: T, into c: MutableMatrixView<T>
    ) {
        for i in 0..<c.rows {
            for j in 0..<c.cols {
                var sum: T = 0
                if alpha != 0 {
                    for p in 0..<a.cols { sum += a[i, p] * b[p, j] }
                }
                c[i, j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i, j]
            }
        }
    }

    /// `y ← α·A·x + β·y`.
    @inlinable
    static func gemv<T: BLASScalar>(
        alpha: T, _ a: MatrixView<T>, _ x: MatrixView<T>, beta: T, into y: MutableMatrixView<T>
    ) {
        for i in 0..<a.rows {
            var sum: T = 0
            if alpha != 0 {
                for j in 0..<a.cols { sum += a[i, j] * x.base[j * x.stride] }
            }
            let old = y.base[i * y.stride]
            y.base[i * y.stride] = beta == 0 ? alpha * sum : alpha * sum + beta * old
        }
    }

    /// `A ← α·x·yᵀ + A`.
    @inlinable
    static func ger<T: BLASScalar>(
        alpha: T, _ x: MatrixView<T>, _ y: MatrixView<T>, into a: MutableMatrixView<T>
    ) {
        if alpha == 0 { return }
        for i in 0..<a.rows {
            for j in 0..<a.cols {
                a[i, j] += alpha * x.base[i * x.stride] * y.base[j * y.stride]
            }
        }
    }

    /// `y ← α·x + y` over all elements of equally shaped operands.
    @inlinable
    static func axpy<T: BLASScalar>(alpha: T, _ x: MatrixView<T>, into y: MutableMatrixView<T>) {
        if alpha == 0 { return }
        for i in 0..<y.rows { for j in 0..<y.cols { y[i, j] += alpha * x[i, j] } }
    }

    /// `x ← α·x`.
    @inlinable
    static func scale<T: BLASScalar>(_ alpha: T, _ x: MutableMatrixView<T>) {
        for i in 0..<x.rows { for j in 0..<x.cols { x[i, j] = alpha == 0 ? 0 : alpha * x[i, j] } }
    }

    /// `Σ x_ij·y_ij`.
    @inlinable
    static func dot<T: BLASScalar>(_ x: MatrixView<T>, _ y: MatrixView<T>) -> T {
        var sum: T = 0
        for i in 0..<x.rows { for j in 0..<x.cols { sum += x[i, j] * y[i, j] } }
        return sum
    }

    /// `√(Σ x_ij²)`, scaled by the largest magnitude so that it neither overflows nor underflows.
    @inlinable
    static func nrm2<T: BLASScalar>(_ x: MatrixView<T>) -> T {
        var largest: T = 0
        for i in 0..<x.rows { for j in 0..<x.cols { largest = max(largest, abs(x[i, j])) } }
        if largest == 0 || !largest.isFinite { return largest }
        var sum: T = 0
        for i in 0..<x.rows {
            for j in 0..<x.cols {
                let s = x[i, j] / largest
                sum += s * s
            }
        }
        return largest * sum.squareRoot()
    }
}
