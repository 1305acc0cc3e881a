/// The perceptron as per-sample gradient descent on the perceptron error
///
///     E(w, b) = 1/N Σ_k E_k,    E_k = max(0, −z⁽ᵏ⁾·t⁽ᵏ⁾),    z = wᵀx + b.
///
/// Visiting sample `k`, the step follows the gradient of its term `E_k` (an unbiased estimate of
/// `∇E`; the `1/N` is absorbed into the learning rate):
///
///     δ = ∂E_k/∂z = −t·1[−z·t ≥ 0],   w ← w − η·δ·x,   b ← b − η·δ,
///
/// with the indicator taken as 1 at the kink `z = 0` (the subgradient that makes a boundary point a
/// mistake, the perceptron's convention). `δ` comes from ``Loss/perceptron`` — the same loss a
/// network trains with. Whenever `δ ≠ 0` this is `w ← w + η·t·x`, `b ← b + η·t`: Rosenblatt's
/// update, and a test checks that both formulations hold identical parameters after every visit.
///
/// Epochs, stopping rule (an epoch where every `δ` is 0, i.e. `E = 0`), shuffling and the result
/// are those of ``Perceptron``; `mistakes` counts the non-zero gradient steps.
public struct HingeGradientPerceptron<Scalar: BLASScalar>: Sendable {
    /// The step size `η > 0`.
    public var learningRate: Scalar
    /// The epoch cap, `≥ 1`.
    public var maxEpochs: Int
    /// Visit the samples in a new random order each epoch.
    public var shuffle: Bool
    /// Seed of the shuffling.
    public var seed: UInt64

    /// A trainer; traps on a learning rate that is not finite and positive, or `maxEpochs < 1`.
    public init(
        learningRate: Scalar = 1, maxEpochs: Int = 100, shuffle: Bool = false, seed: UInt64 = 0
    ) {
        LinearTraining.checkSettings(
            "HingeGradientPerceptron", learningRate: learningRate, maxEpochs: maxEpochs)
        self.learningRate = learningRate
        self.maxEpochs = maxEpochs
        self.shuffle = shuffle
        self.seed = seed
    }

    /// Trains on `N × d` features and `N × 1` targets `t ∈ {−1, +1}`; `onStep` is called after
    /// every visit.
    public func train(
        features x: Matrix<Scalar>, targets t: Matrix<Scalar>, backend: Backend = .blas,
        onStep: ((PerceptronStep<Scalar>) -> Void)? = nil
    ) -> PerceptronResult<Scalar> {
        let eta = learningRate
        return LinearTraining.run(
            "HingeGradientPerceptron", features: x, targets: t, maxEpochs: maxEpochs,
            shuffle: shuffle, seed: seed, backend: backend, onStep: onStep
        ) { w, b, xk, tk, d in
            var z = LinearTraining.textbookScore(w, xk, d, b)
            var target = tk
            var delta: Scalar = 0
            Loss.perceptron.sampleGradient(&z, &target, count: 1, scale: 1, into: &delta)
            if delta == 0 { return false }
            for j in 0..<d { w[j] = w[j] - eta * (delta * xk[j]) }
            b = b - eta * delta
            return true
        }
    }

    /// Trains on a two-class data set.
    public func train(
        _ data: LabeledData<Scalar>, backend: Backend = .blas,
        onStep: ((PerceptronStep<Scalar>) -> Void)? = nil
    ) throws(LabeledDataError) -> PerceptronResult<Scalar> {
        train(
            features: data.features, targets: try data.binaryTargets(), backend: backend,
            onStep: onStep)
    }
}
