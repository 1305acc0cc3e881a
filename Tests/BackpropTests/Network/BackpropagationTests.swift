import Backprop
import Testing

/// Neuron-wise, layer-wise (BLAS and naive) and numerical gradients must agree.
@Suite struct BackpropagationTests {
    static let architectures: [[Int]] = [[3, 4], [3, 4, 0], [2, 5, 4, 0], [4, 3, 6, 2, 0]]
    static let batches = [1, 2, 7]

    /// `[d_0, …, d_L]` with the output width the loss needs (a trailing 0 is replaced).
    static func sizes(_ arch: [Int], _ loss: Loss) -> [Int] {
        let out = loss.isBinary ? 1 : 3
        return arch.count == 2 ? [arch[0], out] : arch.dropLast() + [out]
    }

    /// The three methods on one case. `T` is the precision of the analytic gradients; the
    /// numerical gradient is always computed in Double on a copy.
    static func checkAgreement<T: BLASScalar>(
        _ c: (network: Network<Double>, x: Matrix<Double>, t: Matrix<Double>), as: T.Type,
        label: String
    ) {
        let (net, x, t) = NetworkFixtures.convert(c, to: T.self)
        let tight = T.self == Double.self ? 1e-12 : 1e-5
        let blas = net.gradient(x, t, backend: .blas)
        let naive = net.gradient(x, t, backend: .naive)
        let neuron = net.neuronwiseGradient(x, t)
        let loss = net.loss(x, t)

        // Same loss from every path.
        let lossScale = max(1, abs(Double(loss)))
        #expect(abs(Double(blas.loss - loss)) <= tight * lossScale, "\(label): backprop loss \(blas.loss) vs forward \(loss)")
        #expect(abs(Double(neuron.loss - loss)) <= tight * lossScale, "\(label): neuron-wise loss \(neuron.loss) vs \(loss)")
        #expect(abs(Double(naive.loss - loss)) <= tight * lossScale, "\(label): naive loss \(naive.loss) vs \(loss)")

        // Layer-wise = neuron-wise, BLAS = naive (tight).
        let dNeuron = NetworkFixtures.normwiseDifference(blas.gradient, neuron.gradient)
        let dNaive = NetworkFixtures.normwiseDifference(blas.gradient, naive.gradient)
        #expect(dNeuron <= tight, "\(label): layer-wise vs neuron-wise \(dNeuron)")
        #expect(dNaive <= tight, "\(label): BLAS vs naive \(dNaive)")

        // = numerical, in Double (the Float gradient is compared with the Double one instead).
        if T.self == Double.self {
            let numerical = net.numericalGradient(x, t)
            let report = GradientCheck.compare(analytic: blas.gradient, numerical: numerical)
            #expect(report.passes(tolerance: 1e-6), "\(label):\n\(report)")
            let reportNeuron = GradientCheck.compare(analytic: neuron.gradient, numerical: numerical)
            #expect(reportNeuron.passes(tolerance: 1e-6), "\(label) (neuron-wise):\n\(reportNeuron)")
        } else {
            let double = c.network.gradient(c.x, c.t).gradient
            let d = NetworkFixtures.normwiseDifference(blas.gradient, double)
            #expect(d <= 1e-4, "\(label): Float vs Double gradient \(d)")
        }
    }

    static func checkEveryHiddenActivation<T: BLASScalar>(_ type: T.Type, loss: Loss) {
        for hidden in Activation.allCases {
            for (a, arch) in architectures.enumerated() {
                for batch in batches {
                    let sizes = sizes(arch, loss)
                    let seed = UInt64(1000 * a + 10 * batch) &+ UInt64(hidden.rawValue.count)
                    let c = NetworkFixtures.smoothCase(sizes: sizes, hidden: hidden, loss: loss, batch: batch, seed: seed)
                    checkAgreement(c, as: T.self, label: "\(T.self) \(sizes) \(hidden)/identity \(loss) N=\(batch)")
                }
            }
        }
    }

    @Test(arguments: Loss.allCases)
    func threeMethodsAgreeDouble(loss: Loss) {
        Self.checkEveryHiddenActivation(Double.self, loss: loss)
    }

    @Test(arguments: Loss.allCases)
    func threeMethodsAgreeFloat(loss: Loss) {
        Self.checkEveryHiddenActivation(Float.self, loss: loss)
    }

