import RealModule

/// How a layer's weights are drawn from a seed. Biases start at zero.
public enum Initialization: String, CaseIterable, Sendable, Codable {
    /// `w ~ U(−0.5, 0.5)`, independent of the layer's size.
    case uniform
    /// Glorot/Xavier: `w ~ U(−r, r)` with `r = √(6 / (d_in + d_out))`, keeping the variance of
    /// activations and of δ roughly constant through tanh layers.
    case glorot
    /// He: `w ~ N(0, 2 / d_in)`, the variance-preserving choice for ReLU layers.
    case he

    /// A `d_in × d_out` weight matrix drawn from `generator`.
    public func weights<T: BLASScalar, G: RandomNumberGenerator>(
        inputs: Int, outputs: Int, using generator: inout G
    ) -> Matrix<T> {
        var w = Matrix<T>(rows: inputs, cols: outputs)
        switch self {
        case .uniform:
            for i in 0..<w.count { w.elements[i] = T(Double.random(in: -0.5...0.5, using: &generator)) }
        case .glorot:
            let r = (6.0 / Double(max(1, inputs + outputs))).squareRoot()
            for i in 0..<w.count { w.elements[i] = T(Double.random(in: -r...r, using: &generator)) }
        case .he:
            let sd = (2.0 / Double(max(1, inputs))).squareRoot()
            var g = SeededGenerator(seed: generator.next())
            for i in 0..<w.count { w.elements[i] = T(sd * g.nextGaussian(Double.self)) }
        }
        return w
    }
}
