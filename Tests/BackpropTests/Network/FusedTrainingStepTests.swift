import Backprop
import Testing

/// `trainingStep` fuses the weight update into the weight-gradient gemm
/// (`W ← W + (−γ)·A_prevᵀ·∂E/∂Z`, β = 1; ger when N = 1). These tests hold it to the unfused
/// definition, `backpropagate` then `update(by:learningRate:)`, on both backends and in both
/// precisions: the same loss, the same `δ^(l)` (so `δ^(l−1)` was computed with the old `W`), the
/// same biases, weights equal up to the rounding of the final add, and masked entries exactly 0.
@Suite struct FusedTrainingStepTests {
    /// One network, batch and mask setting.
    struct Case: CustomStringConvertible, Sendable {
        var sizes: [Int]
        var hidden: Activation
        var loss: Loss
        var batch: Int
        /// Mask about a third of layer 0's weights and the first bias of the last layer.
        var masked: Bool
        var seed: UInt64
        var description: String { "\(sizes) \(hidden)/\(loss) N=\(batch)\(masked ? " masked" : "")" }
    }

    static let cases: [Case] = [
        Case(sizes: [3, 6, 4, 2], hidden: .tanh, loss: .mse, batch: 5, masked: false, seed: 61),
        Case(sizes: [3, 6, 4, 2], hidden: .tanh, loss: .mse, batch: 1, masked: false, seed: 62),
        Case(sizes: [4, 5, 3], hidden: .softplus, loss: .softmax, batch: 7, masked: true, seed: 63),
        Case(sizes: [2, 8, 8, 1], hidden: .sigmoid, loss: .logistic, batch: 1, masked: true, seed: 64),
        Case(sizes: [5, 16, 8, 3], hidden: .relu, loss: .softmax, batch: 33, masked: true, seed: 65),
    ]

    /// The case's network, inputs and targets in precision `T` (masks applied).
    static func make<T: BLASScalar>(_ c: Case, _: T.Type) -> (network: Network<T>, x: Matrix<T>, t: Matrix<T>) {
        var smooth = NetworkFixtures.smoothCase(sizes: c.sizes, hidden: c.hidden, loss: c.loss, batch: c.batch, seed: c.seed)
        if c.masked {
            let (d0, d1) = (c.sizes[0], c.sizes[1])
            let mask = Matrix<Double>.random(rows: d0, cols: d1, in: 0...1, seed: c.seed &+ 5).map { $0 > 0.35 ? 1 : 0 }
            smooth.network.layers[0].setMask(mask)
            var biasMask = Matrix<Double>(rows: 1, cols: c.sizes.last!, repeating: 1)
            biasMask[0, 0] = 0
            smooth.network.layers[c.sizes.count - 2].setBiasMask(biasMask)
        }
        return NetworkFixtures.convert(smooth, to: T.self)
    }