    /// Every activation also as the *output* activation (with mse, which accepts any output).
    @Test func everyOutputActivationWithMSE() {
        for output in Activation.allCases {
            for batch in Self.batches {
                let sizes = [3, 4, 2]
                let c = NetworkFixtures.smoothCase(sizes: sizes, hidden: .tanh, output: output, loss: .mse, batch: batch, seed: 77 + UInt64(batch))
                Self.checkAgreement(c, as: Double.self, label: "\(sizes) tanh/\(output) mse N=\(batch)")
                Self.checkAgreement(c, as: Float.self, label: "\(sizes) tanh/\(output) mse N=\(batch)")
            }
        }
    }

    /// The gradients are not trivially zero: the checks above would pass for an engine that
    /// returns zeros only if the numerical gradient were zero too, so make sure it is not.
    @Test func gradientsOfSmoothCasesAreNonzero() {
        let c = NetworkFixtures.smoothCase(sizes: [3, 4, 3], hidden: .tanh, loss: .softmax, batch: 5, seed: 3)
        let g = c.network.gradient(c.x, c.t).gradient
        for (name, tensor) in g.namedTensors {
            #expect(tensor.elements.allSatisfy { $0 != 0 }, "\(name) has a zero entry: \(tensor)")
        }
    }

    /// Step and max(0, z − 100) have g′ = 0 for ordinary inputs: every parameter before (and for
    /// the shifted ReLU, the weights of the layer after) gets exactly zero gradient, by every method.
    @Test(arguments: [Activation.step, .shiftedReLU])
    func flatActivationsGiveZeroGradient(activation: Activation) {
        let c = NetworkFixtures.smoothCase(sizes: [3, 5, 4, 1], hidden: activation, loss: .mse, batch: 6, seed: 11)
        let (net, x, t) = c
        let results: [(String, NetworkGradient<Double>)] = [
            ("blas", net.gradient(x, t, backend: .blas).gradient),
            ("naive", net.gradient(x, t, backend: .naive).gradient),
            ("neuron-wise", net.neuronwiseGradient(x, t).gradient),
            ("numerical", net.numericalGradient(x, t)),
        ]
        for (method, g) in results {
            // Layers 0 and 1 feed flat activations: zero gradient.
            for l in 0..<2 {
                #expect(g.weights[l].elements.allSatisfy { $0 == 0 }, "\(activation) \(method): layer \(l) weight gradient \(g.weights[l])")
                #expect(g.biases[l].elements.allSatisfy { $0 == 0 }, "\(activation) \(method): layer \(l) bias gradient \(g.biases[l])")
            }
            if activation == .shiftedReLU {
                // a = 0 for every hidden unit, so the output weights see zero inputs.
                #expect(g.weights[2].elements.allSatisfy { $0 == 0 }, "\(method): \(g.weights[2])")
            }
            // The output bias still learns (the output layer is identity): not everything is zero.
            #expect(g.biases[2][0, 0] != 0, "\(activation) \(method): output bias gradient is zero")
        }
    }

    /// The lecture's point: with the step activation everywhere, including the output, the
    /// gradient is zero everywhere and gradient descent cannot move.
    @Test func stepNetworkHasZeroGradientEverywhere() {
        var net = NetworkFixtures.network(sizes: [2, 6, 6, 1], hidden: .step, output: .step, loss: .mse, seed: 5)
        let x = Matrix<Double>.random(rows: 20, cols: 2, in: -1...1, seed: 6)
        let t = NetworkFixtures.targets(.mse, rows: 20, outputs: 1, seed: 7)
        #expect(NetworkFixtures.kinkDistance(net, x, t) > 1e-4)
        let (e, g) = net.gradient(x, t)
        #expect(e > 0)
        #expect(g.flattened.allSatisfy { $0 == 0 })
        #expect(net.neuronwiseGradient(x, t).gradient.flattened.allSatisfy { $0 == 0 })
        #expect(net.numericalGradient(x, t).flattened.allSatisfy { $0 == 0 })
        let before = net.parameters
        let ws = BackpropWorkspace(network: net, batchSize: 20)
        for _ in 0..<10 {
            x.withView { xv in t.withView { tv in _ = net.trainingStep(xv, tv, learningRate: 0.5, workspace: ws) } }
        }
        #expect(net.parameters == before)
    }

