// Data-parallel gradient descent with a reduction order that does not depend on the number of
// processes: the batch gradient is DEFINED as a sum of S fixed row shards added in shard order.

/// The split of a batch of `rows` rows into `shards` fixed, contiguous row shards.
///
/// Split rule: shard `s` (`0 ≤ s < S`) holds rows `⌊s·N/S⌋ ..< ⌊(s+1)·N/S⌋`, so shard sizes differ
/// by at most one and the larger shards come last. When `N < S` some shards are empty (their
/// partial is zero). The plan depends only on `N` and `S`, never on how many processes there are.
public struct ShardPlan: Sendable, Equatable {
    /// `N`, the rows of the batch.
    public let rows: Int
    /// `S`, the number of shards (≥ 1).
    public let shards: Int

    /// The plan for `rows ≥ 0` rows in `shards ≥ 1` shards (traps otherwise).
    public init(rows: Int, shards: Int) {
        if shards < 1 || rows < 0 {
            fatalError("ShardPlan: \(rows) rows in \(shards) shards; need rows ≥ 0 and shards ≥ 1")
        }
        self.rows = rows
        self.shards = shards
    }

    /// Rows of shard `s`: `⌊s·N/S⌋ ..< ⌊(s+1)·N/S⌋`.
    public func range(_ s: Int) -> Range<Int> {
        if s < 0 || s >= shards { fatalError("ShardPlan.range: shard \(s) of \(shards)") }
        return (s * rows / shards)..<((s + 1) * rows / shards)
    }

    /// The largest shard, `⌈N/S⌉` rows.
    public var largestShard: Int { (rows + shards - 1) / shards }
}

/// Combines the shard partials of all processes into the total, always adding in shard order.
///
/// A partial is a flat vector `p_s` (the same length `m` for every shard, see
/// ``ShardedGradient/partialSum(of:_:_:rows:workspace:backend:)``). `combine` receives the
/// partials this process computed — one per entry of ``ownedShards(of:)``, in that order — and
/// returns `Σ_{s=0}^{S−1} p_s` computed as `((p_0 + p_1) + p_2) + …` on every process, so that
/// every process gets the same bits whatever the number of processes.
public protocol GradientCombiner {
    /// The shards (of `shardCount`) whose partials this process computes, ascending.
    func ownedShards(of shardCount: Int) -> [Int]
    /// `Σ_s p_s` in shard order, given this process's partials for ``ownedShards(of:)``.
    func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar]
}

/// Every shard in one process: `combine` is ``ShardedGradient/sumInShardOrder(_:)``.
public struct LocalGradientCombiner: GradientCombiner, Sendable {
    /// The single-process combiner.
    public init() {}
    /// All shards `0..<shardCount`.
    public func ownedShards(of shardCount: Int) -> [Int] { Array(0..<shardCount) }
    /// `((p_0 + p_1) + p_2) + …`.
    public func combine<Scalar: BLASScalar>(_ partials: [[Scalar]], shardCount: Int) throws -> [Scalar] {
        if partials.count != shardCount {
            fatalError("LocalGradientCombiner: \(partials.count) partials for \(shardCount) shards")
        }
        return ShardedGradient.sumInShardOrder(partials)
    }
}

