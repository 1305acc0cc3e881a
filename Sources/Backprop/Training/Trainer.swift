/// The lecture's training algorithm: initialise θ (the caller does, from a seed); for
/// `t = 1…T`: forward pass, error `E(θ)`, gradient by backpropagation, `θ ← θ − γ∇E(θ)`.
///
/// Full batch (default): every step uses all rows, so step `t`'s recorded loss is exactly the
/// training error at `θ_{t−1}`. Mini-batch: each epoch the rows are permuted (seeded), and steps
/// take consecutive batches of that permutation; the last batch of an epoch may be smaller.
///
/// Nothing else is done to the data: no standardisation and no shuffling unless asked for.
/// Before each update, the loss and the would-be parameters are checked; if either is not finite,
/// training stops with ``TrainingDivergedError`` and the network keeps the last finite parameters.
public enum Trainer {
    /// Trains `network` on `inputs` (`N × d_0`) and `targets` (`N × d_L`) with `options`.
    ///
    /// - Parameters:
    ///   - progressEvery: call `progress` every this many steps (and after the last); 0 = never.
    ///   - progress: receives a snapshot; returning `false` stops training cleanly
    ///     (``StopReason/interrupted``) with the parameters of the last completed step.
    /// - Throws: ``TrainingDivergedError`` when the loss or a parameter would become NaN or ±∞.
    public static func train<Scalar: BLASScalar>(
        _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
        options: TrainingOptions, progressEvery: Int = 0,
        progress: ((TrainingProgress) -> Bool)? = nil
    ) throws(TrainingDivergedError) -> TrainingResult {
        try train(
            &network, inputs: inputs, targets: targets, options: options,
            progressEvery: progressEvery, observe: progress.map { p in { snapshot, _ in p(snapshot) } })
    }

    /// ``train(_:inputs:targets:options:progressEvery:progress:)`` with a callback that also sees
    /// the network after the reported step (finite parameters, e.g. to write a checkpoint).
    public static func train<Scalar: BLASScalar>(
        _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>,
        options: TrainingOptions, progressEvery: Int,
        observe: ((TrainingProgress, Network<Scalar>) -> Bool)?
    ) throws(TrainingDivergedError) -> TrainingResult {
        var source = BackpropGradientSource(
            network: network, batchSize: max(1, min(options.batchSize ?? inputs.rows, inputs.rows)))
        do {
            return try train(
                &network, inputs: inputs, targets: targets, options: options, source: &source,
                progressEvery: progressEvery, observe: observe)
        } catch let diverged as TrainingDivergedError {
            throw diverged
        } catch {
            fatalError("Trainer.train: backpropagation threw \(error)")  // it never throws
        }
    }

