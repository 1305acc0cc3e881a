import Backprop
import Testing

/// The MLP through the tape against the layer-wise backpropagation of the network engine.
@Suite("Autodiff: networks, against layer-wise backprop")
struct AutodiffNetworkTests {
    static func network<T: BLASScalar>(
        _ sizes: [Int], hidden: Activation, loss: Loss, seed: UInt64, as: T.Type = T.self
    ) -> Network<T> {
        var net = Network<T>(sizes: sizes, hidden: hidden, output: .identity, loss: loss, seed: seed)
        for l in 0..<net.layers.count {
            net.layers[l].bias = .random(rows: 1, cols: sizes[l + 1], in: -0.5...0.5, seed: seed &+ UInt64(l))
        }
        return net
    }

    static func batch<T: BLASScalar>(_ net: Network<T>, rows: Int, seed: UInt64) -> (x: Matrix<T>, t: Matrix<T>) {
        let x = Matrix<T>.random(rows: rows, cols: net.inputSize, seed: seed)
        let t = AutodiffCheck.targets(net.loss, rows: rows, cols: net.outputSize, seed: seed &+ 1)
        return (x, t.converted())
    }

    /// Autodiff's `(E, ∇E)` equals `Network.gradient` on the same backend.
    static func checkAgreement<T: BLASScalar>(_: T.Type, tolerance: Double) {
        let cases: [(Activation, Loss, Int)] = [
            (.tanh, .mse, 1), (.tanh, .softmax, 7), (.sigmoid, .logistic, 5), (.relu, .hinge, 8),
            (.softplus, .perceptron, 4), (.leakyReLU, .softmax, 16),
        ]
        for backend in Backend.allCases {
            for (k, (hidden, loss, rows)) in cases.enumerated() {
                let outputs = loss.isBinary ? 1 : 3
                let net: Network<T> = network([4, 6, 5, outputs], hidden: hidden, loss: loss, seed: UInt64(100 + k))
                let (x, t) = batch(net, rows: rows, seed: UInt64(200 + k))
                let layerwise = net.gradient(x, t, backend: backend)
                let autodiff = net.autodiffGradient(x, t, backend: backend)
                let lossError = abs(Double(autodiff.loss - layerwise.loss)) / max(1e-30, abs(Double(layerwise.loss)))
                #expect(lossError <= tolerance, "\(T.self) \(hidden)/\(loss) N=\(rows) on \(backend): E \(autodiff.loss) vs \(layerwise.loss)")
                for l in 0..<net.layers.count {
                    let dw = AutodiffCheck.relativeDifference(autodiff.gradient.weights[l], layerwise.gradient.weights[l], floor: 1e-6)
                    let db = AutodiffCheck.relativeDifference(autodiff.gradient.biases[l], layerwise.gradient.biases[l], floor: 1e-6)
                    #expect(dw <= tolerance && db <= tolerance,
                            "\(T.self) \(hidden)/\(loss) N=\(rows) on \(backend), layer \(l): ∂W differs by \(dw), ∂b by \(db)")
                }
                #expect(autodiff.gradient.weights.contains { $0.elements.contains { $0 != 0 } })
            }
        }
    }

    @Test("MLP: autodiff = Network.gradient (Double, tight)")
    func agreesInDouble() { Self.checkAgreement(Double.self, tolerance: 1e-11) }

    @Test("MLP: autodiff = Network.gradient (Float)")
    func agreesInFloat() { Self.checkAgreement(Float.self, tolerance: 1e-4) }

    @Test("MLP: autodiff = numerical differentiation", arguments: Backend.allCases)
    func agreesWithNumerical(backend: Backend) {
        let net: Network<Double> = Self.network([3, 5, 4, 2], hidden: .tanh, loss: .softmax, seed: 7)
        let (x, t) = Self.batch(net, rows: 6, seed: 8)
        let report = GradientCheck.compare(
            analytic: net.autodiffGradient(x, t, backend: backend).gradient,
            numerical: net.numericalGradient(x, t, backend: backend))
        #expect(report.passes(tolerance: 1e-6), "\(report)")
    }

    /// Steps of `autodiffTrainingStep` = steps of the hand-written `trainingStep`, and the
    /// parameters are updated in place (their storage does not move).
    static func checkTraining<T: BLASScalar>(_: T.Type, tolerance: Double) {
        for backend in Backend.allCases {
            var a: Network<T> = network([3, 8, 8, 2], hidden: .tanh, loss: .mse, seed: 31)
            var b = a
            let (x, t) = batch(a, rows: 10, seed: 32)
            let tape = Tape<T>()
            let workspace = BackpropWorkspace(network: b, batchSize: 10)
            // `b` shares `a`'s storage until the first step copies it; from then on it must stay.
            var address0: UnsafePointer<T>? = nil
            for step in 0..<5 {
                if step == 1 { address0 = a.layers[0].weight.withUnsafeBufferPointer { $0.baseAddress } }
                let ea = a.autodiffTrainingStep(x: x, t: t, learningRate: 0.1, tape: tape, backend: backend)
                let eb = x.withView { xv in
                    t.withView { tv in b.trainingStep(xv, tv, learningRate: 0.1, workspace: workspace, backend: backend) }
                }
                #expect(abs(Double(ea - eb)) <= tolerance * max(1, abs(Double(eb))), "step \(step): E \(ea) vs \(eb)")
            }
            for l in 0..<a.layers.count {
                #expect(AutodiffCheck.relativeDifference(a.layers[l].weight, b.layers[l].weight, floor: 1e-6) <= tolerance)
                #expect(AutodiffCheck.relativeDifference(a.layers[l].bias, b.layers[l].bias, floor: 1e-6) <= tolerance)
            }
            #expect(a.layers[0].weight != Network<T>(sizes: [3, 8, 8, 2], seed: 31).layers[0].weight, "training moved the weights")
            #expect(a.layers[0].weight.withUnsafeBufferPointer { $0.baseAddress } == address0,
                    "weights are updated in place, not copied")
            #expect(tape.count == 0, "the step leaves the tape reset")
        }
    }

    @Test("training step: autodiff = hand-written layer-wise step (Double)")
    func trainingDouble() { Self.checkTraining(Double.self, tolerance: 1e-12) }

    @Test("training step: autodiff = hand-written layer-wise step (Float)")
    func trainingFloat() { Self.checkTraining(Float.self, tolerance: 1e-5) }

    @Test("empty batch: E = 0 and zero gradients, like the layer-wise engine", arguments: Backend.allCases)
    func emptyBatch(backend: Backend) {
        let net: Network<Double> = Self.network([3, 4, 2], hidden: .tanh, loss: .mse, seed: 9)
        let x = Matrix<Double>(rows: 0, cols: 3)
        let t = Matrix<Double>(rows: 0, cols: 2)
        let autodiff = net.autodiffGradient(x, t, backend: backend)
        let layerwise = net.gradient(x, t, backend: backend)
        #expect(autodiff.loss == 0 && layerwise.loss == 0)
        #expect(autodiff.gradient == layerwise.gradient)
        #expect(autodiff.gradient.weights.allSatisfy { $0.elements.allSatisfy { $0 == 0 } })
        // And a tape whose only bias op sees zero rows (the ones vector was never needed before).
        let tape = Tape<Double>(backend: backend)
        let b = tape.parameter(Matrix<Double>(row: [1, 2]))
        let e = tape.constant(Matrix<Double>(rows: 0, cols: 2)).addingBias(b).sum() + b.sum()
        #expect(throws: Never.self) { try tape.backward(from: e) }
        #expect(tape.gradient(of: b) == Matrix(row: [1, 1]))
    }

    @Test("autodiff training reduces the loss on XOR")
    func trainsXOR() {
        var net = Network<Double>(sizes: [2, 8, 1], hidden: .tanh, output: .identity, loss: .mse, seed: 3)
        let x = Matrix<Double>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let t = Matrix<Double>([[-1], [1], [1], [-1]])
        let tape = Tape<Double>()
        let first = net.autodiffTrainingStep(x: x, t: t, learningRate: 0.2, tape: tape)
        var last = first
        for _ in 0..<2000 { last = net.autodiffTrainingStep(x: x, t: t, learningRate: 0.2, tape: tape) }
        #expect(last < 0.01 * first, "E went from \(first) to \(last)")
        #expect(net.loss.accuracy(net.forward(x), t) == 1)
    }
}
