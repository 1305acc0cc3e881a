import Backprop
import Testing

private func gradientDescentReachesLeastSquares<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    var g = SeededGenerator(seed: 31)
    let x = Matrix<T>.random(rows: 40, cols: 3, in: -1...1, using: &g)
    // t = x·W + b + noise, two outputs.
    let wTrue = Matrix<T>([[1, -2], [0.5, 0], [-1, 3]])
    var t = Backend.naive.matmul(x, wTrue)
    for i in 0..<t.rows {
        t[i, 0] += 0.7 + T(Double.random(in: -0.1...0.1, using: &g))
        t[i, 1] += -0.2 + T(Double.random(in: -0.1...0.1, using: &g))
    }
    let (w, b) = try LinearLeastSquares.solve(inputs: x, targets: t)
    #expect(w.rows == 3 && w.cols == 2 && b.rows == 1 && b.cols == 2)
    // Independent check of optimality: ∇E vanishes at the solution (normal equations).
    let best = try LinearLeastSquares.network(inputs: x, targets: t)
    let grad = best.gradient(x, t).gradient.flattened
    #expect(grad.allSatisfy { abs(Double($0)) < tolerance })
    #expect(abs(Double(w[0, 0]) - 1) < 0.1 && abs(Double(b[0, 0]) - 0.7) < 0.1)

    // Gradient descent from a random start, γ = 1/λ_max of the Hessian.
    var net = Network<T>(sizes: [3, 2], output: .identity, loss: .mse, seed: 8)
    let lambdaMax = net.hessian(x, t).largestEigenvalue(seed: 1).lambdaMax
    let gamma = try #require(StepSize.suggestedLearningRate(lambdaMax: lambdaMax))
    _ = try Trainer.train(&net, inputs: x, targets: t, options: TrainingOptions(steps: 3000, learningRate: gamma))
    let gd = net.parameters
    let closed = best.parameters
    for i in 0..<gd.count {
        #expect(abs(Double(gd[i] - closed[i])) < 10 * tolerance, "θ[\(i)]: gradient descent \(gd[i]) vs least squares \(closed[i])")
    }
}

@Test func gradientDescentConvergesToTheLeastSquaresSolution() throws {
    try gradientDescentReachesLeastSquares(Double.self, tolerance: 1e-10)
    try gradientDescentReachesLeastSquares(Float.self, tolerance: 1e-5)
}

@Test func leastSquaresRejectsAConstantFeature() {
    // A constant column duplicates the bias: [X 1] has rank 2 < 3.
    let x = Matrix<Double>([[1, 2], [1, 3], [1, 5], [1, 7]])
    do {
        _ = try LinearLeastSquares.solve(inputs: x, targets: Matrix(column: [1, 2, 3, 4]))
        Issue.record("a constant feature was not rejected")
    } catch {
        guard case .numericallyRankDeficient(let routine, let condition) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(routine == "LAPACKE_dgels")
        #expect(condition > 1e14)
    }
}
