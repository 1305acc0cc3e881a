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

/// The lecture's training loop (see ``Trainer``) with every batch gradient computed as a sum of
/// `S` fixed shards (``ShardedGradient``), combined by a ``GradientCombiner``: with
/// ``LocalGradientCombiner`` in one process, or across MPI ranks (the `Distributed/` package).
///
/// Same contract as ``Trainer/train(_:inputs:targets:options:progressEvery:progress:)``: full batch
/// by default, mini-batches of a seeded permutation (new each epoch) when `options.batchSize` is
/// set — each batch sharded the same way —, the same stopping rules, divergence check and progress
/// callback. The recorded loss and accuracy are the batch's (before the update), from the combined
/// shard sums. Every process must call this with the same data, network, options and `shards`.
public enum ShardedTrainer {
    /// Trains `network` on `inputs` (`N × d_0`), `targets` (`N × d_L`) with `shards` shards per batch.
    ///
    /// - Throws: ``TrainingDivergedError`` when the loss or a parameter would become NaN or ±∞
    ///   (the network keeps the last finite parameters), or the combiner's error.
    public static func train<Scalar: BLASScalar, C: GradientCombiner>(
        _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
        options: TrainingOptions, shards: Int, combiner: C, progressEvery: Int = 0,
        progress: ((TrainingProgress) -> Bool)? = nil
    ) throws -> TrainingResult {
        let n = inputs.rows
        if inputs.cols != network.inputSize || targets.rows != n
            || targets.cols != network.outputSize || n == 0
        {
            fatalError("ShardedTrainer.train: inputs \(inputs.rows)×\(inputs.cols) and targets \(targets.rows)×\(targets.cols) do not fit the network \(network.sizes)")
        }
        if options.steps < 0 || !(options.learningRate > 0) || !options.learningRate.isFinite || shards < 1 {
            fatalError("ShardedTrainer.train: steps \(options.steps), learning rate \(options.learningRate) and shards \(shards) must be ≥ 0, > 0 and ≥ 1")
        }
        let batch = min(options.batchSize ?? n, n)
        if batch < 1 { fatalError("ShardedTrainer.train: batch size \(batch) must be ≥ 1") }
        let gamma = Scalar(options.learningRate)
        let workspace = BackpropWorkspace(network: network, batchSize: max(1, ShardPlan(rows: batch, shards: shards).largestShard))
        let miniBatch = batch < n
        let p = network.parameterCount

        var x = inputs
        var t = targets
        var permutation = Array(0..<n)
        var generator = SeededGenerator(seed: options.seed)
        var position = n

        var history: [TrainingRecord] = []
        let clock = ContinuousClock()
        let start = clock.now
        var samplesSeen = 0
        var stopReason = StopReason.completedSteps
        if options.steps == 0 { return TrainingResult(history: [], stopReason: .completedSteps) }

        for step in 1...options.steps {
            var range = 0..<n
            if miniBatch {
                if position >= n {
                    permutation.shuffle(using: &generator)
                    x = gather(inputs, permutation)
                    t = gather(targets, permutation)
                    position = 0
                }
                range = position..<min(n, position + batch)
                position = range.upperBound
            }
            let total = try x.withView { xv in
                try t.withView { tv in
                    try ShardedGradient.total(
                        of: network, xv, tv, batch: range, shards: shards, combiner: combiner,
                        workspace: workspace, backend: options.backend)
                }
            }
            let rows = range.count
            let loss = Double(total[p] / Scalar(rows))
            let accuracy = Double(total[p + 1]) / Double(rows)
            if !loss.isFinite {
                throw TrainingDivergedError(step: step, learningRate: options.learningRate, what: "the loss")
            }
            if !miniBatch && shouldStop(loss: loss, accuracy: accuracy, options) {
                stopReason = options.stopWhenAllCorrect && accuracy == 1 ? .allCorrect : .lossBelowTolerance
                break
            }
            let g = ShardedGradient.gradient(fromTotal: total, rows: rows, like: network)
            if !updateStaysFinite(network.parameters, g.flattened, gamma) {
                throw TrainingDivergedError(step: step, learningRate: options.learningRate, what: "a parameter")
            }
            network.update(by: g, learningRate: gamma)
            history.append(TrainingRecord(step: step, loss: loss, accuracy: accuracy))
            samplesSeen += rows

            if miniBatch && position >= n && (options.stopWhenAllCorrect || options.lossTolerance != nil) {
                let y = network.forward(inputs, backend: options.backend)
                let fullLoss = Double(network.loss.value(y, targets))
                let fullAccuracy = network.loss.accuracy(y, targets)
                if shouldStop(loss: fullLoss, accuracy: fullAccuracy, options) {
                    stopReason = options.stopWhenAllCorrect && fullAccuracy == 1 ? .allCorrect : .lossBelowTolerance
                    break
                }
            }

            if let progress, progressEvery > 0, step % progressEvery == 0 || step == options.steps {
                let d = clock.now - start
                let elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                let snapshot = TrainingProgress(
                    step: step, totalSteps: options.steps, loss: loss, accuracy: accuracy,
                    samplesPerSecond: elapsed > 0 ? Double(samplesSeen) / elapsed : 0,
                    elapsedSeconds: elapsed,
                    remainingSeconds: elapsed / Double(step) * Double(options.steps - step))
                if !progress(snapshot) {
                    stopReason = .interrupted
                    break
                }
            }
        }
        return TrainingResult(history: history, stopReason: stopReason)
    }

    private static func shouldStop(loss: Double, accuracy: Double, _ options: TrainingOptions) -> Bool {
        (options.stopWhenAllCorrect && accuracy == 1) || (options.lossTolerance.map { loss < $0 } ?? false)
    }

    /// Whether `θ_i − γ·g_i` is finite for every `i`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func updateStaysFinite<Scalar: BLASScalar>(_ theta: [Scalar], _ g: [Scalar], _ gamma: Scalar) -> Bool {
        for i in 0..<theta.count where !(theta[i] - gamma * g[i]).isFinite { return false }
        return true
    }

    /// The rows of `m` in the order `indices`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private static func gather<Scalar: BLASScalar>(_ m: Matrix<Scalar>, _ indices: [Int]) -> Matrix<Scalar> {
        var out = [Scalar]()
        out.reserveCapacity(m.count)
        m.withUnsafeBufferPointer { src in
            for i in indices { out.append(contentsOf: src[(i * m.cols)..<((i + 1) * m.cols)]) }
        }
        return Matrix(rows: m.rows, cols: m.cols, elements: out)
    }
}
