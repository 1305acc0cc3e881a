// Gradient descent on the parameters: θ ← θ − γ·∇E, and the training step that fuses it into
// backpropagation.

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
    /// `θ ← θ − γ·∇E(θ)`, the same step as ``backpropagate(_:_:workspace:backend:)`` then
    /// ``update(by:learningRate:)``, with the weight update fused into backpropagation.
    ///
    /// The forward pass and `δ^(L)` as in ``backpropagate(_:_:workspace:backend:)``; then for
    /// `l = L…1`:
    ///
    /// ```
    /// ∂E/∂Z  = g′(Z) ⊙ δ^(l),  ∂E/∂b = 1ᵀ·∂E/∂Z       (one pass, as in backpropagate)
    /// δ^(l−1) = ∂E/∂Z·Wᵀ                             (with W as the forward pass used it)
    /// W      ← W − γ·A_prevᵀ·∂E/∂Z                   (one gemm: α = −γ, β = 1, C = W; ger if N = 1)
    /// b      ← b − γ·∂E/∂b,  then masked entries back to zero
    /// ```
    ///
    /// So `∂E/∂W` is never stored: the gemm that computes it adds `−γ·∂E/∂W` to `W` in place,
    /// which saves OpenBLAS zeroing its output (β = 0), the gradient's write and the separate
    /// update pass over it. The result equals backpropagate + update up to rounding (`W + (−γ)·s`
    /// against `W − γ·s`, and BLAS may add `k`-blocks of the product to `W` one at a time); the
    /// biases are updated by the same loop as ``update(by:learningRate:)``. Measured with
    /// `backprop bench` on the 2-core reference machine (medians of alternated runs against the
    /// unfused step, 2026-11-30; the machine is shared and noisy): 1024-1024-1024-1024 ×256 f32,
    /// `efficiency` 0.88 → 0.95 with two OpenBLAS threads and 0.94 → 0.97 with one;
    /// 784-256-256-10 ×128 f32, 1,704 → 1,670 µs; 2-16-16-1 ×64, 7.0 µs either way.
    ///
    /// Afterwards `workspace` holds the forward pass, the `δ^(l)` and the `∂E/∂z^(l)` of this
    /// step, and `workspace.gradient.biases` holds `∂E/∂b`; `workspace.gradient.weights` is *not*
    /// written (it keeps what the last ``backpropagate(_:_:workspace:backend:)`` with this
    /// workspace left, zeros for a new one). Callers that need `∇E` (the ``Trainer``, whose
    /// divergence guard and sharded sums read it) call ``backpropagate(_:_:workspace:backend:)``
    /// and ``update(by:learningRate:)``.
    ///
    /// Returns `E(θ)` before the step. After the first call with a workspace, no heap allocation
    /// happens (the buffers of the workspace and the parameters are reused in place). Runs under
    /// the OpenBLAS thread policy ``BLASThreads/withStepPolicy(multiplyAdds:backend:_:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @discardableResult
    public mutating func trainingStep(
        _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>, learningRate: Scalar,
        workspace ws: BackpropWorkspace<Scalar>, backend: Backend = .blas
    ) -> Scalar {
        BLASThreads.withStepPolicy(multiplyAdds: largestProductMultiplyAdds(batch: x.rows), backend: backend) {
            let n = x.rows
            let e = forwardAndOutputDelta(x, t, workspace: ws, backend: backend, "Network.trainingStep")
            ws.withGradient { g in
                for l in stride(from: layers.count, through: 1, by: -1) {
                    let dz = ws.preActivationGradient(l, rows: n)
                    // ∂E/∂Z, ∂E/∂b and δ^(l−1), before W changes.
                    g.biases[l - 1].withMutableView { db in
                        layers[l - 1].backwardThroughLayer(
                            z: ws.preActivation(l, rows: n).readOnly,
                            a: ws.activation(l, rows: n).readOnly,
                            delta: ws.delta(l, rows: n).readOnly,
                            dz: dz, biasGradient: db,
                            deltaPrevious: l > 1 ? ws.delta(l - 1, rows: n) : nil, backend: backend)
                    }
                    // W ← W − γ·A_prevᵀ·∂E/∂Z, b ← b − γ·∂E/∂b, masks.
                    layers[l - 1].descendWeights(
                        input: ws.activation(l - 1, rows: n).readOnly, preActivationGradient: dz.readOnly,
                        learningRate: learningRate, backend: backend)
                    LayerElementwise.descend(
                        &layers[l - 1].biasStorage, by: g.biases[l - 1], learningRate: learningRate,
                        layer: l - 1, tensor: "bias")
                    layers[l - 1].applyMask()
                }
            }
            return e
        }
    }
}

extension DenseLayer {
    /// The weight half of a fused gradient-descent step, done by the weight-gradient product:
    ///
    /// ```
    /// W ← W − γ·A_prevᵀ·∂E/∂Z  =  W − γ·∂E/∂W      (gemm with α = −γ, β = 1, C = W; ger if N = 1)
    /// ```
    ///
    /// ``weightGradientProduct(alpha:input:_:beta:into:backend:)``, the same call that computes
    /// `∂E/∂W` in ``backward(input:z:a:delta:dz:weightGradient:biasGradient:deltaPrevious:backend:)``,
    /// writing into `W` instead of a gradient. Must run after `δ_prev = ∂E/∂Z·Wᵀ`, which needs the
    /// old `W`. Masked weights are left to ``applyMask()``.
    mutating func descendWeights(
        input aPrev: MatrixView<Scalar>, preActivationGradient dz: MatrixView<Scalar>,
        learningRate: Scalar, backend: Backend
    ) {
        weightStorage.withMutableView { w in
            Self.weightGradientProduct(alpha: -learningRate, input: aPrev, dz, beta: 1, into: w, backend: backend)
        }
    }
}
