/// The lecture's worked 7-neuron example as a masked network.
///
/// ```
///   a₁ = x₁, a₂ = x₂
///   z₃ = a₁w₁₃ + a₂w₂₃,  z₄ = a₂w₂₄           (layer 0: inputs 1, 2 → neurons 3, 4)
///   z₅ = a₃w₃₅,          z₆ = a₃w₃₆ + a₄w₄₆   (layer 1: neurons 3, 4 → 5, 6)
///   z₇ = a₅w₅₇ + a₆w₆₇                        (layer 2: neurons 5, 6 → 7)
///   a_k = tanh z_k for k = 3…6, y = a₇ = z₇, E = max(0, −z₇·t)
/// ```
///
/// Sizes `2-2-2-1`. Masks: layer 0 `[[1, 0], [1, 1]]` (no `w₁₄`), layer 1 `[[1, 1], [0, 1]]`
/// (no `w₄₅`), layer 2 dense. The lecture's neurons have no biases: every bias is masked, so it
/// stays zero through training and gets zero gradient.
extension Network {
    /// The lecture's 7-neuron network with the given eight weights (see the equations above).
    public static func lectureExample(
        w13: Scalar, w23: Scalar, w24: Scalar, w35: Scalar, w36: Scalar, w46: Scalar, w57: Scalar,
        w67: Scalar
    ) -> Network {
        let noBias = Matrix<Scalar>(rows: 1, cols: 2)
        let layer0 = DenseLayer(
            weight: Matrix([[w13, 0], [w23, w24]]), bias: Matrix(rows: 1, cols: 2),
            activation: .tanh, mask: Matrix([[1, 0], [1, 1]]), biasMask: noBias)
        let layer1 = DenseLayer(
            weight: Matrix([[w35, w36], [0, w46]]), bias: Matrix(rows: 1, cols: 2),
            activation: .tanh, mask: Matrix([[1, 1], [0, 1]]), biasMask: noBias)
        let layer2 = DenseLayer(
            weight: Matrix([[w57], [w67]]), bias: Matrix(rows: 1, cols: 1),
            activation: .identity, biasMask: Matrix(rows: 1, cols: 1))
        return Network(layers: [layer0, layer1, layer2], loss: .perceptron)
    }

    /// The eight weights of a network built by
    /// ``lectureExample(w13:w23:w24:w35:w36:w46:w57:w67:)``, in that order.
    public var lectureExampleWeights: [Scalar] {
        if sizes != [2, 2, 2, 1] {
            fatalError("lectureExampleWeights: the network has sizes \(sizes), not [2, 2, 2, 1]")
        }
        let w0 = layers[0].weightStorage, w1 = layers[1].weightStorage, w2 = layers[2].weightStorage
        return [w0[0, 0], w0[1, 0], w0[1, 1], w1[0, 0], w1[0, 1], w1[1, 1], w2[0, 0], w2[1, 0]]
    }
}
