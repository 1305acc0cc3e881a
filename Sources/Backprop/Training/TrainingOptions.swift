/// The settings of the lecture's training loop (see ``Trainer``).
///
/// Defaults do nothing the user did not ask for: exactly `steps` full-batch steps, no shuffling,
/// no early stop, no momentum or weight decay.
public struct TrainingOptions: Sendable, Equatable {
    /// Number of gradient steps `T` (each step is one update of θ).
    public var steps: Int
    /// The step size `γ` in `θ ← θ − γ∇E(θ)`.
    public var learningRate: Double
    /// Rows per mini-batch, or `nil` for full-batch gradient descent (every step uses all rows).
    /// Mini-batches are drawn from a permutation of the rows, new each epoch, from ``seed``.
    public var batchSize: Int?
    /// Seed of the mini-batch shuffling (unused for full batches).
    public var seed: UInt64
    /// Stop as soon as every training point is classified correctly (off by default).
    public var stopWhenAllCorrect: Bool
    /// Stop as soon as the training loss falls below this value (off by default).
    public var lossTolerance: Double?
    /// Where the matrix products run.
    public var backend: Backend

    /// Options with the given number of steps and learning rate, full batch, no early stopping.
    public init(
        steps: Int, learningRate: Double, batchSize: Int? = nil, seed: UInt64 = 0,
        stopWhenAllCorrect: Bool = false, lossTolerance: Double? = nil, backend: Backend = .blas
    ) {
        self.steps = steps
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        self.stopWhenAllCorrect = stopWhenAllCorrect
        self.lossTolerance = lossTolerance
        self.backend = backend
    }
}

/// Why a training run ended.
public enum StopReason: String, Sendable, Codable {
    /// All `steps` were run.
    case completedSteps = "completed-steps"
    /// Every training point was classified correctly (``TrainingOptions/stopWhenAllCorrect``).
    case allCorrect = "all-correct"
    /// The loss fell below ``TrainingOptions/lossTolerance``.
    case lossBelowTolerance = "loss-below-tolerance"
    /// The progress callback asked to stop (e.g. Ctrl-C).
    case interrupted
}

/// One step of the training history.
public struct TrainingRecord: Sendable, Equatable, Codable {
    /// 1-based step number.
    public var step: Int
    /// `E(θ)` on the step's batch, before the update.
    public var loss: Double
    /// Fraction of the step's batch classified correctly, before the update.
    public var accuracy: Double
}

/// What a progress callback sees.
public struct TrainingProgress: Sendable {
    /// Steps done so far.
    public var step: Int
    /// Steps requested.
    public var totalSteps: Int
    /// Loss of the last step's batch (before its update).
    public var loss: Double
    /// Accuracy of the last step's batch (before its update).
    public var accuracy: Double
    /// Training samples processed per second so far.
    public var samplesPerSecond: Double
    /// Seconds since training started.
    public var elapsedSeconds: Double
    /// Estimated seconds until `totalSteps` are done.
    public var remainingSeconds: Double
}

/// The outcome of ``Trainer/train(progress:)``.
public struct TrainingResult: Sendable {
    /// One record per step run.
    public var history: [TrainingRecord]
    /// Why training ended.
    public var stopReason: StopReason
    /// Steps run (`history.count`).
    public var stepsRun: Int { history.count }
}

/// Training stopped because the loss or a parameter stopped being finite.
public struct TrainingDivergedError: Error, CustomStringConvertible, Equatable {
    /// The 1-based step at which it happened.
    public var step: Int
    /// The learning rate in use.
    public var learningRate: Double
    /// `"the loss"` or `"a parameter"`.
    public var what: String

    /// A one-line explanation with the suggestion to lower γ.
    public var description: String {
        "training diverged at step \(step): \(what) became NaN or infinite with learning rate \(learningRate); try a smaller learning rate (e.g. \(learningRate / 10)). The parameters of step \(step - 1) were kept."
    }
}