/// The building blocks of sharded gradient descent.
///
/// For a batch of `N` rows split by ``ShardPlan`` into `S` shards, shard `s` contributes the
/// partial sum `p_s = [Σ_{k∈s} ∇E_k (P entries, parameter order), Σ_{k∈s} E_k, #correct in s]`
/// (length `P + 2`). The step is
///
/// ```
/// total = ((p_0 + p_1) + …) + p_{S−1}     (shard order, elementwise IEEE additions)
/// g     = total[0..<P] / N,   E = total[P] / N,   accuracy = total[P+1] / N
/// θ     ← θ − γ·g
/// ```
///
/// Every shard's partial comes from the same code (one ``Network/backpropagate(_:_:workspace:backend:)``
/// of the shard's rows, whose mean gradient is multiplied by the shard's row count `n_s`), so a
/// shard's bits depend only on its rows and θ, not on which process computes it. OpenBLAS's sgemm
/// rounding can depend on its thread count: fix it (``BLASThreads/count`` = 1) for bit-identical
/// results across process counts.
public enum ShardedGradient {
    /// `p_s` for rows `rows` of `x` (`N × d_0`) and `t` (`N × d_L`): `P` gradient sums, the loss
    /// sum and the number of correctly classified rows (length `P + 2`). An empty range gives zeros.
    /// `workspace.batchSize` must be at least `rows.count`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func partialSum<Scalar: BLASScalar>(
        of network: Network<Scalar>, _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>,
        rows: Range<Int>, workspace: BackpropWorkspace<Scalar>, backend: Backend = .blas
    ) -> [Scalar] {
        let p = network.parameterCount
        var out = [Scalar](repeating: 0, count: p + 2)
        let n = rows.count
        if n == 0 { return out }
        let xs = x.submatrix(rows: rows, cols: 0..<x.cols)
        let ts = t.submatrix(rows: rows, cols: 0..<t.cols)
        let meanLoss = network.backpropagate(xs, ts, workspace: workspace, backend: backend)
        let count = Scalar(n)
        var offset = 0
        out.withUnsafeMutableBufferPointer { o in
            let g = workspace.gradient
            for l in 0..<g.weights.count {
                for tensor in [g.weights[l], g.biases[l]] {
                    tensor.withUnsafeBufferPointer { src in
                        for i in 0..<src.count { o[offset + i] = src[i] * count }
                    }
                    offset += tensor.count
                }
            }
        }
        out[p] = meanLoss * count
        let correct = network.loss.accuracy(workspace.activation(workspace.layerCount, rows: n).readOnly, ts)
        out[p + 1] = Scalar((correct * Double(n)).rounded())
        return out
    }

    /// `((p_0 + p_1) + p_2) + …` elementwise (traps on unequal lengths or no partials).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sumInShardOrder<Scalar: BLASScalar>(_ partials: [[Scalar]]) -> [Scalar] {
        guard var acc = partials.first else { fatalError("sumInShardOrder: no partials") }
        for s in 1..<partials.count {
            if partials[s].count != acc.count {
                fatalError("sumInShardOrder: partial \(s) has \(partials[s].count) entries, partial 0 has \(acc.count)")
            }
            acc.withUnsafeMutableBufferPointer { a in
                partials[s].withUnsafeBufferPointer { b in
                    for i in 0..<a.count { a[i] += b[i] }
                }
            }
        }
        return acc
    }

    /// `((p_0 + p_1) + p_2) + …` where `p_i = buffer[offsets[i] ..< offsets[i] + partialLength]`
    /// (partials laid out in one buffer, e.g. as received from other processes).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sumInShardOrder<Scalar: BLASScalar>(
        _ buffer: [Scalar], partialLength m: Int, offsets: [Int]
    ) -> [Scalar] {
        guard let first = offsets.first else { fatalError("sumInShardOrder: no partials") }
        if offsets.contains(where: { $0 < 0 || $0 + m > buffer.count }) {
            fatalError("sumInShardOrder: offsets \(offsets) with length \(m) exceed the buffer of \(buffer.count)")
        }
        var acc = Array(buffer[first..<(first + m)])
        acc.withUnsafeMutableBufferPointer { a in
            buffer.withUnsafeBufferPointer { b in
                for o in offsets.dropFirst() {
                    for i in 0..<m { a[i] += b[o + i] }
                }
            }
        }
        return acc
    }

    /// The batch total of rows `batch` of `x`, `t` over `combiner`: this process computes the
    /// partials of its shards (``GradientCombiner/ownedShards(of:)``) and the combiner adds all
    /// `S` in shard order. Returns `total` (length `P + 2`, sums, not means).
    public static func total<Scalar: BLASScalar, C: GradientCombiner>(
        of network: Network<Scalar>, _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>,
        batch: Range<Int>, shards: Int, combiner: C, workspace: BackpropWorkspace<Scalar>,
        backend: Backend = .blas
    ) throws -> [Scalar] {
        let plan = ShardPlan(rows: batch.count, shards: shards)
        if workspace.batchSize < plan.largestShard {
            fatalError("ShardedGradient.total: workspace holds \(workspace.batchSize) rows, shards need \(plan.largestShard)")
        }
        let partials = combiner.ownedShards(of: shards).map { s -> [Scalar] in
            let r = plan.range(s)
            return partialSum(
                of: network, x, t, rows: (batch.lowerBound + r.lowerBound)..<(batch.lowerBound + r.upperBound),
                workspace: workspace, backend: backend)
        }
        return try combiner.combine(partials, shardCount: shards)
    }

    /// The full-batch gradient `g = total[0..<P] / N` of `total` (from ``total(of:_:_:batch:shards:combiner:workspace:backend:)``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func gradient<Scalar: BLASScalar>(
        fromTotal total: [Scalar], rows n: Int, like network: Network<Scalar>
    ) -> NetworkGradient<Scalar> {
        let p = network.parameterCount
        if total.count != p + 2 { fatalError("ShardedGradient.gradient: total has \(total.count) entries, need \(p + 2)") }
        let d = Scalar(n)
        return NetworkGradient(flattened: total[0..<p].map { $0 / d }, like: network)
    }
}

