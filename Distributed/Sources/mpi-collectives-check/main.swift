// Exercises every collective of BackpropMPI under mpirun (used by the tests): each rank prints
// `rank r/P ok` when all results match the values computed by hand, or the first mismatch.
// The first argument is the chunk size (elements per MPI call) to force chunking.
// Also checks MPICluster: agree(on:) and sharded training (same parameters on every rank, equal
// bit for bit to one process).
import Backprop
import BackpropCommands
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

    // MPICluster.agree(on:): every rank throws the same error naming rank 1.
    let cluster = try MPICluster(communicator: c)
    do {
        try cluster.agree(on: r == 1 ? "disk full" : nil)
        if p > 1 { fail("rank \(r): agree(on:) did not throw") }
    } catch let e as CLIError {
        if e.description != "rank 1 of \(p): disk full" { fail("rank \(r): agree(on:) threw '\(e)'") }
    }
    try cluster.agree(on: nil)

    // Sharded mini-batch training over the cluster's combiner (S = 4, so P = 3 leaves ranks with
    // unequal shard counts): every rank holds the parameters of one process, bit for bit.
    let inputs = Matrix<Double>.random(rows: 37, cols: 3, in: -1...1, seed: 5)
    let targets = Matrix<Double>.random(rows: 37, cols: 2, in: -1...1, seed: 6)
    var distributed = Network<Double>(sizes: [3, 5, 2], hidden: .tanh, loss: .mse, seed: 3)
    var single = distributed
    let initialTheta = distributed.layers.flatMap { $0.weight.elements + $0.bias.elements }
    let options = TrainingOptions(steps: 20, learningRate: 0.1, batchSize: 16, seed: 2)
    _ = try ShardedTrainer.train(&distributed, inputs: inputs, targets: targets, options: options, shards: 4, combiner: cluster.combiner)
    _ = try ShardedTrainer.train(&single, inputs: inputs, targets: targets, options: options, shards: 4, combiner: LocalGradientCombiner())
    let mineTheta = distributed.layers.flatMap { $0.weight.elements + $0.bias.elements }
    let singleTheta = single.layers.flatMap { $0.weight.elements + $0.bias.elements }
    if mineTheta.count != 32 || mineTheta == initialTheta || mineTheta != singleTheta {
        fail("rank \(r): sharded training differs from one process")
    }
    let everyTheta = try c.allgather(mineTheta)
    for q in 0..<p where Array(everyTheta[(q * mineTheta.count)..<((q + 1) * mineTheta.count)]) != mineTheta {
        fail("rank \(r): rank \(q) holds other parameters")
    }
    if r == 0 { print("sharded training: \(p) rank(s) hold the single-process parameters (\(mineTheta.count) values)") }

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
