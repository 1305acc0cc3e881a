import Backprop
import Testing

/// The lecture's worked 7-neuron example, written out by hand with its formulas and compared with
/// the general engine (layer-wise on both backends, neuron-wise, numerical).
@Suite struct LectureExampleTests {
    /// The eight weights, in the order of `lectureExample(w13:…)`.
    struct Weights {
        var w13, w23, w24, w35, w36, w46, w57, w67: Double
        var array: [Double] { [w13, w23, w24, w35, w36, w46, w57, w67] }
    }

    /// Everything the lecture computes for one sample, by its formulas (scalar code).
    struct HandComputed {
        var z: [Double]  // z₃…z₇ at indices 3…7
        var a: [Double]  // a₁…a₇ at indices 1…7
        var delta: [Double]  // δ₃…δ₇ at indices 3…7 (δ = ∂E/∂a)
        var e: Double
        var grad: Weights  // ∂E/∂w for the eight weights

        init(_ w: Weights, x1: Double, x2: Double, t: Double) {
            func g(_ z: Double) -> Double { Double.tanhApprox(z) }
            func gPrime(_ a: Double) -> Double { 1 - a * a }  // tanh′ from a = tanh z
            z = Array(repeating: 0, count: 8)
            a = Array(repeating: 0, count: 8)
            delta = Array(repeating: 0, count: 8)
            // Forward.
            a[1] = x1
            a[2] = x2
            z[3] = a[1] * w.w13 + a[2] * w.w23
            z[4] = a[2] * w.w24
            a[3] = g(z[3])
            a[4] = g(z[4])
            z[5] = a[3] * w.w35
            z[6] = a[3] * w.w36 + a[4] * w.w46
            a[5] = g(z[5])
            a[6] = g(z[6])
            z[7] = a[5] * w.w57 + a[6] * w.w67
            a[7] = z[7]  // identity output
            e = max(0, -z[7] * t)
            // Backward: δ₇ = ∂E/∂a₇ = −t when the hinge is active (z₇·t ≤ 0), else 0.
            delta[7] = z[7] * t <= 0 ? -t : 0
            let g7 = 1.0  // identity: g′(z₇) = 1
            delta[5] = delta[7] * g7 * w.w57
            delta[6] = delta[7] * g7 * w.w67
            delta[3] = delta[5] * gPrime(a[5]) * w.w35 + delta[6] * gPrime(a[6]) * w.w36
            delta[4] = delta[6] * gPrime(a[6]) * w.w46
            // ∂E/∂w_jk = δ_k g′(z_k) a_j.
            grad = Weights(
                w13: delta[3] * gPrime(a[3]) * a[1],
                w23: delta[3] * gPrime(a[3]) * a[2],
                w24: delta[4] * gPrime(a[4]) * a[2],
                w35: delta[5] * gPrime(a[5]) * a[3],
                w36: delta[6] * gPrime(a[6]) * a[3],
                w46: delta[6] * gPrime(a[6]) * a[4],
                w57: delta[7] * g7 * a[5],
                w67: delta[7] * g7 * a[6])
        }
    }

    /// The engine's gradient at the lecture's eight weights, in the same order.
    static func eightWeights(_ g: NetworkGradient<Double>) -> [Double] {
        [g.weights[0][0, 0], g.weights[0][1, 0], g.weights[0][1, 1], g.weights[1][0, 0],
         g.weights[1][0, 1], g.weights[1][1, 1], g.weights[2][0, 0], g.weights[2][1, 0]]
    }

    /// The weights where the hinge is active for `t = +1` (z₇ < 0) and those where it is not.
    static let negativeOutput = Weights(w13: 0.5, w23: -0.3, w24: 0.8, w35: 0.7, w36: -0.4, w46: 0.9, w57: 0.6, w67: 1.1)
    static let positiveOutput = Weights(w13: 0.5, w23: -0.3, w24: 0.8, w35: 0.7, w36: -0.4, w46: 0.9, w57: 0.6, w67: -1.1)
    static let input = (x1: 0.8, x2: -0.6)