/// Batch gradients as sums of `S` fixed row shards (``ShardedGradient``), combined by a
/// ``GradientCombiner``: all shards in one process (``LocalGradientCombiner``) or across MPI ranks
/// (the `Distributed/` package). Every process must evaluate the same batches.
public struct ShardedGradientSource<Scalar: BLASScalar, Combiner: GradientCombiner>: BatchGradientSource {
    /// `S`, the number of shards per batch.
    public let shards: Int
    /// How the shard partials are added up.
    public let combiner: Combiner
    /// Buffers for one shard.
    let workspace: BackpropWorkspace<Scalar>
    /// `∇E` of the last batch.
    public private(set) var gradient: NetworkGradient<Scalar>

    /// A source for `network`'s shape and batches of up to `batchSize` rows split into `shards`.
    public init(network: Network<Scalar>, batchSize: Int, shards: Int, combiner: Combiner) {
        if shards < 1 { fatalError("ShardedGradientSource: shards \(shards) must be ≥ 1") }
        self.shards = shards
        self.combiner = combiner
        workspace = BackpropWorkspace(
            network: network, batchSize: max(1, ShardPlan(rows: batchSize, shards: shards).largestShard))
        gradient = NetworkGradient(zerosLike: network)
    }

    /// The shard-ordered total of the batch: `E` and the accuracy from its loss and count sums,
    /// `∇E` = gradient sum / n.
    public mutating func evaluate(
        _ network: Network<Scalar>, _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>,
        backend: Backend
    ) throws -> (loss: Scalar, accuracy: Double) {
        let total = try ShardedGradient.total(
            of: network, x, t, batch: 0..<x.rows, shards: shards, combiner: combiner,
            workspace: workspace, backend: backend)
        let p = network.parameterCount
        let rows = x.rows
        gradient = ShardedGradient.gradient(fromTotal: total, rows: rows, like: network)
        return (total[p] / Scalar(rows), Double(total[p + 1]) / Double(rows))
    }
}

/// The lecture's training loop (``Trainer``) with every batch gradient a sum of `S` fixed shards
/// added in shard order (``ShardedGradientSource``), so that 1, 2 or 4 processes — or one process
/// without MPI — give bit-identical parameters for the same `S` (with one BLAS thread).
public enum ShardedTrainer {
    /// Trains `network` on `inputs` (`N × d_0`), `targets` (`N × d_L`) with `shards` shards per
    /// batch; the contract of ``Trainer/train(_:inputs:targets:options:progressEvery:progress:)``.
    ///
    /// - Throws: ``TrainingDivergedError`` when the loss or a parameter would become NaN or ±∞
    ///   (the network keeps the last finite parameters), or the combiner's error.
    public static func train<Scalar: BLASScalar, C: GradientCombiner>(
        _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
        options: TrainingOptions, shards: Int, combiner: C, progressEvery: Int = 0,
        progress: ((TrainingProgress) -> Bool)? = nil
    ) throws -> TrainingResult {
        var source = ShardedGradientSource(
            network: network, batchSize: max(1, min(options.batchSize ?? inputs.rows, inputs.rows)),
            shards: shards, combiner: combiner)
        return try Trainer.train(
            &network, inputs: inputs, targets: targets, options: options, source: &source,
            progressEvery: progressEvery, observe: progress.map { p in { snapshot, _ in p(snapshot) } })
    }
}
