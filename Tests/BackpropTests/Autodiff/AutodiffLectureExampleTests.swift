import Backprop
import Foundation
import Testing

/// The lecture's 7-neuron worked example, written neuron by neuron with 1×1 scalars.
@Suite("Autodiff: the lecture's 7-neuron example")
struct AutodiffLectureExampleTests {
    /// Inputs of the example.
    static let x1 = 0.8
    static let x2 = -0.6

    /// The forward code, exactly the lecture's equations. `w` is `[w13, w23, w24, w35, w36, w46,
    /// w57, w67]` (for shared parameters the same handle appears several times). Returns `E` and
    /// the neurons' outputs `a₁ … a₇` (index 0 unused).
    static func record(_ tape: Tape<Double>, _ w: [Variable<Double>], t: Double)
        -> (e: Variable<Double>, a: [Variable<Double>])
    {
        let (w13, w23, w24, w35, w36, w46, w57, w67) = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
        let a1 = tape.constant(x1)
        let a2 = tape.constant(x2)
        let z3 = a1 * w13 + a2 * w23
        let z4 = a2 * w24
        let a3 = z3.applying(.tanh)
        let a4 = z4.applying(.tanh)
        let z5 = a3 * w35
        let z6 = a3 * w36 + a4 * w46
        let a5 = z5.applying(.tanh)
        let a6 = z6.applying(.tanh)
        let z7 = a5 * w57 + a6 * w67
        let e = z7.loss(.perceptron, target: tape.constant(t))  // E = max(0, −z₇t)
        return (e, [a1, a1, a2, a3, a4, a5, a6, z7])
    }

    /// The lecture's formulas, with `δ_j = ∂E/∂a_j`:
    /// `δ₇ = −t·1[z₇t ≤ 0]`, `δ_j = Σ_k δ_k g′(z_k) w_jk`, `∂E/∂w_jk = δ_k g′(z_k) a_j`.
    static func handGradients(_ w: [Double], t: Double)
        -> (weights: [Double], deltas: [Int: Double])
    {
        let (w13, w23, w24, w35, w36, w46, w57, w67) = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
        let (a1, a2) = (x1, x2)
        let z3 = a1 * w13 + a2 * w23, z4 = a2 * w24
        let a3 = tanh(z3), a4 = tanh(z4)
        let z5 = a3 * w35, z6 = a3 * w36 + a4 * w46
        let a5 = tanh(z5), a6 = tanh(z6)
        let z7 = a5 * w57 + a6 * w67
        func gPrime(_ z: Double) -> Double { 1 - tanh(z) * tanh(z) }
        let d7 = z7 * t <= 0 ? -t : 0  // g′(z₇) = 1: the output is linear
        let d5 = d7 * 1 * w57
        let d6 = d7 * 1 * w67
        let d3 = d5 * gPrime(z5) * w35 + d6 * gPrime(z6) * w36
        let d4 = d6 * gPrime(z6) * w46
        let grads = [
            d3 * gPrime(z3) * a1,  // ∂E/∂w13
            d3 * gPrime(z3) * a2,  // ∂E/∂w23
            d4 * gPrime(z4) * a2,  // ∂E/∂w24
            d5 * gPrime(z5) * a3,  // ∂E/∂w35
            d6 * gPrime(z6) * a3,  // ∂E/∂w36
            d6 * gPrime(z6) * a4,  // ∂E/∂w46
            d7 * a5,  // ∂E/∂w57
            d7 * a6,  // ∂E/∂w67
        ]
        return (grads, [3: d3, 4: d4, 5: d5, 6: d6, 7: d7])
    }

    static func z7(_ w: [Double]) -> Double {
        let a3 = tanh(x1 * w[0] + x2 * w[1]), a4 = tanh(x2 * w[2])
        return tanh(a3 * w[3]) * w[6] + tanh(a3 * w[4] + a4 * w[5]) * w[7]
    }

    /// Weights drawn from a seed; the second set flips the sign of `z₇` so that for each `t` one
    /// set has the hinge active (`z₇t < 0`) and the other not.
    static func weightSets() -> [[Double]] {
        var g = SeededGenerator(seed: 2024)
        let w = (0..<8).map { _ in Double.random(in: -1.5...1.5, using: &g) }
        var flipped = w
        flipped[6] = -w[6]
        flipped[7] = -w[7]
        return [w, flipped]
    }

