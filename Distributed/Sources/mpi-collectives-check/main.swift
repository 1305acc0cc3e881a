// Exercises every collective of BackpropMPI under mpirun (used by the tests): each rank prints
// `rank r/P ok` when all results match the values computed by hand, or the first mismatch.
// The first argument is the chunk size (elements per MPI call) to force chunking.
import BackpropMPI
import Foundation

func fail(_ s: String) -> Never {
    FileHandle.standardError.write(Data("\(s)\n".utf8))
    MPI.abort(code: 3)
}

do {
    try MPI.initialize()
    let chunk = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : Int(Int32.max)
    let c = Communicator.world(maxElementsPerCall: chunk)
    let r = try c.rank(), p = try c.size()
    let n = 23  // not a multiple of the test chunk sizes

    // allreduce sum / max / min
    var s = (0..<n).map { Double($0 * (r + 1)) }
    try c.allreduce(&s, .sum)
    let rankSum = Double(p * (p + 1) / 2)
    if s != (0..<n).map({ Double($0) * rankSum }) { fail("rank \(r): allreduce sum gave \(s)") }
    var m = [Int32](repeating: Int32(r), count: n)
    try c.allreduce(&m, .max)
    if m != [Int32](repeating: Int32(p - 1), count: n) { fail("rank \(r): allreduce max gave \(m)") }
    var lo = [Float](repeating: Float(r + 5), count: n)
    try c.allreduce(&lo, .min)
    if lo != [Float](repeating: 5, count: n) { fail("rank \(r): allreduce min gave \(lo)") }

    // allgather: rank-major concatenation
    let mine = (0..<n).map { Int64(r * 1000 + $0) }
    let all = try c.allgather(mine)
    if all != (0..<p).flatMap({ q in (0..<n).map { Int64(q * 1000 + $0) } }) { fail("rank \(r): allgather gave \(all)") }

    // broadcast from the last rank
    var b = r == p - 1 ? (0..<n).map { Float($0) + 0.5 } : [Float](repeating: -1, count: n)
    try c.broadcast(&b, root: p - 1)
    if b != (0..<n).map({ Float($0) + 0.5 }) { fail("rank \(r): broadcast gave \(b)") }

    // agreeOnFailures: only rank 1 (if any) reports
    let failures = try c.agreeOnFailures(r == 1 ? "disk full on rank 1" : nil)
    if p > 1 && (failures.count != 1 || failures[0].rank != 1 || failures[0].message != "disk full on rank 1") {
        fail("rank \(r): agreeOnFailures gave \(failures)")
    }

    try c.barrier()

    // An invalid call returns an error (MPI_ERRORS_RETURN) that is thrown, not a crash.
    var x: [Float] = [1]
    do {
        try c.broadcast(&x, root: p + 5)
        fail("rank \(r): broadcast from a missing root did not throw")
    } catch {
        if r == 0 { print("invalid root: \(error)") }
    }
    print("rank \(r)/\(p) ok")
    try MPI.finalize()
} catch {
    fail("error: \(error)")
}
