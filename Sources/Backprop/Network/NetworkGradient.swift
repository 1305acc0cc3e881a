/// `∇E`: the gradient of the error with respect to every parameter of a ``Network``, with the
/// parameters' shapes.
///
/// For layer `l` (0-based, mapping `d_l → d_{l+1}`): `weights[l]` is `∂E/∂W`, `d_l × d_{l+1}`,
/// and `biases[l]` is `∂E/∂b`, `1 × d_{l+1}`. Tensor names follow the same scheme as model
/// files: `"layers.0.weight"`, `"layers.0.bias"`, `"layers.1.weight"`, …
public struct NetworkGradient<Scalar: BLASScalar>: Equatable, Sendable {
    /// `∂E/∂W` per layer, `d_l × d_{l+1}`.
    public var weights: [Matrix<Scalar>]
    /// `∂E/∂b` per layer, `1 × d_{l+1}`.
    public var biases: [Matrix<Scalar>]

    /// Explicit tensors. Traps when the counts differ or a bias is not `1 × weight.cols`.
    public init(weights: [Matrix<Scalar>], biases: [Matrix<Scalar>]) {
        if weights.count != biases.count {
            fatalError("NetworkGradient: \(weights.count) weight tensors but \(biases.count) bias tensors")
        }
        for l in 0..<weights.count where biases[l].rows != 1 || biases[l].cols != weights[l].cols {
            fatalError("NetworkGradient: layer \(l) weight gradient is \(weights[l].rows)×\(weights[l].cols), bias gradient is \(biases[l].rows)×\(biases[l].cols)")
        }
        self.weights = weights
        self.biases = biases
    }

    /// Zeros with the shapes of `network`'s parameters.
    public init(zerosLike network: Network<Scalar>) {
        self.init(
            weights: network.layers.map { Matrix(rows: $0.inputSize, cols: $0.outputSize) },
            biases: network.layers.map { Matrix(rows: 1, cols: $0.outputSize) })
    }

    /// Number of layers.
    public var layerCount: Int { weights.count }

    /// Total number of entries (equals the network's ``Network/parameterCount``).
    public var count: Int { zip(weights, biases).reduce(0) { $0 + $1.0.count + $1.1.count } }

    /// All entries in parameter order: layer 0 weight (row-major), layer 0 bias, layer 1 weight,
    /// … — the order of ``Network/parameters``.
    public var flattened: [Scalar] {
        var out: [Scalar] = []
        out.reserveCapacity(count)
        for l in 0..<weights.count {
            out.append(contentsOf: weights[l].elements)
            out.append(contentsOf: biases[l].elements)
        }
        return out
    }

    /// The tensors as `(name, matrix)` pairs in parameter order (`"layers.0.weight"`, …).
    public var namedTensors: [(name: String, tensor: Matrix<Scalar>)] {
        var out: [(name: String, tensor: Matrix<Scalar>)] = []
        for l in 0..<weights.count {
            out.append(("layers.\(l).weight", weights[l]))
            out.append(("layers.\(l).bias", biases[l]))
        }
        return out
    }

    /// A gradient with `network`'s shapes from entries in ``flattened`` order. Traps on a wrong
    /// count.
    public init(flattened p: [Scalar], like network: Network<Scalar>) {
        if p.count != network.parameterCount {
            fatalError("NetworkGradient(flattened:): got \(p.count) values, the network \(network.sizes) has \(network.parameterCount) parameters")
        }
        var g = NetworkGradient(zerosLike: network)
        var offset = 0
        for l in 0..<g.weights.count {
            let nw = g.weights[l].count
            g.weights[l].elements.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: p[offset..<(offset + nw)]) }
            offset += nw
            let nb = g.biases[l].count
            g.biases[l].elements.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: p[offset..<(offset + nb)]) }
            offset += nb
        }
        self = g
    }

    /// The same gradient in another precision.
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> NetworkGradient<T> {
        NetworkGradient<T>(weights: weights.map { $0.converted() }, biases: biases.map { $0.converted() })
    }

    /// `max_i |g_i − h_i|` over all entries (traps when the shapes differ).
    public func maxAbsoluteDifference(_ other: NetworkGradient<Scalar>) -> Scalar {
        let a = flattened
        let b = other.flattened
        if a.count != b.count || weights.count != other.weights.count {
            fatalError("NetworkGradient.maxAbsoluteDifference: \(a.count) entries vs \(b.count)")
        }
        var m: Scalar = 0
        for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
        return m
    }
}
