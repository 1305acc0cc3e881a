/// Matrix-level entry points to the kernels: the same shape rules as the view-level calls of
/// ``Backend``, with ``Matrix`` and ``Transposed`` operands.
extension Backend {
    /// `A·B` as a new matrix (gemm). Either operand may be `.transposed`.
    ///
    /// ```swift
    /// let c = Backend.blas.matmul(a, b.transposed)   // A·Bᵀ through CblasTrans
    /// ```
    @inlinable
    public func matmul<A: MatrixOperand, B: MatrixOperand>(_ a: A, _ b: B) -> Matrix<A.Scalar>
    where B.Scalar == A.Scalar {
        a.withView { av in
            b.withView { bv in
                var c = Matrix<A.Scalar>(rows: av.rows, cols: bv.cols)
                c.withMutableView { gemm(av, bv, into: $0) }
                return c
            }
        }
    }

    /// `C ← α·A·B + β·C` in place (gemm); `C` must already have the result's shape.
    @inlinable
    public func matmul<A: MatrixOperand, B: MatrixOperand>(
        _ a: A, _ b: B, into c: inout Matrix<A.Scalar>, alpha: A.Scalar = 1, beta: A.Scalar = 0
    ) where B.Scalar == A.Scalar {
        a.withView { av in
            b.withView { bv in
                c.withMutableView { gemm(alpha: alpha, av, bv, beta: beta, into: $0) }
            }
        }
    }

    /// `A·x` for a column (or row) vector `x`, as an `m × 1` column (gemv).
    @inlinable
    public func matvec<A: MatrixOperand>(_ a: A, _ x: Matrix<A.Scalar>) -> Matrix<A.Scalar> {
        a.withView { av in
            x.withView { xv in
                var y = Matrix<A.Scalar>(rows: av.rows, cols: 1)
                y.withMutableView { gemv(av, xv, into: $0) }
                return y
            }
        }
    }

    /// `A ← A + α·x·yᵀ` (ger) for vectors `x` (length `m`) and `y` (length `n`).
    @inlinable
    public func rankOneUpdate<T: BLASScalar>(
        _ a: inout Matrix<T>, alpha: T = 1, _ x: Matrix<T>, _ y: Matrix<T>
    ) {
        x.withView { xv in y.withView { yv in a.withMutableView { ger(alpha: alpha, xv, yv, into: $0) } } }
    }

    /// `Y ← α·X + Y` (axpy) for equally shaped matrices.
    @inlinable
    public func axpy<T: BLASScalar>(alpha: T, _ x: Matrix<T>, into y: inout Matrix<T>) {
        x.withView { xv in y.withMutableView { axpy(alpha: alpha, xv, into: $0) } }
    }

    /// `X ← α·X` (scal).
    @inlinable
    public func scale<T: BLASScalar>(_ x: inout Matrix<T>, by alpha: T) {
        x.withMutableView { scal(alpha: alpha, $0) }
    }

    /// `Σ x_ij·y_ij` (dot) for equally shaped matrices.
    @inlinable
    public func dot<T: BLASScalar>(_ x: Matrix<T>, _ y: Matrix<T>) -> T {
        x.withView { xv in y.withView { dot(xv, $0) } }
    }

    /// The Frobenius norm `√(Σ x_ij²)` (nrm2).
    @inlinable
    public func norm<T: BLASScalar>(_ x: Matrix<T>) -> T {
        x.withView { nrm2($0) }
    }
}
