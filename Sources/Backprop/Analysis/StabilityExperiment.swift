/// The step-size experiment of the demo's stability page: compute `λ_max` of the loss Hessian at
/// the network's starting point, then train two copies with full-batch gradient descent, one with
/// `γ` just below the bound `2/λ_max` and one just above, and return both loss curves.
///
/// On a quadratic the run below converges and the run above diverges (``StepSize``). On a network
/// the bound is local: the run above it usually oscillates or blows up at first, but it may also
/// escape to a flatter region (where `λ_max` is smaller) and settle — the curves show which.
public enum StabilityExperiment {
    /// `0.9`: the "below" run uses `γ = 0.9·2/λ_max`.
    public static let defaultBelowFactor = 0.9
    /// `1.1`: the "above" run uses `γ = 1.1·2/λ_max`.
    public static let defaultAboveFactor = 1.1

    /// One training run.
    public struct Run: Sendable {
        /// `γ / (2/λ_max)`.
        public var factor: Double
        /// `γ`.
        public var learningRate: Double
        /// `E(θ_0), E(θ_1), …`: the full-batch loss before each step, then (if training did not
        /// diverge) the loss after the last step — `steps + 1` values for a complete run.
        public var losses: [Double]
        /// The step at which the loss or a parameter stopped being finite, or `nil`.
        public var divergedAtStep: Int?
        /// `λ_max` at the parameters the run ended with (`nil` when it diverged). A run above the
        /// bound that did not diverge has usually moved to where `λ_max < 2/γ`.
        public var finalLambdaMax: Double?
        /// Whether training stopped on a non-finite loss or parameter.
        public var diverged: Bool { divergedAtStep != nil }
        /// The last recorded loss.
        public var finalLoss: Double { losses.last ?? .nan }
    }

    /// The experiment's outcome.
    public struct Result: Sendable {
        /// `λ_max` at the starting parameters.
        public var lambdaMax: Double
        /// `2/λ_max`.
        public var bound: Double
        /// The power iteration that gave `λ_max` (`nil` when `λ_max` was passed in).
        public var powerIteration: PowerIteration.Result?
        /// The run with `γ` below the bound.
        public var below: Run
        /// The run with `γ` above the bound.
        public var above: Run
    }

    /// `λ_max ≤ 0` at the starting point: the curvature gives no step-size bound.
    public struct NoPositiveCurvature: Error, CustomStringConvertible, Equatable {
        /// The computed `λ_max`.
        public var lambdaMax: Double
        /// The error for `lambdaMax`.
        public init(lambdaMax: Double) { self.lambdaMax = lambdaMax }
        /// Explanation.
        public var description: String {
            "the loss Hessian has no positive eigenvalue at the starting point (λ_max = \(lambdaMax)), so 2/λ_max gives no step-size bound"
        }
    }

    /// Runs the experiment on copies of `network` (which is not changed) with `inputs`
    /// (`N × d_0`) and `targets` (`N × d_L`) for `steps` full-batch steps each. `λ_max` comes from
    /// ``HessianOperator/largestEigenvalue(maxIterations:tolerance:seed:)`` on
    /// ``Network/hessian(_:_:relativeStep:backend:)`` seeded with `seed`, unless `lambdaMax` is
    /// given.
    public static func run<Scalar: BLASScalar>(
        network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>, steps: Int,
        belowFactor: Double = defaultBelowFactor, aboveFactor: Double = defaultAboveFactor,
        lambdaMax: Double? = nil, seed: UInt64 = 0, backend: Backend = .blas
    ) throws(NoPositiveCurvature) -> Result {
        if steps < 0 { fatalError("StabilityExperiment.run: steps \(steps) must be ≥ 0") }
        var power: PowerIteration.Result? = nil
        let lambda: Double
        if let lambdaMax {
            lambda = lambdaMax
        } else {
            let p = network.hessian(inputs, targets, backend: backend).largestEigenvalue(seed: seed)
            power = p
            lambda = p.lambdaMax
        }
        guard let bound = StepSize.bound(lambdaMax: lambda) else {
            throw NoPositiveCurvature(lambdaMax: lambda)
        }
        func train(_ factor: Double) -> Run {
            var copy = network
            let gamma = factor * bound
            var losses: [Double] = []
            var divergedAt: Int? = nil
            var finalLambda: Double? = nil
            do {
                _ = try Trainer.train(
                    &copy, inputs: inputs, targets: targets,
                    options: TrainingOptions(steps: steps, learningRate: gamma, backend: backend),
                    progressEvery: 1, progress: { losses.append($0.loss); return true })
                losses.append(Double(copy.loss(inputs, targets, backend: backend)))
                finalLambda = copy.hessian(inputs, targets, backend: backend).largestEigenvalue(seed: seed).lambdaMax
            } catch {
                divergedAt = error.step
            }
            return Run(factor: factor, learningRate: gamma, losses: losses, divergedAtStep: divergedAt, finalLambdaMax: finalLambda)
        }
        return Result(
            lambdaMax: lambda, bound: bound, powerIteration: power, below: train(belowFactor),
            above: train(aboveFactor))
    }
}
