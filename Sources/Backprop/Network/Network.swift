/// A multilayer network: a stack of ``DenseLayer``s (each with its activation) and the ``Loss``
/// its output is trained against.
///
/// `sizes = [d_0, d_1, …, d_L]` gives the input size `d_0` and each layer's output size; layer `l`
/// (0-based) maps `d_l → d_{l+1}`. Rows are samples: `forward` of an `N × d_0` batch gives the
/// `N × d_L` outputs.
///
/// Where each part of the engine lives (folder `Network/`):
/// - `Forward.swift`: `z^(l) = a^(l−1)·W^(l−1,l) + b^(l)`, `a^(l) = g(z^(l))`;
/// - `Backpropagation.swift`: the layer-wise δ and `∂E/∂W` (gemm with transpose flags);
/// - `NeuronwiseBackpropagation.swift`: the lecture's per-neuron loops (the reference);
/// - `LayerElementwise.swift`: bias add, `g`, `g′ ⊙ δ`, column sums (shared by both backends);
/// - `BackpropWorkspace.swift`, `TrainingStep.swift`: allocation-free steps `θ ← θ − γ∇E`;
/// - `Parameters.swift`, `NetworkGradient.swift`: flat parameter vectors and gradients;
/// - `LectureExample.swift`: the lecture's 7-neuron network.
///
/// The numerical gradient and the gradient check are in `Gradients/`.
public struct Network<Scalar: BLASScalar>: Equatable, Sendable {
    /// The layers, input to output.
    public var layers: [DenseLayer<Scalar>]
    /// The loss the network is trained against.
    public var loss: Loss

    /// A network from explicit layers. Traps when consecutive layer sizes do not chain.
    public init(layers: [DenseLayer<Scalar>], loss: Loss) {
        for l in 1..<max(1, layers.count) where layers[l].inputSize != layers[l - 1].outputSize {
            fatalError("Network: layer \(l) takes \(layers[l].inputSize) inputs but layer \(l - 1) gives \(layers[l - 1].outputSize)")
        }
        self.layers = layers
        self.loss = loss
    }

    /// A network with layer sizes `sizes` (`[d_0, …, d_L]`, at least two), `hidden` activation on
    /// every layer but the last, `output` activation on the last, weights drawn by
    /// `initialization` from `seed`, and zero biases.
    public init(
        sizes: [Int], hidden: Activation = .tanh, output: Activation = .identity,
        loss: Loss = .mse, initialization: Initialization = .glorot, seed: UInt64 = 0
    ) {
        if sizes.count < 2 || sizes.contains(where: { $0 < 1 }) {
            fatalError("Network(sizes: \(sizes)): need at least two sizes, each ≥ 1")
        }
        var g = SeededGenerator(seed: seed)
        var layers: [DenseLayer<Scalar>] = []
        for l in 0..<(sizes.count - 1) {
            let w: Matrix<Scalar> = initialization.weights(
                inputs: sizes[l], outputs: sizes[l + 1], using: &g)
            layers.append(
                DenseLayer(
                    weight: w, bias: Matrix(rows: 1, cols: sizes[l + 1]),
                    activation: l == sizes.count - 2 ? output : hidden))
        }
        self.init(layers: layers, loss: loss)
    }

    /// `[d_0, d_1, …, d_L]`.
    public var sizes: [Int] { (layers.first.map { [$0.inputSize] } ?? []) + layers.map(\.outputSize) }

    /// Number of inputs `d_0`.
    public var inputSize: Int { layers.isEmpty ? 0 : layers[0].inputSize }
    /// Number of outputs `d_L`.
    public var outputSize: Int { layers.isEmpty ? 0 : layers[layers.count - 1].outputSize }

    /// Total number of parameters (weights and biases of every layer).
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
}