    /// A single sample goes through gemv/ger; it must equal the same sample inside a batch of 1
    /// on the naive backend and the mean over single-sample gradients must equal the batch one.
    @Test func batchGradientIsTheMeanOfSampleGradients() {
        let c = NetworkFixtures.smoothCase(sizes: [3, 5, 2], hidden: .sigmoid, loss: .mse, batch: 4, seed: 21)
        let (net, x, t) = c
        let batch = net.gradient(x, t).gradient
        var mean = NetworkGradient<Double>(zerosLike: net)
        for i in 0..<x.rows {
            let single = net.gradient(x.rows(i..<(i + 1)), t.rows(i..<(i + 1)), backend: .blas).gradient
            for l in 0..<mean.weights.count {
                Backend.naive.axpy(alpha: 0.25, single.weights[l], into: &mean.weights[l])
                Backend.naive.axpy(alpha: 0.25, single.biases[l], into: &mean.biases[l])
            }
        }
        #expect(NetworkFixtures.normwiseDifference(batch, mean) <= 1e-14)
    }

    /// Masked weights get zero gradient from every method, and the rest still agrees.
    @Test func maskedWeightsGetZeroGradient() {
        var net = NetworkFixtures.network(sizes: [3, 4, 2], hidden: .tanh, output: .identity, loss: .mse, seed: 31)
        let mask = Matrix<Double>([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1]])
        net.layers[0].setMask(mask)
        net.layers[1].setBiasMask(Matrix([[0, 1]]))
        #expect(net.layers[0].weight[0, 1] == 0 && net.layers[1].bias[0, 0] == 0)
        let x = Matrix<Double>.random(rows: 5, cols: 3, seed: 32)
        let t = NetworkFixtures.targets(.mse, rows: 5, outputs: 2, seed: 33)
        for g in [net.gradient(x, t).gradient, net.gradient(x, t, backend: .naive).gradient,
                  net.neuronwiseGradient(x, t).gradient, net.numericalGradient(x, t)] {
            for i in 0..<3 { for j in 0..<4 where mask[i, j] == 0 { #expect(g.weights[0][i, j] == 0) } }
            #expect(g.biases[1][0, 0] == 0)
            #expect(g.biases[1][0, 1] != 0)
        }
        let report = GradientCheck.compare(analytic: net.gradient(x, t).gradient, numerical: net.numericalGradient(x, t))
        #expect(report.passes(tolerance: 1e-6), "\(report)")
    }

    /// Backpropagation is idempotent: a second pass on the same workspace gives the same
    /// gradient (it overwrites, never accumulates).
    @Test func backwardDoesNotAccumulate() {
        let c = NetworkFixtures.smoothCase(sizes: [2, 3, 1], hidden: .tanh, loss: .logistic, batch: 3, seed: 41)
        let ws = BackpropWorkspace(network: c.network, batchSize: 3)
        let first = c.x.withView { xv in c.t.withView { tv in c.network.backpropagate(xv, tv, workspace: ws) } }
        let g1 = ws.gradient
        let second = c.x.withView { xv in c.t.withView { tv in c.network.backpropagate(xv, tv, workspace: ws) } }
        #expect(first == second)
        #expect(ws.gradient == g1)
    }

    /// The workspace exposes z, a, δ and ∂E/∂z with the documented shapes and relations.
    @Test func workspaceBuffersHoldTheDocumentedQuantities() {
        let c = NetworkFixtures.smoothCase(sizes: [3, 4, 2], hidden: .tanh, loss: .mse, batch: 5, seed: 51)
        let (net, x, t) = c
        let ws = BackpropWorkspace(network: net, batchSize: 8)
        x.withView { xv in t.withView { tv in _ = net.backpropagate(xv, tv, workspace: ws, backend: .blas) } }
        #expect(ws.rowsInUse == 5)
        let a = ws.activations, z = ws.preActivations, d = ws.deltas, dz = ws.preActivationGradients
        #expect(a.count == 3 && z.count == 3 && d.count == 3 && dz.count == 3)
        #expect(a[0] == x)
        #expect(z[0].rows == 5 && z[0].cols == 0 && d[0].cols == 0)
        #expect(a[2] == net.forward(x))
        // z^(1) = a^(0)·W + b; a^(1) = tanh z^(1).
        for i in 0..<5 {
            for k in 0..<4 {
                var s = net.layers[0].bias[0, k]
                for j in 0..<3 { s += x[i, j] * net.layers[0].weight[j, k] }
                #expect(abs(z[1][i, k] - s) <= 1e-14)
                #expect(abs(a[1][i, k] - Activation.tanh.value(s)) <= 1e-14)
                #expect(abs(dz[1][i, k] - (1 - a[1][i, k] * a[1][i, k]) * d[1][i, k]) <= 1e-15)
            }
            // δ^(2) = (y − t)/N for mse.
            for k in 0..<2 { #expect(abs(d[2][i, k] - (a[2][i, k] - t[i, k]) / 5) <= 1e-15) }
        }
    }
}

