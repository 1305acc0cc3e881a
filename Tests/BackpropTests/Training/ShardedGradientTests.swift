import Backprop
import Foundation
import Testing

/// Seeded regression data: `x` uniform in [−1, 1], `t = sin(x_0 + 2·x_1)`.
private func waveData<T: BLASScalar>(_: T.Type, rows: Int, seed: UInt64) -> (Matrix<T>, Matrix<T>) {
    var g = SeededGenerator(seed: seed)
    var x = [T]()
    var t = [T]()
    for _ in 0..<rows {
        let a = Double.random(in: -1...1, using: &g)
        let b = Double.random(in: -1...1, using: &g)
        x += [T(a), T(b)]
        t.append(T(sin(a + 2 * b)))
    }
    return (Matrix(rows: rows, cols: 2, elements: x), Matrix(rows: rows, cols: 1, elements: t))
}

@Test func shardPlanSplitRule() {
    let plan = ShardPlan(rows: 10, shards: 4)
    #expect((0..<4).map { plan.range($0) } == [0..<2, 2..<5, 5..<7, 7..<10])
    #expect(plan.largestShard == 3)
    let tiny = ShardPlan(rows: 2, shards: 4)
    #expect((0..<4).map { tiny.range($0).count } == [0, 1, 0, 1])
}

@Test func sumInShardOrderAddsLeftToRight() {
    // (1e8 + 1) − 1e8 in Float: left to right gives 0 (1 is lost), another order would give 1.
    let p: [[Float]] = [[1e8], [1], [-1e8]]
    #expect(ShardedGradient.sumInShardOrder(p) == [0])
    #expect(ShardedGradient.sumInShardOrder([p[0], p[2], p[1]]) == [1])
    // The same partials laid out in one buffer (slots 2, 0, 1), summed in the order of `offsets`.
    let buffer: [Float] = [-1e8, 7, 1e8, 7, 1, 7]
    #expect(ShardedGradient.sumInShardOrder(buffer, partialLength: 2, offsets: [2, 4, 0]) == [0, 21])
    #expect(ShardedGradient.sumInShardOrder(buffer, partialLength: 2, offsets: [2, 0, 4]) == [1, 21])
}

private func shardedGradientMatchesFullGradient<T: BLASScalar>(_: T.Type, tolerance: T) throws {
    let (x, t) = waveData(T.self, rows: 37, seed: 5)
    let net = Network<T>(sizes: [2, 6, 1], hidden: .tanh, loss: .mse, seed: 2)
    let reference = net.gradient(x, t)
    let ws = BackpropWorkspace(network: net, batchSize: 10)
    let total = try x.withView { xv in
        try t.withView { tv in
            try ShardedGradient.total(
                of: net, xv, tv, batch: 0..<37, shards: 4, combiner: LocalGradientCombiner(), workspace: ws)
        }
    }
    let g = ShardedGradient.gradient(fromTotal: total, rows: 37, like: net)
    #expect(g.maxAbsoluteDifference(reference.gradient) < tolerance)
    #expect(abs(total[net.parameterCount] / 37 - reference.loss) < tolerance)
    // The partial of shard 0 is its rows' gradient SUM: 9 rows × their mean gradient.
    let shard0 = try #require(x.withView { xv in
        t.withView { tv in
            ShardedGradient.partialSum(of: net, xv, tv, rows: 0..<9, workspace: ws)
        }
    } as [T]?)
    let x0 = Matrix(rows: 9, cols: 2, elements: Array(x.elements[0..<18]))
    let t0 = Matrix(rows: 9, cols: 1, elements: Array(t.elements[0..<9]))
    let mean0 = net.gradient(x0, t0).gradient.flattened
    for i in 0..<mean0.count { #expect(abs(shard0[i] - 9 * mean0[i]) < tolerance) }
}

@Test func shardedGradientEqualsFullGradient() throws {
    try shardedGradientMatchesFullGradient(Float.self, tolerance: 1e-5)
    try shardedGradientMatchesFullGradient(Double.self, tolerance: 1e-12)
}

/// A combiner that computes only the shards `s ≡ rank (mod size)` and reads the other shards'
/// partials from a table filled by the other simulated processes — an in-process stand-in for MPI.
private final class SimulatedRanks<T: BLASScalar>: @unchecked Sendable {
    var table: [Int: [T]] = [:]
}
private struct TableCombiner<T: BLASScalar>: GradientCombiner {
    let rank: Int
    let size: Int
    let table: SimulatedRanks<T>
    func ownedShards(of shardCount: Int) -> [Int] { Array(stride(from: rank, to: shardCount, by: size)) }
    func combine<S: BLASScalar>(_ partials: [[S]], shardCount: Int) throws -> [S] {
        for (i, s) in ownedShards(of: shardCount).enumerated() { table.table[s] = partials[i] as? [T] }
        return ShardedGradient.sumInShardOrder((0..<shardCount).map { table.table[$0]! as! [S] })
    }
}