    @Test(arguments: [(0, 1.0), (0, -1.0), (1, 1.0), (1, -1.0)])
    func engineMatchesTheLecturesFormulas(weightsIndex: Int, t: Double) {
        let w = weightsIndex == 0 ? Self.negativeOutput : Self.positiveOutput
        let hand = HandComputed(w, x1: Self.input.x1, x2: Self.input.x2, t: t)
        let net = Network<Double>.lectureExample(
            w13: w.w13, w23: w.w23, w24: w.w24, w35: w.w35, w36: w.w36, w46: w.w46, w57: w.w57, w67: w.w67)
        #expect(net.lectureExampleWeights == w.array)
        let x = Matrix<Double>([[Self.input.x1, Self.input.x2]])
        let target = Matrix<Double>([[t]])

        // The scenario is the intended one: hinge active exactly when z₇·t ≤ 0.
        let active = hand.z[7] * t <= 0
        #expect(hand.z[7] != 0)
        #expect(active == ((weightsIndex == 0) == (t > 0)), "z₇ = \(hand.z[7]), t = \(t)")
        #expect(active ? hand.e > 0 : hand.e == 0)

        for backend in Backend.allCases {
            let ws = BackpropWorkspace(network: net, batchSize: 1)
            let e = x.withView { xv in target.withView { tv in net.backpropagate(xv, tv, workspace: ws, backend: backend) } }
            #expect(abs(e - hand.e) <= 1e-15)
            // z and a of every neuron.
            let z = ws.preActivations, a = ws.activations, d = ws.deltas
            let zs = [z[1][0, 0], z[1][0, 1], z[2][0, 0], z[2][0, 1], z[3][0, 0]]
            let as_ = [a[1][0, 0], a[1][0, 1], a[2][0, 0], a[2][0, 1], a[3][0, 0]]
            for (i, k) in (3...7).enumerated() {
                #expect(abs(zs[i] - hand.z[k]) <= 1e-15, "z\(k) \(backend)")
                #expect(abs(as_[i] - hand.a[k]) <= 1e-15, "a\(k) \(backend)")
            }
            // δ₇, δ₆, δ₅, δ₄, δ₃.
            #expect(abs(d[3][0, 0] - hand.delta[7]) <= 1e-15, "δ7 \(backend)")
            #expect(abs(d[2][0, 1] - hand.delta[6]) <= 1e-15, "δ6 \(backend)")
            #expect(abs(d[2][0, 0] - hand.delta[5]) <= 1e-15, "δ5 \(backend)")
            #expect(abs(d[1][0, 1] - hand.delta[4]) <= 1e-15, "δ4 \(backend)")
            #expect(abs(d[1][0, 0] - hand.delta[3]) <= 1e-15, "δ3 \(backend)")
            // Every ∂E/∂w, and zero for the missing connections and the (absent) biases.
            let engine = Self.eightWeights(ws.gradient)
            for (i, (got, want)) in zip(engine, hand.grad.array).enumerated() {
                #expect(abs(got - want) <= 1e-15, "∂E/∂w #\(i) \(backend): \(got) vs \(want)")
            }
            #expect(ws.gradient.weights[0][0, 1] == 0 && ws.gradient.weights[1][1, 0] == 0)
            #expect(ws.gradient.biases.allSatisfy { $0.elements.allSatisfy { $0 == 0 } })
        }
        if active {
            #expect(hand.grad.array.allSatisfy { $0 != 0 }, "every weight gets an error signal")
        } else {
            #expect(hand.grad.array.allSatisfy { $0 == 0 }, "an inactive hinge gives no gradient")
        }

        // Neuron-wise and numerical agree too.
        let neuron = net.neuronwiseGradient(x, target).gradient
        for (got, want) in zip(Self.eightWeights(neuron), hand.grad.array) { #expect(abs(got - want) <= 1e-15) }
        let numerical = net.numericalGradient(x, target)
        let report = GradientCheck.compare(analytic: net.gradient(x, target).gradient, numerical: numerical)
        #expect(report.passes(tolerance: 1e-6), "\(report)")
    }

    /// For a batch, the engine gives the mean of the per-sample hand-computed gradients (one
    /// sample with an active hinge, one without, both targets).
    @Test func batchIsTheMeanOfTheHandComputedSamples() {
        let w = Self.negativeOutput
        let net = Network<Double>.lectureExample(
            w13: w.w13, w23: w.w23, w24: w.w24, w35: w.w35, w36: w.w36, w46: w.w46, w57: w.w57, w67: w.w67)
        let samples: [(Double, Double, Double)] = [(0.8, -0.6, 1), (0.8, -0.6, -1), (-0.3, 0.9, 1), (0.2, 0.4, -1)]
        let x = Matrix<Double>(samples.map { [$0.0, $0.1] })
        let t = Matrix<Double>(column: samples.map { $0.2 })
        var mean = [Double](repeating: 0, count: 8)
        var e = 0.0
        for s in samples {
            let hand = HandComputed(w, x1: s.0, x2: s.1, t: s.2)
            for i in 0..<8 { mean[i] += hand.grad.array[i] / Double(samples.count) }
            e += hand.e / Double(samples.count)
        }
        for backend in Backend.allCases {
            let (loss, g) = net.gradient(x, t, backend: backend)
            #expect(abs(loss - e) <= 1e-15)
            for (got, want) in zip(Self.eightWeights(g), mean) { #expect(abs(got - want) <= 1e-15) }
        }
    }

    /// Training the masked network keeps the missing connections and the biases at zero.
    @Test func trainingKeepsTheMaskedParametersAtZero() {
        let w = Self.negativeOutput
        var net = Network<Double>.lectureExample(
            w13: w.w13, w23: w.w23, w24: w.w24, w35: w.w35, w36: w.w36, w46: w.w46, w57: w.w57, w67: w.w67)
        let x = Matrix<Double>([[0.8, -0.6], [0.1, 0.7]])
        let t = Matrix<Double>(column: [1, -1])
        let ws = BackpropWorkspace(network: net, batchSize: 2)
        for _ in 0..<20 {
            x.withView { xv in t.withView { tv in _ = net.trainingStep(xv, tv, learningRate: 0.3, workspace: ws) } }
        }
        #expect(net.lectureExampleWeights != w.array)
        #expect(net.layers[0].weight[0, 1] == 0 && net.layers[1].weight[1, 0] == 0)
        #expect(net.layers.allSatisfy { $0.bias.elements.allSatisfy { $0 == 0 } })
        #expect(net.loss(x, t) == 0, "the perceptron error reaches zero on two separable points")
    }
}

extension Double {
    /// tanh through the engine's activation table would be circular here; use the identity
    /// tanh z = (e^{2z} − 1)/(e^{2z} + 1) via the logistic function: tanh z = 2σ(2z) − 1.
    fileprivate static func tanhApprox(_ z: Double) -> Double {
        2 * Activation.logistic(2 * z) - 1
    }
}