    @Test("autodiff = the lecture's formulas = numerical differentiation, t = ±1, hinge on and off",
          arguments: Backend.allCases)
    func workedExample(backend: Backend) throws {
        var activeCases = 0
        for w in Self.weightSets() {
            #expect(abs(Self.z7(w)) > 1e-2, "z₇ must stay away from the kink")
            for t in [1.0, -1.0] {
                let tape = Tape<Double>(backend: backend)
                let params = w.map { tape.parameter($0) }
                let (e, a) = Self.record(tape, params, t: t)
                try tape.backward(from: e)
                let hand = Self.handGradients(w, t: t)
                let active = Self.z7(w) * t < 0
                if active { activeCases += 1 }
                #expect(e.scalar == max(0, -Self.z7(w) * t))

                // ∂E/∂w_jk against the hand formulas.
                for k in 0..<8 {
                    let g = tape.gradient(of: params[k])[0, 0]
                    #expect(AutodiffCheck.relativeError(g, hand.weights[k]) <= 1e-12,
                            "w[\(k)]: autodiff \(g), lecture \(hand.weights[k]) (t = \(t))")
                    if !active { #expect(g == 0) }
                }
                // δ_j = ∂E/∂a_j: the tape's gradients of the intermediate values.
                for j in 3...7 {
                    let d = tape.gradient(of: a[j])[0, 0]
                    #expect(AutodiffCheck.relativeError(d, hand.deltas[j]!) <= 1e-12,
                            "δ\(j): autodiff \(d), lecture \(hand.deltas[j]!)")
                }
                if active {
                    #expect(hand.weights.allSatisfy { $0 != 0 }, "every weight matters when the hinge is active")
                }

                // Numerical differentiation of the same forward code.
                let scalars = w.map { Matrix<Double>(rows: 1, cols: 1, elements: [$0]) }
                try AutodiffCheck.expectMatchesNumerical(
                    "7 neurons t=\(t)", { tape, p in Self.record(tape, p, t: t).e }, at: scalars,
                    backend: backend)
            }
        }
        #expect(activeCases == 2)
    }

    @Test("autodiff of the neuron-level graph = layer-wise backprop of the masked network",
          arguments: Backend.allCases)
    func agreesWithMaskedNetwork(backend: Backend) throws {
        for w in Self.weightSets() {
            for t in [1.0, -1.0] {
                let net = Network<Double>.lectureExample(
                    w13: w[0], w23: w[1], w24: w[2], w35: w[3], w36: w[4], w46: w[5], w57: w[6], w67: w[7])
                let x = Matrix<Double>([[Self.x1, Self.x2]])
                let target = Matrix<Double>([[t]])
                let layerwise = net.gradient(x, target, backend: backend)
                let neuronGraph = try AutodiffCheck.autodiff(
                    { tape, p in Self.record(tape, p, t: t).e },
                    at: w.map { Matrix(rows: 1, cols: 1, elements: [$0]) }, backend: backend)
                let g = neuronGraph.gradients.map { $0[0, 0] }
                let lw = layerwise.gradient.weights
                let fromNetwork = [lw[0][0, 0], lw[0][1, 0], lw[0][1, 1], lw[1][0, 0], lw[1][0, 1], lw[1][1, 1], lw[2][0, 0], lw[2][1, 0]]
                for k in 0..<8 {
                    #expect(AutodiffCheck.relativeError(g[k], fromNetwork[k]) <= 1e-12)
                }
                // Same value up to rounding: the layer-wise output z₇ = a₅w₅₇ + a₆w₆₇ is one gemv
                // (which may fuse the multiply-add), the neuron graph two products and a sum.
                #expect(AutodiffCheck.relativeError(neuronGraph.loss, layerwise.loss) <= 4 * Double.ulpOfOne)
                // The masked network through the tape (recordLoss applies the masks in the graph).
                let viaTape = net.autodiffGradient(x, target, backend: backend)
                #expect(viaTape.gradient.maxAbsoluteDifference(layerwise.gradient) <= 1e-14)
                #expect(viaTape.gradient.weights[0][0, 1] == 0 && viaTape.gradient.weights[1][1, 0] == 0,
                        "masked weights get zero gradient")
            }
        }
    }

    @Test("shared parameters u, v: ∂E/∂u and ∂E/∂v are the sums over their edges",
          arguments: Backend.allCases)
    func sharedParameters(backend: Backend) throws {
        // w13 = w24 = w36 = w57 = u and w23 = w35 = w46 = w67 = v.
        let uEdges = [0, 2, 4, 6]
        let vEdges = [1, 3, 5, 7]
        for (u, v) in [(0.7, -0.4), (-0.9, 0.5), (1.1, 0.8)] {
            for t in [1.0, -1.0] {
                let tape = Tape<Double>(backend: backend)
                let pu = tape.parameter(u)
                let pv = tape.parameter(v)
                let (e, _) = Self.record(tape, [pu, pv, pu, pv, pu, pv, pu, pv], t: t)
                try tape.backward(from: e)
                let du = tape.gradient(of: pu)[0, 0]
                let dv = tape.gradient(of: pv)[0, 0]

                // Per-edge gradients: the same graph with eight separate parameters.
                let w = [u, v, u, v, u, v, u, v]
                let perEdge = Self.handGradients(w, t: t).weights
                let sumU = uEdges.reduce(0) { $0 + perEdge[$1] }
                let sumV = vEdges.reduce(0) { $0 + perEdge[$1] }
                #expect(AutodiffCheck.relativeError(du, sumU) <= 1e-12, "∂E/∂u \(du) vs Σ \(sumU)")
                #expect(AutodiffCheck.relativeError(dv, sumV) <= 1e-12, "∂E/∂v \(dv) vs Σ \(sumV)")

                // Numerical differentiation in (u, v).
                let numerical = NumericalGradient.of(
                    { p in
                        let tape = Tape<Double>(backend: backend)
                        let (pu, pv) = (tape.parameter(p[0]), tape.parameter(p[1]))
                        return Self.record(tape, [pu, pv, pu, pv, pu, pv, pu, pv], t: t).e.scalar
                    }, at: [u, v])
                let report = GradientCheck.compare(analytic: [du, dv], numerical: numerical, name: "(u, v)")
                #expect(report.passes(tolerance: 1e-6), "\(report)")
                if Self.z7(w) * t < 0 { #expect(du != 0 && dv != 0) }
            }
        }
    }
}
