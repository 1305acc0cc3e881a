/// MPI counts are `Int32`: a buffer of `count` elements is sent in consecutive chunks of at most
/// `limit` elements (`limit` is `2³¹−1` in production; tests use small limits to exercise this).
///
/// Returns the chunk ranges `[0, c), [c, 2c), …` covering `0..<count`; one empty range when
/// `count == 0` (so that every rank still takes part in the collective).
public func mpiChunks(count: Int, limit: Int = Int(Int32.max)) -> [Range<Int>] {
    if limit < 1 || count < 0 { fatalError("mpiChunks: count \(count), limit \(limit)") }
    if count == 0 { return [0..<0] }
    return stride(from: 0, to: count, by: limit).map { $0..<Swift.min(count, $0 + limit) }
}