    /// One fused step against backpropagate + update from the same parameters.
    static func checkFusedStep<T: BLASScalar>(_: T.Type, backend: Backend, _ c: Case) {
        let (net, x, t) = make(c, T.self)
        let rate: T = 0.1
        let label = "\(T.self) \(backend) \(c)"

        // Reference: ∇E into a workspace, then θ ← θ − γ·∇E.
        var reference = net
        let referenceWorkspace = BackpropWorkspace(network: net, batchSize: c.batch)
        let referenceLoss = x.withView { xv in t.withView { tv in net.backpropagate(xv, tv, workspace: referenceWorkspace, backend: backend) } }
        let g = referenceWorkspace.gradient
        reference.update(by: g, learningRate: rate)

        // Fused.
        var fused = net
        let ws = BackpropWorkspace(network: net, batchSize: c.batch)
        let e = x.withView { xv in t.withView { tv in fused.trainingStep(xv, tv, learningRate: rate, workspace: ws, backend: backend) } }

        // E(θ) before the step, and every δ^(l) and ∂E/∂z^(l) as backpropagate has them: the
        // δ^(l−1) = ∂E/∂Z·Wᵀ of each layer used W before its update.
        #expect(e == referenceLoss, "\(label): E \(e) vs \(referenceLoss)")
        // (Entry 0, the input's, is N × 0 and left out: Matrix's description traps on 0 columns.)
        #expect(Array(ws.deltas.dropFirst()) == Array(referenceWorkspace.deltas.dropFirst()), "\(label): δ differs (δ_prev computed with the updated W?)")
        #expect(Array(ws.preActivationGradients.dropFirst()) == Array(referenceWorkspace.preActivationGradients.dropFirst()), "\(label)")
        // The biases go through the same loop as update(by:); ∂E/∂b stays in the workspace.
        #expect(ws.gradient.biases == g.biases, "\(label)")

        let eps = T.ulpOfOne
        var largestStep: T = 0
        for l in 0..<net.layers.count {
            let old = net.layers[l]
            let (w, wRef) = (fused.layers[l].weight, reference.layers[l].weight)
            #expect(fused.layers[l].bias == reference.layers[l].bias, "\(label): layer \(l) bias")
            for i in 0..<w.rows {
                for j in 0..<w.cols {
                    // W + (−γ)·s against W − γ·s, each rounded: a few ulps of |W| + γ|s|.
                    let step = rate * g.weights[l][i, j]
                    let bound = 4 * eps * (abs(old.weight[i, j]) + abs(step))
                    #expect(abs(w[i, j] - wRef[i, j]) <= bound, "\(label): W[\(l)][\(i), \(j)] \(w[i, j]) vs \(wRef[i, j])")
                    largestStep = max(largestStep, abs(w[i, j] - old.weight[i, j]))
                }
            }
            if let mask = old.mask {
                for i in 0..<w.rows {
                    for j in 0..<w.cols where mask[i, j] == 0 {
                        #expect(w[i, j] == 0, "\(label): masked W[\(l)][\(i), \(j)] is \(w[i, j])")
                    }
                }
            }
            if let biasMask = old.biasMask {
                for j in 0..<biasMask.cols where biasMask[0, j] == 0 {
                    #expect(fused.layers[l].bias[0, j] == 0, "\(label): masked b[\(l)][\(j)]")
                }
            }
        }
        #expect(largestStep > 100 * eps, "\(label): the step moved no weight")
    }

    @Test(arguments: Backend.allCases, cases.indices)
    func fusedStepEqualsBackpropagateThenUpdate(backend: Backend, caseIndex: Int) {
        Self.checkFusedStep(Double.self, backend: backend, Self.cases[caseIndex])
        Self.checkFusedStep(Float.self, backend: backend, Self.cases[caseIndex])
    }

    /// Several steps in a row stay with the unfused sequence (within rounding), the workspace's
    /// weight gradients are left alone, and masked entries stay exactly 0 throughout.
    static func checkSeveralSteps<T: BLASScalar>(_: T.Type, backend: Backend) {
        let c = cases[4]
        let (net, x, t) = make(c, T.self)
        var fused = net, reference = net
        let ws = BackpropWorkspace(network: net, batchSize: c.batch)
        let referenceWorkspace = BackpropWorkspace(network: net, batchSize: c.batch)
        let untouched = ws.gradient.weights
        for _ in 0..<5 {
            let e = x.withView { xv in t.withView { tv in fused.trainingStep(xv, tv, learningRate: 0.2, workspace: ws, backend: backend) } }
            let eRef = x.withView { xv in t.withView { tv in reference.backpropagate(xv, tv, workspace: referenceWorkspace, backend: backend) } }
            reference.update(by: referenceWorkspace.gradient, learningRate: 0.2)
            #expect(abs(e - eRef) <= 1e3 * T.ulpOfOne * abs(eRef), "\(T.self) \(backend): E \(e) vs \(eRef)")
        }
        let p = fused.parameters, q = reference.parameters
        let scale = q.reduce(T(0)) { max($0, abs($1)) }
        let diff = zip(p, q).reduce(T(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(diff <= 1e3 * T.ulpOfOne * scale, "\(T.self) \(backend): parameters differ by \(diff)")
        #expect(ws.gradient.weights == untouched, "the fused step does not write ∂E/∂W")
        let mask = net.layers[0].mask!
        for i in 0..<mask.rows { for j in 0..<mask.cols where mask[i, j] == 0 { #expect(fused.layers[0].weight[i, j] == 0) } }
    }

    @Test(arguments: Backend.allCases)
    func severalFusedStepsFollowTheUnfusedOnes(backend: Backend) {
        Self.checkSeveralSteps(Double.self, backend: backend)
        Self.checkSeveralSteps(Float.self, backend: backend)
    }
}
