/// Rosenblatt's perceptron, exactly as the lecture states it.
///
/// `z = wᵀx + b`, `y = sign(z)`, targets `t ∈ {−1, +1}`, start at `w = 0`, `b = 0`. One epoch
/// visits `k = 1…N` in order (or in a fresh seeded permutation per epoch when ``shuffle`` is on);
/// when `x⁽ᵏ⁾` is misclassified, i.e. `t⁽ᵏ⁾·z⁽ᵏ⁾ ≤ 0` (a point with `z = 0` counts as
/// misclassified, since `sign(0) ≠ t`):
///
///     w ← w + η·x⁽ᵏ⁾·t⁽ᵏ⁾,    b ← b + η·t⁽ᵏ⁾.
///
/// Training stops after the first epoch with no mistake (converged) or after ``maxEpochs``.
///
/// The per-sample loop is the textbook scalar loop — `z` summed left to right
/// (`((w₁x₁ + w₂x₂) + …) + b`), then `w_j ← w_j + (η·x_j)·t` — so its result is bit for bit what
/// any faithful implementation computes on the same data in the same order, on either backend
/// (a length-`d` dot product per sample gains nothing from BLAS). The backend computes the batch
/// scores `X·w + b` for the final accuracy.
public struct Perceptron<Scalar: BLASScalar>: Sendable {
    /// The learning rate `η > 0`. With `w, b` starting at 0 it only scales the result.
    public var learningRate: Scalar
    /// The epoch cap, `≥ 1`.
    public var maxEpochs: Int
    /// Visit the samples in a new random order each epoch (off: the file's order).
    public var shuffle: Bool
    /// Seed of the shuffling (one ``SeededGenerator``, one permutation per epoch).
    public var seed: UInt64

    /// A perceptron trainer. Traps when `learningRate` is not finite and positive or
    /// `maxEpochs < 1` (the command line checks user input before this).
    public init(
        learningRate: Scalar = 1, maxEpochs: Int = 100, shuffle: Bool = false, seed: UInt64 = 0
    ) {
        LinearTraining.checkSettings("Perceptron", learningRate: learningRate, maxEpochs: maxEpochs)
        self.learningRate = learningRate
        self.maxEpochs = maxEpochs
        self.shuffle = shuffle
        self.seed = seed
    }

    /// Trains on `N × d` features `x` and `N × 1` targets `t ∈ {−1, +1}`.
    ///
    /// `onStep`, when given, is called after every visit of a sample (updated or not) with the
    /// parameters at that moment.
    public func train(
        features x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas,
        onStep: ((PerceptronStep<Scalar>) -> Void)? = nil
    ) -> PerceptronResult<Scalar> {
        let eta = learningRate
        return LinearTraining.run(
            "Perceptron", features: x, targets: t, maxEpochs: maxEpochs, shuffle: shuffle,
            seed: seed, backend: backend, onStep: onStep
        ) { w, b, xk, tk, d in
            let z = LinearTraining.textbookScore(w, xk, d, b)
            if tk * z > 0 { return false }  // correct; z = 0 is a mistake
            for j in 0..<d { w[j] = w[j] + eta * xk[j] * tk }
            b = b + eta * tk
            return true
        }
    }

    /// Trains on a two-class data set (targets from ``LabeledData/binaryTargets()``).
    public func train(
        _ data: LabeledData<Scalar>, backend: Backend = .blas,
        onStep: ((PerceptronStep<Scalar>) -> Void)? = nil
    ) throws(LabeledDataError) -> PerceptronResult<Scalar> {
        train(
            features: data.features, targets: try data.binaryTargets(), backend: backend,
            onStep: onStep)
    }
}

/// The state after one visit of one sample during training (for tests and animations).
public struct PerceptronStep<Scalar: BLASScalar>: Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// 0-based row of the sample just visited.
    public var sample: Int
    /// Whether this visit changed the parameters (the sample was misclassified).
    public var updated: Bool
    /// `w` after the visit.
    public var weights: [Scalar]
    /// `b` after the visit.
    public var bias: Scalar

    /// A step record.
    public init(epoch: Int, sample: Int, updated: Bool, weights: [Scalar], bias: Scalar) {
        self.epoch = epoch
        self.sample = sample
        self.updated = updated
        self.weights = weights
        self.bias = bias
    }
}

