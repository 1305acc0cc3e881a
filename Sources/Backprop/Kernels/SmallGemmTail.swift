// A workaround for an allocation inside OpenBLAS's small-matrix gemm.

/// OpenBLAS 0.3.21 (Debian 12) runs products of at most 10⁶ multiply-adds on AVX-512 CPUs through
/// its "small matrix" kernels, and the one for `C = A·B` with neither operand transposed allocates
/// a heap buffer on *every call* when the output width `n` leaves a narrow tail after the kernel's
/// vector width. Measured with an LD_PRELOAD malloc counter over m ∈ {1, 2, 7, 16, 64, 128, 200},
/// n ∈ 1…20, k ∈ {1, 2, 16, 64, 256} (2026-11-30, core `Cooperlake`):
///
/// | routine | allocates when                        | not when                               |
/// |---------|---------------------------------------|----------------------------------------|
/// | dgemm   | n mod 8 ∈ 1…4 and k ≥ 16              | any transposed operand; n mod 8 ∈ 5…8   |
/// | sgemm   | n mod 16 ∈ 1…8 and k ≥ 64             | any transposed operand; n mod 16 ∈ 9…16 |
///
/// e.g. the 10-output layer of 784-256-256-10 in f64: one allocation per training step. So
/// ``Backend/gemm(alpha:_:_:beta:into:)`` computes such a product as one gemm over the leading
/// `n − r` columns (a multiple of the vector width) and one gemv per tail column (`r ≤ 8`), which
/// allocate nothing; results agree with the single call to rounding (each column is the same dot
/// products, summed by another kernel).
@usableFromInline
enum SmallGemmTail {
    /// The number of trailing output columns to compute by gemv instead of gemm for an `m×n`
    /// output with inner dimension `k` (0: use one gemm). Only untransposed operands and products
    /// within OpenBLAS's small-matrix bound (`m·n·k ≤ 10⁶`) are affected; the `k` limits of the
    /// table are not used (peeling a tail costs little).
    @inlinable
    static func columns<T: BLASScalar>(
        _: T.Type, m: Int, n: Int, k: Int, transposedA: Bool, transposedB: Bool
    ) -> Int {
        if transposedA || transposedB || m &* n &* k > 1_000_000 { return 0 }
        let width = 64 / MemoryLayout<T>.stride  // one 512-bit vector: 16 floats, 8 doubles
        let r = n % width
        return r >= 1 && r <= width / 2 ? r : 0
    }
}