private func shardedTrainingIsOrderDefined<T: BLASScalar>(_: T.Type) throws {
    let (x, t) = waveData(T.self, rows: 64, seed: 11)
    let net0 = Network<T>(sizes: [2, 8, 8, 1], hidden: .tanh, loss: .mse, seed: 4)
    for batch in [nil, 24] as [Int?] {
        let options = TrainingOptions(steps: 12, learningRate: 0.1, batchSize: batch, seed: 3)
        var local = net0
        let result = try ShardedTrainer.train(
            &local, inputs: x, targets: t, options: options, shards: 4, combiner: LocalGradientCombiner())
        #expect(result.stepsRun == 12)
        #expect(result.history.last!.loss < result.history.first!.loss)

        // Two simulated ranks, run in lockstep by hand: rank 1 fills its shards first, then rank 0
        // combines. Rank 0's parameters must equal the single process's bit for bit.
        let table = SimulatedRanks<T>()
        var rank1 = net0
        var rank0 = net0
        // Full batch: step by step, rank 1 (holding the same θ) computes shards 1 and 3 into the
        // table, then rank 0 computes shards 0 and 2 and combines.
        if batch == nil {
            for _ in 0..<12 {
                let o1 = TrainingOptions(steps: 1, learningRate: 0.1)
                let ws = BackpropWorkspace(network: rank1, batchSize: 16)
                for s in [1, 3] {
                    table.table[s] = x.withView { xv in
                        t.withView { tv in
                            ShardedGradient.partialSum(of: rank1, xv, tv, rows: ShardPlan(rows: 64, shards: 4).range(s), workspace: ws)
                        }
                    }
                }
                _ = try ShardedTrainer.train(
                    &rank0, inputs: x, targets: t, options: o1, shards: 4,
                    combiner: TableCombiner(rank: 0, size: 2, table: table))
                rank1 = rank0
            }
            #expect(rank0.parameters == local.parameters)
        }
        // Different S is a different (equally valid) rounding, but the same gradient descent.
        var two = net0
        _ = try ShardedTrainer.train(&two, inputs: x, targets: t, options: options, shards: 2, combiner: LocalGradientCombiner())
        let diff = zip(two.parameters, local.parameters).map { abs($0 - $1) }.max()!
        #expect(diff < (T.self == Float.self ? 1e-4 : 1e-10))
    }
}

@Test func shardedTrainingIsDefinedByShardOrder() throws {
    try shardedTrainingIsOrderDefined(Float.self)
    try shardedTrainingIsOrderDefined(Double.self)
}

@Test func shardedFullBatchStepIsGradientDescentOnTheShardSum() throws {
    let (x, t) = waveData(Double.self, rows: 20, seed: 1)
    let net0 = Network<Double>(sizes: [2, 3, 1], hidden: .tanh, loss: .mse, seed: 9)
    var trained = net0
    let r = try ShardedTrainer.train(
        &trained, inputs: x, targets: t, options: TrainingOptions(steps: 1, learningRate: 0.5), shards: 3,
        combiner: LocalGradientCombiner())
    // By hand: shards 0..<6, 6..<13, 13..<20; each partial = 6·mean (7·mean), summed in order, / 20.
    var sums = [Double](repeating: 0, count: net0.parameterCount)
    for range in [0..<6, 6..<13, 13..<20] {
        let xs = Matrix(rows: range.count, cols: 2, elements: Array(x.elements[(2 * range.lowerBound)..<(2 * range.upperBound)]))
        let ts = Matrix(rows: range.count, cols: 1, elements: Array(t.elements[range]))
        let g = net0.gradient(xs, ts).gradient.flattened
        for i in 0..<sums.count { sums[i] += g[i] * Double(range.count) }
    }
    var manual = net0
    manual.update(by: NetworkGradient(flattened: sums.map { $0 / 20 }, like: net0), learningRate: 0.5)
    #expect(trained.parameters == manual.parameters)
    #expect(abs(r.history[0].loss - net0.loss(x, t)) < 1e-14)
}

@Test func shardedTrainingStopsOnDivergence() {
    let (x, t) = waveData(Float.self, rows: 16, seed: 2)
    var net = Network<Float>(sizes: [2, 4, 1], hidden: .identity, loss: .mse, seed: 1)
    #expect(throws: TrainingDivergedError.self) {
        try ShardedTrainer.train(
            &net, inputs: x, targets: t, options: TrainingOptions(steps: 200, learningRate: 1e6), shards: 2,
            combiner: LocalGradientCombiner())
    }
    #expect(net.parameters.allSatisfy { $0.isFinite })
}
