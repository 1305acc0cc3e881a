import CMPI

/// A group of ranks that take part in collectives together (`MPI_COMM_WORLD` by default).
///
/// Every collective checks MPI's return code and throws ``MPIError``. Counts above
/// ``maxElementsPerCall`` (`2³¹−1`, MPI's `int` limit) are sent in chunks (see ``mpiChunks(count:limit:)``);
/// every rank must then use the same counts (as MPI requires anyway).
public struct Communicator {
    /// The MPI handle.
    public let handle: MPI_Comm
    /// Largest element count of one MPI call; larger buffers go in chunks.
    public let maxElementsPerCall: Int

    /// A communicator over `handle` with chunks of at most `maxElementsPerCall` elements.
    public init(handle: MPI_Comm, maxElementsPerCall: Int = Int(Int32.max)) {
        if maxElementsPerCall < 1 || maxElementsPerCall > Int(Int32.max) {
            fatalError("Communicator: maxElementsPerCall \(maxElementsPerCall) must be in 1…\(Int32.max)")
        }
        self.handle = handle
        self.maxElementsPerCall = maxElementsPerCall
    }

    /// `MPI_COMM_WORLD`: every rank of the job.
    public static func world(maxElementsPerCall: Int = Int(Int32.max)) -> Communicator {
        Communicator(handle: cmpi_comm_world(), maxElementsPerCall: maxElementsPerCall)
    }

    /// This process's rank, `0 ..< size`.
    public func rank() throws(MPIError) -> Int {
        var r: Int32 = 0
        try MPI.check(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        return Int(r)
    }

    /// Number of ranks `P`.
    public func size() throws(MPIError) -> Int {
        var s: Int32 = 0
        try MPI.check(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        return Int(s)
    }

    /// `MPI_Barrier`: returns when every rank has called it.
    public func barrier() throws(MPIError) {
        try MPI.check(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// `MPI_Allreduce` in place: afterwards `buffer[i] = op_r(buffer_r[i])` over all ranks `r`, on
    /// every rank. The order in which MPI adds is its own (fixed for a given `P`, message size and
    /// implementation, but not across them).
    public func allreduce<T: MPIScalar>(_ buffer: inout [T], _ op: ReductionOperation) throws(MPIError) {
        try allreduce(&buffer, op, datatype: T.mpiDatatype)
    }

    /// ``allreduce(_:_:)`` with an explicit datatype matching `T` (for generic callers).
    public func allreduce<T>(_ buffer: inout [T], _ op: ReductionOperation, datatype: MPI_Datatype) throws(MPIError) {
        let chunks = mpiChunks(count: buffer.count, limit: maxElementsPerCall)
        let code: Int32 = buffer.withUnsafeMutableBufferPointer { b in
            for c in chunks {
                let rc = MPI_Allreduce(
                    cmpi_in_place(), b.baseAddress.map { UnsafeMutableRawPointer($0 + c.lowerBound) },
                    Int32(c.count), datatype, op.handle, handle)
                if rc != MPI_SUCCESS { return rc }
            }
            return MPI_SUCCESS
        }
        try MPI.check(code, "MPI_Allreduce")
    }

    /// `MPI_Allgather`: every rank sends `send` (the same count on every rank) and gets the
    /// concatenation `send_0 ++ send_1 ++ … ++ send_{P−1}` in rank order.
    public func allgather<T: MPIScalar>(_ send: [T]) throws(MPIError) -> [T] {
        try allgather(send, datatype: T.mpiDatatype)
    }

    /// ``allgather(_:)`` with an explicit datatype matching `T` (for generic callers).
    public func allgather<T>(_ send: [T], datatype: MPI_Datatype) throws(MPIError) -> [T] {
        let p = try size()
        let chunks = mpiChunks(count: send.count, limit: maxElementsPerCall)
        if chunks.count == 1 { return try gatherChunk(send, chunks[0], ranks: p, datatype) }
        var parts: [[T]] = []
        for c in chunks { parts.append(try gatherChunk(send, c, ranks: p, datatype)) }
        // parts[k] holds chunk k of rank 0, of rank 1, …; reorder to rank-major.
        var out: [T] = []
        out.reserveCapacity(p * send.count)
        for r in 0..<p {
            for (k, c) in chunks.enumerated() {
                out.append(contentsOf: parts[k][(r * c.count)..<((r + 1) * c.count)])
            }
        }
        return out
    }

    /// One `MPI_Allgather` of `send[c]` from every rank: `P · c.count` elements in rank order.
    private func gatherChunk<T>(_ send: [T], _ c: Range<Int>, ranks p: Int, _ datatype: MPI_Datatype) throws(MPIError) -> [T] {
        var code: Int32 = MPI_SUCCESS
        let recv = [T](unsafeUninitializedCapacity: max(1, p * c.count)) { r, k in
            code = send.withUnsafeBufferPointer { s in
                MPI_Allgather(
                    s.baseAddress.map { UnsafeRawPointer($0 + c.lowerBound) }, Int32(c.count), datatype,
                    UnsafeMutableRawPointer(r.baseAddress!), Int32(c.count), datatype, handle)
            }
            k = code == MPI_SUCCESS ? p * c.count : 0
        }
        try MPI.check(code, "MPI_Allgather")
        return recv
    }

    /// `MPI_Bcast`: afterwards every rank's `buffer` equals rank `root`'s (same count everywhere).
    public func broadcast<T: MPIScalar>(_ buffer: inout [T], root: Int = 0) throws(MPIError) {
        let chunks = mpiChunks(count: buffer.count, limit: maxElementsPerCall)
        let code: Int32 = buffer.withUnsafeMutableBufferPointer { b in
            for c in chunks {
                let rc = MPI_Bcast(
                    b.baseAddress.map { UnsafeMutableRawPointer($0 + c.lowerBound) }, Int32(c.count),
                    T.mpiDatatype, Int32(root), handle)
                if rc != MPI_SUCCESS { return rc }
            }
            return MPI_SUCCESS
        }
        try MPI.check(code, "MPI_Bcast")
    }

    /// Every rank's optional error message, gathered on every rank (one `MPI_Allgather` of a
    /// fixed-size UTF-8 buffer; longer messages are cut). Lets all ranks agree to stop together
    /// with one clear error when any rank failed, instead of the others waiting in the next
    /// collective. Returns `(rank, message)` for each failed rank.
    public func agreeOnFailures(_ message: String?, maxBytes: Int = 1024) throws(MPIError) -> [(rank: Int, message: String)] {
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        if let message {
            bytes[0] = 1
            let utf8 = Array(message.utf8.prefix(maxBytes))
            bytes.replaceSubrange(1..<(1 + utf8.count), with: utf8)
        }
        let all = try allgather(bytes)
        var failures: [(rank: Int, message: String)] = []
        for r in 0..<(all.count / (maxBytes + 1)) where all[r * (maxBytes + 1)] == 1 {
            let body = all[(r * (maxBytes + 1) + 1)..<((r + 1) * (maxBytes + 1))]
            let text = body.prefix { $0 != 0 }
            failures.append((r, String(decoding: text, as: UTF8.self)))
        }
        return failures
    }
}