/// What a perceptron run reports.
public struct PerceptronResult<Scalar: BLASScalar>: Sendable, Equatable {
    /// The learned rule (`w`, `b`).
    public var model: LinearClassifier<Scalar>
    /// Whether an epoch ended without a mistake.
    public var converged: Bool
    /// The number of updates in each epoch run; `epochs == mistakes.count`, and the last entry is
    /// 0 exactly when ``converged``.
    public var mistakes: [Int]
    /// Training accuracy of the final rule: the fraction of samples with `t·z > 0`.
    public var accuracy: Double

    /// A result from its parts.
    public init(model: LinearClassifier<Scalar>, converged: Bool, mistakes: [Int], accuracy: Double) {
        self.model = model
        self.converged = converged
        self.mistakes = mistakes
        self.accuracy = accuracy
    }

    /// `w` (`d` entries).
    public var weights: [Scalar] { model.weights.elements }
    /// `b`.
    public var bias: Scalar { model.bias }
    /// Epochs run, counting the mistake-free epoch that ended a converged run.
    public var epochs: Int { mistakes.count }
    /// Total number of updates.
    public var updates: Int { mistakes.reduce(0, +) }
}

/// The epoch loop shared by ``Perceptron`` and ``HingeGradientPerceptron``: order, stopping rule,
/// step reports and the result. `visit` handles one sample and says whether it updated.
enum LinearTraining {
    /// Traps (a programmer error: the command line validates user input first) unless the
    /// learning rate is finite and positive and `maxEpochs ≥ 1`.
    static func checkSettings<T: BLASScalar>(_ caller: String, learningRate: T, maxEpochs: Int) {
        if !(learningRate.isFinite && learningRate > 0) {
            fatalError("\(caller): the learning rate must be finite and > 0, got \(learningRate)")
        }
        if maxEpochs < 1 { fatalError("\(caller): maxEpochs must be ≥ 1, got \(maxEpochs)") }
    }

    /// `z = wᵀx + b`, summed left to right.
    @inline(__always)
    static func textbookScore<T: BLASScalar>(
        _ w: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, _ d: Int, _ b: T
    ) -> T {
        var z: T = 0
        for j in 0..<d { z = z + w[j] * x[j] }
        return z + b
    }

    static func run<T: BLASScalar>(
        _ name: String, features x: Matrix<T>, targets t: Matrix<T>, maxEpochs: Int,
        shuffle: Bool, seed: UInt64, backend: Backend, onStep: ((PerceptronStep<T>) -> Void)?,
        visit: (UnsafeMutablePointer<T>, inout T, UnsafePointer<T>, T, Int) -> Bool
    ) -> PerceptronResult<T> {
        let (n, d) = (x.rows, x.cols)
        if t.rows != n || t.cols != 1 {
            shapeMismatch(name, "features are \(n)×\(d), targets are \(t.rows)×\(t.cols); need N×1")
        }
        if let bad = t.elements.first(where: { $0 != 1 && $0 != -1 }) {
            fatalError("\(name): targets must be −1 or +1, found \(bad)")
        }
        var weights = [T](repeating: 0, count: d)
        var bias: T = 0
        var mistakes: [Int] = []
        var converged = false
        var generator = SeededGenerator(seed: seed)
        x.withUnsafeBufferPointer { xs in
            weights.withUnsafeMutableBufferPointer { wb in
                let w = wb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!
                let xBase = xs.baseAddress ?? UnsafePointer(bitPattern: 8)!
                for epoch in 1...maxEpochs {
                    let order = shuffle ? generator.permutation(n) : Array(0..<n)
                    var count = 0
                    for k in order {
                        let updated = visit(w, &bias, xBase + k * d, t.elements[k], d)
                        if updated { count += 1 }
                        if let onStep {
                            onStep(
                                PerceptronStep(
                                    epoch: epoch, sample: k, updated: updated,
                                    weights: Array(UnsafeBufferPointer(start: w, count: d)),
                                    bias: bias))
                        }
                    }
                    mistakes.append(count)
                    if count == 0 {
                        converged = true
                        break
                    }
                }
            }
        }
        let model = LinearClassifier(weights: weights, bias: bias)
        return PerceptronResult(
            model: model, converged: converged, mistakes: mistakes,
            accuracy: model.accuracy(x, targets: t, backend: backend))
    }
}
