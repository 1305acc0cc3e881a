/// Raw storage for one matrix on a ``Tape``: memory that grows to the largest size asked for and
/// is never shrunk or moved otherwise, so replaying a graph with the same shapes reuses it (same
/// address, no heap traffic). The owning tape frees it in `deinit`.
///
/// Raw memory (not a `Matrix`) is deliberate: kernels read one node's buffer while writing
/// another's, which Swift's exclusivity rules forbid for two elements of one array of matrices.
struct TapeBuffer<Scalar: BLASScalar> {
    /// First element, or `nil` before the first use.
    private(set) var base: UnsafeMutablePointer<Scalar>?
    /// Number of elements the memory holds.
    private(set) var capacity = 0

    /// Makes room for `count` elements (reallocating only when the capacity is too small) and
    /// returns the start. The contents are unspecified after a reallocation.
    @inline(__always)
    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        if count > capacity || base == nil {
            base?.deallocate()
            let newCapacity = max(1, count)
            base = UnsafeMutablePointer<Scalar>.allocate(capacity: newCapacity)
            capacity = newCapacity
        }
        return base.unsafelyUnwrapped
    }

    /// Releases the memory.
    mutating func free() {
        base?.deallocate()
        base = nil
        capacity = 0
    }
}
