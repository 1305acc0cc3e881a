import CBLAS

/// The fixed partition of a split product's output `C (m×n)` into contiguous blocks.
///
/// The rows of `C` are split when `m ≥ n`, else its columns; `e` is that extent. With
/// `p = max(1, min(requested, ⌊e/16⌋))` parts, part `i` covers `[b_i, b_{i+1})` where
/// `b_i = 16·⌊i·e/(16p)⌋` for `i < p` and `b_p = e`. So every boundary is a multiple of 16 (the
/// kernels keep their alignment), every part has at least 16 rows or columns (`e ≥ 16p`), the last
/// part takes the remainder (at most `e/p + 15`), and the partition depends on `m`, `n` and `p`
/// only: the same product is split the same way every time.
public struct GemmPartition: Equatable, Sendable {
    /// Boundaries are multiples of this many rows or columns, and no part is smaller.
    public static let granularity = 16

    /// Whether `C`'s rows are split (`m ≥ n`); otherwise its columns.
    public let splitsRows: Bool
    /// The number of rows (`splitsRows`) or columns being split.
    public let extent: Int
    /// The number of parts, `max(1, min(requested, ⌊extent/16⌋))`.
    public let parts: Int

    /// The partition of an `m × n` output into at most `parts` blocks.
    public init(m: Int, n: Int, parts requested: Int) {
        splitsRows = m >= n
        extent = splitsRows ? m : n
        parts = max(1, min(requested, extent / Self.granularity))
    }

    /// The rows (or columns) of part `i`, `0 ≤ i < parts`.
    public func range(_ i: Int) -> Range<Int> {
        if i < 0 || i >= parts { fatalError("GemmPartition: part \(i) outside 0..<\(parts)") }
        return bound(i)..<bound(i + 1)
    }

    private func bound(_ i: Int) -> Int {
        i >= parts ? extent : i * extent / (Self.granularity * parts) * Self.granularity
    }
}

extension GemmWorkers {
    /// `C ← α·op(A)·op(B) + β·C` (gemm, OpenBLAS) as the blocks of
    /// ``GemmPartition/init(m:n:parts:)`` with `parts` capped at the cores: block `i` is
    /// `C[rows_i, :] ← α·A[rows_i, :]·B + β·C[rows_i, :]` when rows are split, or
    /// `C[:, cols_i] ← α·A·B[:, cols_i] + β·C[:, cols_i]` when columns are, each one
    /// single-threaded `?gemm` call (OpenBLAS is set to one thread for the call and restored).
    /// The calling thread runs the last block, the workers the others; when the pool is in use by
    /// another thread, the caller runs every block itself. (Always handed to the workers; inside
    /// a split step, `Backend.gemm` also weighs the distance between the cores, see
    /// ``GemmWorkers/distantHandoffNanoseconds``.)
    ///
    /// Shapes as in ``Backend/gemm(alpha:_:_:beta:into:)``: `A` is `m×k`, `B` is `k×n` (either may
    /// be a transposed or strided view), `C` is `m×n`; with `β = 0`, `C` is not read. Each element
    /// of `C` is one block's result, so the whole is deterministic (the same bits on every call
    /// with the same operands and `parts`) and within the usual gemm rounding bound. No heap
    /// allocation after the first call (which creates the workers).
    public static func gemm<T: BLASScalar>(
        alpha: T = 1, _ a: MatrixView<T>, _ b: MatrixView<T>, beta: T = 0,
        into c: MutableMatrixView<T>, parts: Int
    ) {
        splitGEMM(alpha: alpha, a, b, beta: beta, into: c, parts: parts, gated: false)
    }

    /// ``gemm(alpha:_:_:beta:into:parts:)``; when `gated`, the blocks go to the workers only if
    /// ``dispatches(multiplyAdds:)`` (else the caller runs them: the same blocks, the same bits).
    /// `Backend.gemm` calls it gated inside a split step.
    @usableFromInline
    static func splitGEMM<T: BLASScalar>(
        alpha: T, _ a: MatrixView<T>, _ b: MatrixView<T>, beta: T, into c: MutableMatrixView<T>,
        parts: Int, gated: Bool
    ) {
        if a.cols != b.rows || a.rows != c.rows || b.cols != c.cols {
            shapeMismatch(
                "GemmWorkers.gemm", "A is \(a.shapeDescription), B is \(b.shapeDescription), C is \(c.shapeDescription); need A m×k, B k×n, C m×n")
        }
        if c.rows == 0 || c.cols == 0 { return }
        let partition = GemmPartition(m: c.rows, n: c.cols, parts: min(parts, maximumParts))

        func block(_ i: Int) -> GemmPart {
            let r = partition.range(i)
            if partition.splitsRows {
                return GemmPart(
                    alpha: alpha, a.submatrix(rows: r, cols: 0..<a.cols), b, beta: beta,
                    into: c.submatrix(rows: r, cols: 0..<c.cols))
            }
            return GemmPart(
                alpha: alpha, a, b.submatrix(rows: 0..<b.rows, cols: r), beta: beta,
                into: c.submatrix(rows: 0..<c.rows, cols: r))
        }

        let previous = openblas_get_num_threads()
        if previous > 1 { openblas_set_num_threads(1) }
        defer { if previous > 1 { openblas_set_num_threads(previous) } }

        let p = partition.parts
        if p == 1 {
            block(0).run()
            return
        }
        let pool = self.pool
        let handOver = !gated || dispatches(multiplyAdds: c.rows &* c.cols &* a.cols)
        guard handOver && pool.acquire() else {
            for i in 0..<p { block(i).run() }
            return
        }
        defer { pool.release() }
        for i in 0..<(p - 1) { pool.workers[i].post(block(i)) }
        block(p - 1).run()
        for i in 0..<(p - 1) { pool.workers[i].complete() }
    }
}
