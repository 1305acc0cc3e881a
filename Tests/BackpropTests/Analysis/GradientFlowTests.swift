import Backprop
import Testing

private func deltaNormsAndJacobians<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    var g = SeededGenerator(seed: 4)
    let x = Matrix<T>.random(rows: 6, cols: 3, in: -1...1, using: &g)
    let t = Matrix<T>.random(rows: 6, cols: 2, in: -1...1, using: &g)
    let net = Network<T>(sizes: [3, 4, 5, 2], hidden: .tanh, loss: .mse, seed: 6)
    let report = try net.gradientFlow(x, t)
    #expect(report.layers.map(\.layer) == [1, 2, 3])
    #expect(report.layers.map(\.jacobianSingularValues.count) == [3, 4, 2])

    // δ^(L) = (y − t)/N for the mean squared error.
    let y = net.forward(x)
    var outputNorm = 0.0
    for i in 0..<y.count { let d = Double(y.elements[i] - t.elements[i]) / 6; outputNorm += d * d }
    #expect(close(report.layers[2].deltaNorm, outputNorm.squareRoot(), tolerance))
    #expect(close(report.loss, Double(net.loss(x, t)), tolerance))

    // δ^(l−1) = J^(l)ᵀ·δ^(l) sample by sample, so ‖δ^(l−1)‖ follows from the Jacobians.
    let ws = BackpropWorkspace(network: net, batchSize: 6)
    x.withView { xv in t.withView { tv in _ = net.backpropagate(xv, tv, workspace: ws) } }
    let deltas = ws.deltas
    for l in [2, 3] {
        var propagated = 0.0
        for s in 0..<6 {
            let j = net.layerJacobians(x.rows(s..<(s + 1)))[l - 1]
            let d = Matrix<T>(column: deltas[l].row(s))
            let back = Backend.naive.matvec(j.transposed, d)
            for i in 0..<back.count {
                #expect(close(Double(back.elements[i]), Double(deltas[l - 1][s, i]), tolerance))
                propagated += Double(back.elements[i] * back.elements[i])
            }
        }
        #expect(close(report.layers[l - 2].deltaNorm, propagated.squareRoot(), tolerance))
    }

    // The mean singular values are the means of each sample's gesdd spectrum.
    var mean = [Double](repeating: 0, count: 4)
    for s in 0..<6 {
        let sigma = try LAPACK.singularValues(net.layerJacobians(x.rows(s..<(s + 1)))[1])
        for i in 0..<4 { mean[i] += Double(sigma[i]) / 6 }
    }
    for i in 0..<4 { #expect(close(report.layers[1].jacobianSingularValues[i], mean[i], tolerance)) }
    #expect(report.layers[1].jacobianSingularValues == report.layers[1].jacobianSingularValues.sorted(by: >))
}

@Test func gradientFlowReportsDeltaNormsAndJacobianSpectra() throws {
    try deltaNormsAndJacobians(Float.self, tolerance: 1e-4)
    try deltaNormsAndJacobians(Double.self, tolerance: 1e-12)
}

@Test func layerJacobiansChainToTheNumericalInputJacobian() {
    let net = Network<Double>(sizes: [3, 4, 2], hidden: .sigmoid, output: .tanh, loss: .mse, seed: 12)
    let x = Matrix<Double>([[0.3, -0.7, 1.1]])
    let j = net.layerJacobians(x)
    #expect(j[0].rows == 4 && j[0].cols == 3 && j[1].rows == 2 && j[1].cols == 4)
    let chained = Backend.naive.matmul(j[1], j[0])  // ∂y/∂x, 2 × 3
    for k in 0..<2 {
        let column = NumericalGradient.of({ input in net.forward(Matrix(row: input))[0, k] }, at: x.row(0))
        for i in 0..<3 { #expect(abs(chained[k, i] - column[i]) < 1e-9) }
    }
}

@Test func identityLayerJacobianSpectrumIsTheWeightSpectrum() throws {
    // J = Wᵀ = [[1, 2, 3], [4, 5, 6]] for every sample: σ = 9.508032, 0.7728696.
    let layer = DenseLayer<Double>(weight: Matrix([[1, 4], [2, 5], [3, 6]]), bias: Matrix([[0.5, -1]]), activation: .identity)
    let net = Network(layers: [layer], loss: .mse)
    let x = Matrix<Double>.random(rows: 4, cols: 3, seed: 1)
    let report = try net.gradientFlow(x, Matrix(rows: 4, cols: 2))
    let s = report.layers[0].jacobianSingularValues
    #expect(abs(s[0] - 9.508032000695723) < 1e-12 && abs(s[1] - 0.7728696356734838) < 1e-12)
    #expect(try net.gradientFlow(x, Matrix(rows: 4, cols: 2), jacobians: false).layers[0].jacobianSingularValues.isEmpty)
}

@Test func sigmoidLayersShrinkTheirJacobianAndSaturationVanishesIt() throws {
    var g = SeededGenerator(seed: 3)
    let x = Matrix<Double>.random(rows: 8, cols: 4, in: -1...1, using: &g)
    let t = Matrix<Double>.random(rows: 8, cols: 1, in: -1...1, using: &g)
    let net = Network<Double>(sizes: [4, 6, 6, 1], hidden: .sigmoid, loss: .mse, seed: 9)
    let report = try net.gradientFlow(x, t)
    // g′ ≤ 1/4, so σ_1(J) ≤ σ_1(W)/4 for every sample.
    for l in 0..<2 {
        let sw = try LAPACK.singularValues(net.layers[l].weight)[0]
        #expect(report.layers[l].jacobianSingularValues[0] <= sw / 4 + 1e-12)
    }
    // Vanishing: through five sigmoid layers δ shrinks at every layer on its way to the input.
    let deep = Network<Double>(sizes: [4, 6, 6, 6, 6, 6, 1], hidden: .sigmoid, loss: .mse, seed: 9)
    let vanishing = try deep.gradientFlow(x, t)
    for l in 1..<5 {
        #expect(vanishing.layers[l - 1].deltaNorm < vanishing.layers[l].deltaNorm)
        #expect(vanishing.layers[l].jacobianSingularValues[0] < 1)
    }
    #expect(vanishing.layers[0].deltaNorm < 0.05 * vanishing.layers[4].deltaNorm)
    // Exploding: linear layers with 3× Glorot weights (σ_1(J) = σ_1(W) > 1) grow δ instead.
    var linear = Network<Double>(sizes: [4, 6, 6, 6, 6, 6, 1], hidden: .identity, loss: .mse, seed: 9)
    for l in 0..<linear.layers.count { linear.layers[l].weight = linear.layers[l].weight.map { 3 * $0 } }
    let exploding = try linear.gradientFlow(x, t)
    #expect(exploding.layers[1...].allSatisfy { $0.jacobianSingularValues[0] > 1 })
    #expect(exploding.layers[0].deltaNorm > 10 * exploding.layers[4].deltaNorm)
}
