import Backprop
import Testing

/// Gradient descent `θ ← θ − γ(Aθ − b)` for `steps` steps from `θ_0`; returns `‖θ − θ*‖`.
private func descend(_ a: Matrix<Double>, _ b: [Double], from theta0: [Double], gamma: Double, steps: Int, solution: [Double]) -> Double {
    let gradient = quadraticGradient(a, b)
    var theta = theta0
    for _ in 0..<steps {
        let g = gradient(theta)
        for i in 0..<theta.count { theta[i] -= gamma * g[i] }
    }
    return zip(theta, solution).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}

@Test func stepSizeBoundSeparatesConvergenceFromDivergenceOnAQuadratic() throws {
    // Positive definite with λ = 0.5, 1, 4 (bound 2/4 = 0.5); θ* = A⁻¹b by least squares.
    let a = symmetricMatrix(eigenvalues: [0.5, 1, 4], u: [1, 2, 2])
    let b = [1.0, -1, 2]
    let solution = try LAPACK.leastSquares(a, Matrix(column: b)).elements
    let op = HessianOperator(at: [0, 0, 0], gradient: quadraticGradient(a, b))
    let lambdaMax = op.largestEigenvalue(seed: 5).lambdaMax
    #expect(abs(lambdaMax - 4) < 1e-8)
    let bound = try #require(StepSize.bound(lambdaMax: lambdaMax))
    #expect(abs(bound - 0.5) < 1e-9)
    #expect(abs(StepSize.suggestedLearningRate(lambdaMax: lambdaMax)! - 0.25) < 1e-9)
    #expect(StepSize.bound(lambdaMax: -1) == nil)

    let theta0 = [3.0, -2, 1]
    let start = descend(a, b, from: theta0, gamma: 0, steps: 0, solution: solution)
    // Below: the top direction contracts by |1 − 0.9·2| = 0.8 per step, the slowest (λ = 0.5)
    // by 1 − 0.45·0.5 = 0.775: after 200 steps ≈ 0.8²⁰⁰ ≈ 4e-20.
    let below = descend(a, b, from: theta0, gamma: 0.9 * bound, steps: 200, solution: solution)
    #expect(below < 1e-12 * start)
    // Above: the top direction grows by |1 − 1.1·2| = 1.2 per step: ≈ 1.2²⁰⁰ ≈ 7e15.
    let above = descend(a, b, from: theta0, gamma: 1.1 * bound, steps: 200, solution: solution)
    #expect(above > 1e10 * start)
    // The suggested rate converges too.
    let suggested = descend(a, b, from: theta0, gamma: StepSize.suggestedLearningRate(lambdaMax: lambdaMax)!, steps: 200, solution: solution)
    #expect(suggested < 1e-9 * start)
}

private func stabilityExperimentOnALinearModel<T: BLASScalar>(_: T.Type) throws {
    // A linear model with squared error is a quadratic in (W, b): the bound is exact.
    var g = SeededGenerator(seed: 17)
    let x = Matrix<T>.random(rows: 30, cols: 3, in: -2...2, using: &g)
    let t = Matrix<T>.random(rows: 30, cols: 2, in: -1...1, using: &g)
    let net = Network<T>(sizes: [3, 2], output: .identity, loss: .mse, seed: 2)
    let result = try StabilityExperiment.run(network: net, inputs: x, targets: t, steps: 300, seed: 3)
    let best = Double(try LinearLeastSquares.network(inputs: x, targets: t).loss(x, t))
    #expect(abs(result.bound - 2 / result.lambdaMax) < 1e-12 * result.bound)
    #expect(abs(result.below.learningRate - 0.9 * result.bound) < 1e-12 * result.bound)
    #expect(abs(result.above.learningRate - 1.1 * result.bound) < 1e-12 * result.bound)
    #expect(result.below.losses.count == 301)
    #expect(!result.below.diverged)
    #expect(abs(result.below.finalLoss - best) < 1e-4 * max(1, best))
    // Above the bound the loss grows without limit (or overflows).
    #expect(result.above.diverged || result.above.finalLoss > 1e6 * result.above.losses[0])
    #expect(result.above.losses[0] == result.below.losses[0])
}

@Test func stabilityExperimentConvergesBelowAndDivergesAboveTheBound() throws {
    try stabilityExperimentOnALinearModel(Double.self)
    try stabilityExperimentOnALinearModel(Float.self)
}

@Test func stabilityExperimentRefusesANonPositiveCurvature() {
    let net = Network<Double>(sizes: [1, 1], output: .identity, loss: .mse, seed: 1)
    let x = Matrix<Double>([[1]])
    #expect(throws: StabilityExperiment.NoPositiveCurvature(lambdaMax: 0)) {
        try StabilityExperiment.run(network: net, inputs: x, targets: x, steps: 3, lambdaMax: 0)
    }
}

@Test func stabilityExperimentOnATanhNetworkForXOR() throws {
    // Observed behaviour on a real network (deterministic from the seeds): 0.9·2/λ_max
    // converges, 2·2/λ_max blows up; 1.1·2/λ_max converges here too, having moved to a point
    // where λ_max < 2/γ (the bound is local to the starting point).
    let x = Matrix<Double>([[0, 0], [0, 1], [1, 0], [1, 1]])
    let t = Matrix<Double>(column: [-1, 1, 1, -1])
    let net = Network<Double>(sizes: [2, 4, 1], hidden: .tanh, loss: .mse, seed: 1)
    let dense = try net.hessian(x, t).dense().eigenvalues()
    let r = try StabilityExperiment.run(network: net, inputs: x, targets: t, steps: 500, aboveFactor: 2, seed: 1)
    #expect(abs(r.lambdaMax - dense.last!) < 1e-8 * dense.last!)
    #expect(dense.first! < 0)
    #expect(!r.below.diverged && r.below.finalLoss < 1e-20)
    #expect(r.above.diverged)
    let slightlyAbove = try StabilityExperiment.run(network: net, inputs: x, targets: t, steps: 500, lambdaMax: r.lambdaMax)
    #expect(slightlyAbove.powerIteration == nil)
    #expect(!slightlyAbove.above.diverged)
    #expect(slightlyAbove.above.finalLambdaMax! < 2 / slightlyAbove.above.learningRate)
}
