// Gradient descent on the parameters: θ ← θ − γ·∇E.

extension Network {
    /// `θ ← θ − γ·g` for every weight and bias (`g` must have this network's shapes; traps
    /// otherwise). Masked weights and biases stay zero. Updates in place, without allocating.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(by g: NetworkGradient<Scalar>, learningRate: Scalar) {
        if g.weights.count != layers.count {
            shapeMismatch("Network.update", "gradient has \(g.weights.count) layers, network has \(layers.count)")
        }
        for l in 0..<layers.count {
            LayerElementwise.descend(&layers[l].weightStorage, by: g.weights[l], learningRate: learningRate, layer: l, tensor: "weight")
            LayerElementwise.descend(&layers[l].biasStorage, by: g.biases[l], learningRate: learningRate, layer: l, tensor: "bias")
            layers[l].applyMask()
        }
    }

    /// One step of gradient descent on the batch `x` (`N × d_0`) with targets `t` (`N × d_L`):
    /// ``backpropagate(_:_:workspace:backend:)`` then ``update(by:learningRate:)`` with
    /// `workspace.gradient`, i.e. `θ ← θ − γ·∇E(θ)`.
    ///
    /// Returns `E(θ)` before the step. After the first call with a workspace, no heap allocation
    /// happens (the buffers of the workspace and the parameters are reused in place). Runs under
    /// the OpenBLAS thread policy ``BLASThreads/withStepPolicy(multiplyAdds:backend:_:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @discardableResult
    public mutating func trainingStep(
        _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>, learningRate: Scalar,
        workspace: BackpropWorkspace<Scalar>, backend: Backend = .blas
    ) -> Scalar {
        BLASThreads.withStepPolicy(multiplyAdds: largestProductMultiplyAdds(batch: x.rows), backend: backend) {
            let e = backpropagate(x, t, workspace: workspace, backend: backend)
            update(by: workspace.gradient, learningRate: learningRate)
            return e
        }
    }
}
