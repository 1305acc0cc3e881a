/// The network's parameters `θ` as one flat vector: layer 0 weight (row-major), layer 0 bias,
/// layer 1 weight, … — the order of ``NetworkGradient/flattened``.
extension Network {
    /// All parameters in flat order (masked weights included, as zeros).
    public var parameters: [Scalar] {
        var out: [Scalar] = []
        out.reserveCapacity(parameterCount)
        for layer in layers {
            out.append(contentsOf: layer.weightStorage.elements)
            out.append(contentsOf: layer.biasStorage.elements)
        }
        return out
    }

    /// Sets every parameter from `p` (flat order, ``parameterCount`` entries; traps otherwise).
    /// Masked weights and biases stay zero whatever `p` holds.
    public mutating func setParameters(_ p: [Scalar]) {
        if p.count != parameterCount {
            fatalError("Network.setParameters: got \(p.count) values, the network \(sizes) has \(parameterCount) parameters")
        }
        var offset = 0
        for l in 0..<layers.count {
            let nw = layers[l].weightStorage.count
            layers[l].weightStorage.withUnsafeMutableBufferPointer {
                _ = $0.update(fromContentsOf: p[offset..<(offset + nw)])
            }
            offset += nw
            let nb = layers[l].biasStorage.count
            layers[l].biasStorage.withUnsafeMutableBufferPointer {
                _ = $0.update(fromContentsOf: p[offset..<(offset + nb)])
            }
            offset += nb
            layers[l].applyMask()
        }
    }

    /// Calls `body` with a writable view of every parameter tensor, in place, in the order of
    /// ``NetworkGradient/namedTensors``: tensor `2l` is `W` of layer `l` (`d_l × d_{l+1}`), tensor
    /// `2l + 1` its bias (`1 × d_{l+1}`). Masked entries are zeroed again afterwards.
    ///
    /// This is the hook for optimisers other than plain ``update(by:learningRate:)`` (momentum,
    /// Adam): writing through the views allocates nothing when the network's storage is not
    /// shared with a copy.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func withMutableParameterTensors(
        _ body: (_ index: Int, _ tensor: MutableMatrixView<Scalar>) throws -> Void
    ) rethrows {
        for l in 0..<layers.count {
            try layers[l].weightStorage.withMutableView { try body(2 * l, $0) }
            try layers[l].biasStorage.withMutableView { try body(2 * l + 1, $0) }
            layers[l].applyMask()
        }
    }

    /// The same network in another precision (masks, activations and loss included).
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> Network<T> {
        Network<T>(layers: layers.map { $0.converted(to: T.self) }, loss: loss)
    }
}