    /// The same loop with the batch gradients of `source` (e.g. a sum of fixed row shards,
    /// combined across processes).
    ///
    /// - Throws: ``TrainingDivergedError``, or what `source` throws.
    public static func train<Source: BatchGradientSource>(
        _ network: inout Network<Source.Scalar>, inputs: Matrix<Source.Scalar>,
        targets: Matrix<Source.Scalar>, options: TrainingOptions, source: inout Source,
        progressEvery: Int = 0, observe: ((TrainingProgress, Network<Source.Scalar>) -> Bool)? = nil
    ) throws -> TrainingResult {
        typealias Scalar = Source.Scalar
        let n = inputs.rows
        if inputs.cols != network.inputSize || targets.rows != n
            || targets.cols != network.outputSize || n == 0
        {
            fatalError("Trainer.train: inputs \(inputs.rows)×\(inputs.cols) and targets \(targets.rows)×\(targets.cols) do not fit the network \(network.sizes)")
        }
        if options.steps < 0 || !(options.learningRate > 0) || !options.learningRate.isFinite {
            fatalError("Trainer.train: steps \(options.steps) and learning rate \(options.learningRate) must be ≥ 0 and > 0")
        }
        let batch = min(options.batchSize ?? n, n)
        if batch < 1 { fatalError("Trainer.train: batch size \(batch) must be ≥ 1") }
        let gamma = Scalar(options.learningRate)
        let miniBatch = batch < n

        // Mini-batch state: a permuted copy of the data, refreshed each epoch; batches are row
        // ranges of it (views, no copies).
        var shuffledInputs = miniBatch ? inputs : Matrix<Scalar>(rows: 0, cols: 0)
        var shuffledTargets = miniBatch ? targets : Matrix<Scalar>(rows: 0, cols: 0)
        var permutation = Array(0..<(miniBatch ? n : 0))
        var generator = SeededGenerator(seed: options.seed)
        var position = n  // forces a shuffle before the first mini-batch

        var history: [TrainingRecord] = []
        history.reserveCapacity(options.steps)
        let clock = ContinuousClock()
        let start = clock.now
        var samplesSeen = 0
        var stopReason = StopReason.completedSteps

        if options.steps == 0 { return TrainingResult(history: [], stopReason: .completedSteps) }
        for step in 1...options.steps {
            var rows = n
            let evaluation: (loss: Scalar, accuracy: Double)
            if miniBatch {
                if position >= n {
                    permutation.shuffle(using: &generator)
                    shuffledInputs.withMutableView { inputs.gatherRows(permutation, into: $0) }
                    shuffledTargets.withMutableView { targets.gatherRows(permutation, into: $0) }
                    position = 0
                }
                rows = min(batch, n - position)
                let range = position..<(position + rows)
                evaluation = try shuffledInputs.withView { xv in
                    try shuffledTargets.withView { tv in
                        try source.evaluate(
                            network, xv.submatrix(rows: range, cols: 0..<xv.cols),
                            tv.submatrix(rows: range, cols: 0..<tv.cols), backend: options.backend)
                    }
                }
                position += rows
            } else {
                evaluation = try inputs.withView { xv in
                    try targets.withView { tv in
                        try source.evaluate(network, xv, tv, backend: options.backend)
                    }
                }
            }
            let (loss, accuracy) = evaluation

            if !loss.isFinite {
                throw TrainingDivergedError(step: step, learningRate: options.learningRate, what: "the loss")
            }
            // Full batch: the pre-update loss and accuracy are those of the whole training set.
            if !miniBatch && shouldStop(loss: Double(loss), accuracy: accuracy, options) {
                stopReason = options.stopWhenAllCorrect && accuracy == 1 ? .allCorrect : .lossBelowTolerance
                break
            }
            if !updateStaysFinite(network, source.gradient, gamma) {
                throw TrainingDivergedError(step: step, learningRate: options.learningRate, what: "a parameter")
            }
            network.update(by: source.gradient, learningRate: gamma)
            history.append(TrainingRecord(step: step, loss: Double(loss), accuracy: accuracy))
            samplesSeen += rows

            // Mini-batch: check the stopping rules on the whole training set once per epoch.
            if miniBatch && position >= n
                && (options.stopWhenAllCorrect || options.lossTolerance != nil)
            {
                let y = network.forward(inputs, backend: options.backend)
                let fullLoss = Double(network.loss.value(y, targets))
                let fullAccuracy = network.loss.accuracy(y, targets)
                if shouldStop(loss: fullLoss, accuracy: fullAccuracy, options) {
                    stopReason = options.stopWhenAllCorrect && fullAccuracy == 1 ? .allCorrect : .lossBelowTolerance
                    break
                }
            }

            if let observe, progressEvery > 0, step % progressEvery == 0 || step == options.steps {
                let elapsed = seconds(clock.now - start)
                let snapshot = TrainingProgress(
                    step: step, totalSteps: options.steps, loss: Double(loss), accuracy: accuracy,
                    samplesPerSecond: elapsed > 0 ? Double(samplesSeen) / elapsed : 0,
                    elapsedSeconds: elapsed,
                    remainingSeconds: elapsed / Double(step) * Double(options.steps - step))
                if !observe(snapshot, network) {
                    stopReason = .interrupted
                    break
                }
            }
        }
        return TrainingResult(history: history, stopReason: stopReason)
    }

    private static func shouldStop(loss: Double, accuracy: Double, _ options: TrainingOptions) -> Bool {
        (options.stopWhenAllCorrect && accuracy == 1)
            || (options.lossTolerance.map { loss < $0 } ?? false)
    }

    /// Whether `θ − γ·g` is finite for every parameter (checked before anything is written).
    private static func updateStaysFinite<Scalar: BLASScalar>(
        _ network: Network<Scalar>, _ g: NetworkGradient<Scalar>, _ gamma: Scalar
    ) -> Bool {
        for l in 0..<network.layers.count {
            let finite = network.layers[l].weight.withUnsafeBufferPointer { w in
                g.weights[l].withUnsafeBufferPointer { d in
                    zip(w, d).allSatisfy { ($0 - gamma * $1).isFinite }
                }
            } && network.layers[l].bias.withUnsafeBufferPointer { b in
                g.biases[l].withUnsafeBufferPointer { d in
                    zip(b, d).allSatisfy { ($0 - gamma * $1).isFinite }
                }
            }
            if !finite { return false }
        }
        return true
    }

    private static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
