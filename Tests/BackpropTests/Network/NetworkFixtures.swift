import Backprop

/// Seeded networks, inputs and targets for the backpropagation tests, chosen away from the kinks
/// of activations and losses so that numerical gradients are meaningful.
enum NetworkFixtures {
    /// `N × outputs` targets that suit `loss`: `±1` for binary losses, one-hot rows for softmax,
    /// reals in [−1, 1] for mse.
    static func targets(_ loss: Loss, rows: Int, outputs: Int, seed: UInt64) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        var t = Matrix<Double>(rows: rows, cols: outputs)
        for i in 0..<rows {
            switch loss {
            case .perceptron, .hinge, .logistic:
                t[i, 0] = Bool.random(using: &g) ? 1 : -1
            case .softmax:
                t[i, Int.random(in: 0..<outputs, using: &g)] = 1
            case .mse:
                for j in 0..<outputs { t[i, j] = Double.random(in: -1...1, using: &g) }
            }
        }
        return t
    }

    /// A network with Glorot weights and random biases in [−0.5, 0.5] (so bias gradients are
    /// exercised too).
    static func network(
        sizes: [Int], hidden: Activation, output: Activation, loss: Loss, seed: UInt64
    ) -> Network<Double> {
        var net = Network<Double>(
            sizes: sizes, hidden: hidden, output: output, loss: loss, initialization: .glorot,
            seed: seed)
        for l in 0..<net.layers.count {
            net.layers[l].bias = .random(rows: 1, cols: sizes[l + 1], in: -0.5...0.5, seed: seed &+ UInt64(l) &* 7919)
        }
        return net
    }

    /// The smallest distance of any pre-activation from a kink of its activation, and of any
    /// output from a kink of the loss (`.infinity` when there is none).
    static func kinkDistance(_ net: Network<Double>, _ x: Matrix<Double>, _ t: Matrix<Double>) -> Double {
        let ws = BackpropWorkspace(network: net, batchSize: max(1, x.rows))
        x.withView { xv in t.withView { tv in _ = net.backpropagate(xv, tv, workspace: ws, backend: .naive) } }
        var d = Double.infinity
        let z = ws.preActivations
        for l in 1...net.layers.count {
            let kink: Double?
            switch net.layers[l - 1].activation {
            case .relu, .leakyReLU, .step: kink = 0
            case .shiftedReLU: kink = 100
            default: kink = nil
            }
            if let kink { for v in z[l].elements { d = min(d, abs(v - kink)) } }
        }
        let y = ws.activations[net.layers.count]
        if net.loss.hasKink {
            let kink: Double = net.loss == .hinge ? 1 : 0
            for i in 0..<y.rows { d = min(d, abs(y[i, 0] * t[i, 0] - kink)) }
        }
        return d
    }

    /// A network, inputs in [−1, 1] and targets, from the first seed at or after `seed` whose
    /// pre-activations and outputs are at least `margin` from every kink.
    static func smoothCase(
        sizes: [Int], hidden: Activation, output: Activation = .identity, loss: Loss, batch: Int,
        seed: UInt64, margin: Double = 1e-3
    ) -> (network: Network<Double>, x: Matrix<Double>, t: Matrix<Double>) {
        for s in seed..<(seed + 1000) {
            let net = network(sizes: sizes, hidden: hidden, output: output, loss: loss, seed: s)
            let x = Matrix<Double>.random(rows: batch, cols: sizes[0], in: -1...1, seed: s &+ 101)
            let t = targets(loss, rows: batch, outputs: sizes.last!, seed: s &+ 202)
            if kinkDistance(net, x, t) >= margin { return (net, x, t) }
        }
        fatalError("no seed in \(seed)..<\(seed + 1000) keeps \(sizes) \(hidden)/\(loss) away from kinks")
    }

    /// `max |a − b| / max(max |b|, tiny)`: a normwise relative difference of two gradients.
    static func normwiseDifference<T: BLASScalar, U: BLASScalar>(
        _ a: NetworkGradient<T>, _ b: NetworkGradient<U>
    ) -> Double {
        let fa = a.flattened.map { Double($0) }
        let fb = b.flattened.map { Double($0) }
        precondition(fa.count == fb.count)
        var diff = 0.0
        var scale = 0.0
        for i in 0..<fa.count {
            diff = max(diff, abs(fa[i] - fb[i]))
            scale = max(scale, abs(fb[i]))
        }
        return diff == 0 ? 0 : diff / max(scale, .leastNormalMagnitude)
    }

    /// The network and data in precision `T`.
    static func convert<T: BLASScalar>(
        _ c: (network: Network<Double>, x: Matrix<Double>, t: Matrix<Double>), to: T.Type
    ) -> (network: Network<T>, x: Matrix<T>, t: Matrix<T>) {
        (c.network.converted(to: T.self), c.x.converted(to: T.self), c.t.converted(to: T.self))
    }
}
