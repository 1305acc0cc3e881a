/// A read-only window on row-major storage: `rows × cols`, leading dimension `ld`, possibly
/// transposed.
///
/// Element `(i, j)` of the *stored* matrix lives at `base[i·ld + j]`. A transposed view swaps the
/// logical shape and is consumed by BLAS through its transpose flag, never by copying. Sub-matrix
/// views keep the parent's `ld`, so `ld > cols` is normal.
///
/// A vector is a view with one row or one column (see ``stride``).
///
/// - Warning: a view does not own its memory. Use it only inside the closure that produced it
///   (``Matrix/withView(_:)``, ``Matrix/withMutableView(_:)``).
public struct MatrixView<Scalar: BLASScalar> {
    /// First stored element.
    public let base: UnsafePointer<Scalar>
    /// Rows of the stored (untransposed) matrix.
    public let storedRows: Int
    /// Columns of the stored (untransposed) matrix.
    public let storedCols: Int
    /// Distance between the starts of two stored rows, `≥ max(1, storedCols)`.
    public let ld: Int
    /// Whether the logical matrix is the transpose of the stored one.
    public let isTransposed: Bool

    /// A view of `rows × cols` row-major elements starting at `base`, with leading dimension `ld`.
    public init(
        _ base: UnsafePointer<Scalar>, rows: Int, cols: Int, ld: Int? = nil,
        transposed: Bool = false
    ) {
        let ld = ld ?? max(1, cols)
        if rows < 0 || cols < 0 || ld < max(1, cols) {
            fatalError("MatrixView: invalid layout \(rows)×\(cols) with ld \(ld) ")
        }
        self.base = base
        self.storedRows = rows
        self.storedCols = cols
        self.ld = ld
        self.isTransposed = transposed
    }

    /// Logical number of rows.
    @inlinable public var rows: Int { isTransposed ? storedCols : storedRows }
    /// Logical number of columns.
    @inlinable public var cols: Int { isTransposed ? storedRows : storedCols }

    /// Logical element `(i, j)`. Not bounds-checked beyond the debug precondition: kernels check
    /// shapes once, then index freely.
    @inlinable public subscript(i: Int, j: Int) -> Scalar {
        isTransposed ? base[j &* ld &+ i] : base[i &* ld &+ j]
    }

    /// The transpose, as a flag: no data moves.
    public var transposed: MatrixView {
        MatrixView(base, rows: storedRows, cols: storedCols, ld: ld, transposed: !isTransposed)
    }

    /// `"3×4"` (or `"3×4 (transposed)"`): the logical shape, used in shape-mismatch messages.
    public var shapeDescription: String {
        "\(rows)×\(cols)" + (isTransposed ? " (transposed)" : "")
    }

    /// Whether the view is a vector (one row or one column).
    public var isVector: Bool { rows == 1 || cols == 1 }

    /// Number of elements of a vector view.
    public var length: Int { rows == 1 ? cols : rows }

    /// Distance between consecutive elements of a vector view (BLAS's `inc`).
    public var stride: Int {
        if rows == 1 { return isTransposed ? ld : 1 }
        return isTransposed ? 1 : ld
    }

    /// The logical sub-matrix `rows × cols`; it keeps this view's `ld`.
    public func submatrix(rows r: Range<Int>, cols c: Range<Int>) -> MatrixView {
        guard r.lowerBound >= 0, r.upperBound <= rows, c.lowerBound >= 0, c.upperBound <= cols
        else {
            fatalError("submatrix: rows \(r) cols \(c) outside \(shapeDescription)")
        }
        if isTransposed {
            let offset = c.lowerBound * ld + r.lowerBound
            return MatrixView(
                base + (r.isEmpty || c.isEmpty ? 0 : offset), rows: c.count, cols: r.count, ld: ld,
                transposed: true)
        }
        let offset = r.lowerBound * ld + c.lowerBound
        return MatrixView(
            base + (r.isEmpty || c.isEmpty ? 0 : offset), rows: r.count, cols: c.count, ld: ld)
    }
}

/// A writable, untransposed window on row-major storage: `rows × cols`, leading dimension `ld`.
///
/// Outputs of kernels (`C` of gemm, `y` of gemv, `A` of ger) are mutable views; BLAS cannot write
/// through a transpose flag, so this type has none.
public struct MutableMatrixView<Scalar: BLASScalar> {
    /// First stored element.
    public let base: UnsafeMutablePointer<Scalar>
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Distance between the starts of two rows, `≥ max(1, cols)`.
    public let ld: Int

    /// A writable view of `rows × cols` row-major elements starting at `base`.
    public init(
        _ base: UnsafeMutablePointer<Scalar>, rows: Int, cols: Int, ld: Int? = nil
    ) {
        let ld = ld ?? max(1, cols)
        if rows < 0 || cols < 0 || ld < max(1, cols) {
            fatalError("MutableMatrixView: invalid layout \(rows)×\(cols) with ld \(ld) ")
        }
        self.base = base
        self.rows = rows
        self.cols = cols
        self.ld = ld
    }

    /// Element `(i, j)`.
    @inlinable public subscript(i: Int, j: Int) -> Scalar {
        get { base[i &* ld &+ j] }
        nonmutating set { base[i &* ld &+ j] = newValue }
    }

    /// The same memory, read-only.
    public var readOnly: MatrixView<Scalar> {
        MatrixView(UnsafePointer(base), rows: rows, cols: cols, ld: ld)
    }

    /// `"3×4"`.
    public var shapeDescription: String { "\(rows)×\(cols)" }

    /// Whether the view is a vector (one row or one column).
    public var isVector: Bool { rows == 1 || cols == 1 }
    /// Number of elements of a vector view.
    public var length: Int { rows == 1 ? cols : rows }
    /// Distance between consecutive elements of a vector view.
    public var stride: Int { rows == 1 ? 1 : ld }

    /// The sub-matrix `rows × cols`; it keeps this view's `ld`.
    public func submatrix(rows r: Range<Int>, cols c: Range<Int>) -> MutableMatrixView {
        guard r.lowerBound >= 0, r.upperBound <= rows, c.lowerBound >= 0, c.upperBound <= cols
        else {
            fatalError("submatrix: rows \(r) cols \(c) outside \(shapeDescription)")
        }
        let offset = r.isEmpty || c.isEmpty ? 0 : r.lowerBound * ld + c.lowerBound
        return MutableMatrixView(base + offset, rows: r.count, cols: c.count, ld: ld)
    }
}
