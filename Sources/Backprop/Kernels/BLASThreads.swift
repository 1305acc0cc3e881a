import CBLAS

/// The OpenBLAS thread pool.
///
/// Default: OpenBLAS starts with `OPENBLAS_NUM_THREADS` threads when that variable is set, and
/// otherwise one per core (2 on the reference machine). Two threads pay from square sizes of about
/// 128 upward (≈1.7× at n = 128, ≈1.9× at n ≥ 256) and OpenBLAS stays single-threaded by itself for
/// small products, so Backprop keeps OpenBLAS's default and lets callers choose: set `count = 1`
/// when several processes (MPI ranks) or worker threads share the cores, since threads multiply.
/// Note that sgemm's rounding can change with the thread count.
public enum BLASThreads {
    /// Number of threads OpenBLAS uses for the next call. Setting it overrides
    /// `OPENBLAS_NUM_THREADS` (also upward).
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename()`), e.g.
    /// `"Haswell"` or `"Cooperlake"`. Benchmarks record it because it changes speed by ~2×.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string (`openblas_get_config()`).
    public static var configuration: String { String(cString: openblas_get_config()) }
}
