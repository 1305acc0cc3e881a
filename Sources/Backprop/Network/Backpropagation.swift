// Layer-wise, vectorised error backpropagation: the lecture's right column, for a whole batch.

extension DenseLayer {
    /// One layer's backward pass for a batch (layer `l`, `W = W^(l−1,l)`, `N` rows):
    ///
    /// ```
    /// ∂E/∂Z    = g′(Z) ⊙ δ                 (N × d_out, elementwise; δ = ∂E/∂A)
    /// ∂E/∂b    = 1ᵀ·∂E/∂Z                  (1 × d_out, column sums, same pass)
    /// δ_prev   = ∂E/∂Z·Wᵀ                  (N × d_in; gemm with Wᵀ as a flag, gemv when N = 1)
    /// ∂E/∂W    = A_prevᵀ·∂E/∂Z             (d_in × d_out; gemm with Aᵀ as a flag, ger when N = 1)
    /// ```
    ///
    /// i.e. `δ^(l−1) = (g′(z^(l)) ⊙ δ^(l))·W^(l−1,l)ᵀ` and
    /// `∂E/∂W^(l−1,l) = a^(l−1)ᵀ·(g′(z^(l)) ⊙ δ^(l))`; entry by entry the lecture's
    /// `δ_j = Σ_k δ_k g′(z_k) w_jk` and `∂E/∂w_jk = Σ_samples δ_k g′(z_k) a_j`.
    ///
    /// The first three lines are ``backwardThroughLayer(z:a:delta:dz:biasGradient:deltaPrevious:backend:)``,
    /// the last is ``weightGradientProduct(alpha:input:_:beta:into:backend:)`` with `α = 1, β = 0`;
    /// the fused training step runs the same two with `α = −γ, β = 1` into `W` instead.
    ///
    /// Gradients are *overwritten* (β = 0), so a backward pass is idempotent. Masked weights and
    /// biases get zero gradient. `deltaPrevious` is `nil` for the first layer: the gradient with
    /// respect to the network input is never needed, which saves one gemm.
    func backward(
        input aPrev: MatrixView<Scalar>, z: MatrixView<Scalar>, a: MatrixView<Scalar>,
        delta: MatrixView<Scalar>, dz: MutableMatrixView<Scalar>,
        weightGradient dW: MutableMatrixView<Scalar>, biasGradient db: MutableMatrixView<Scalar>,
        deltaPrevious: MutableMatrixView<Scalar>?, backend: Backend
    ) {
        if dW.rows != inputSize || dW.cols != outputSize {
            shapeMismatch("DenseLayer.backward", "W is \(inputSize)×\(outputSize), ∂E/∂W is \(dW.shapeDescription)")
        }
        backwardThroughLayer(
            z: z, a: a, delta: delta, dz: dz, biasGradient: db, deltaPrevious: deltaPrevious,
            backend: backend)
        Self.weightGradientProduct(alpha: 1, input: aPrev, dz.readOnly, beta: 0, into: dW, backend: backend)
        if let mask { LayerElementwise.zeroMasked(dW, mask: mask) }
    }

    /// The part of the backward pass that reads `W` as the forward pass used it (and never
    /// writes it):
    ///
    /// ```
    /// ∂E/∂Z    = g′(Z) ⊙ δ                 (into dz; one fused pass with the next line)
    /// ∂E/∂b    = 1ᵀ·∂E/∂Z                  (into db, overwritten; masked biases get 0)
    /// δ_prev   = ∂E/∂Z·Wᵀ                  (gemm with Wᵀ as a flag, gemv when N = 1; skipped if nil)
    /// ```
    ///
    /// A fused gradient-descent step must run this before it changes `W`.
    func backwardThroughLayer(
        z: MatrixView<Scalar>, a: MatrixView<Scalar>, delta: MatrixView<Scalar>,
        dz: MutableMatrixView<Scalar>, biasGradient db: MutableMatrixView<Scalar>,
        deltaPrevious: MutableMatrixView<Scalar>?, backend: Backend
    ) {
        let n = z.rows
        if z.cols != outputSize {
            shapeMismatch("DenseLayer.backward", "Z is \(z.shapeDescription), W is \(inputSize)×\(outputSize)")
        }
        // ∂E/∂Z = g′(Z) ⊙ δ and ∂E/∂b = column sums, one fused pass.
        LayerElementwise.activationBackward(
            z: z, a: a, delta: delta, activation: activation, into: dz, biasGradient: db)
        if let biasMask { LayerElementwise.zeroMasked(db, mask: biasMask) }

        // δ_prev = ∂E/∂Z·Wᵀ.
        guard let deltaPrevious else { return }
        if deltaPrevious.rows != n || deltaPrevious.cols != inputSize {
            shapeMismatch("DenseLayer.backward", "δ_prev is \(deltaPrevious.shapeDescription), need \(n)×\(inputSize)")
        }
        let dzView = dz.readOnly
        weightStorage.withView { w in
            if n == 1 {
                backend.gemv(w, dzView, into: deltaPrevious)  // δ_prev = W·dz
            } else {
                backend.gemm(dzView, w.transposed, into: deltaPrevious)
            }
        }
    }

    /// `C ← α·A_prevᵀ·∂E/∂Z + β·C` (`A_prev` is `N × d_in`, `∂E/∂Z` is `N × d_out`, `C` is
    /// `d_in × d_out`): gemm with `A_prevᵀ` as a flag, or for one sample (`N = 1`) the rank-1
    /// update ger (which accumulates, so `C` is first scaled by β).
    ///
    /// With `α = 1, β = 0` and `C = ∂E/∂W` it is the weight gradient `∂E/∂W = A_prevᵀ·∂E/∂Z`;
    /// with `α = −γ, β = 1` and `C = W` it is the gradient-descent step `W ← W − γ·∂E/∂W` without
    /// storing `∂E/∂W` (``Network/trainingStep(_:_:learningRate:workspace:backend:)``). A
    /// static function, so that the second use can hold `W` mutably while it runs.
    static func weightGradientProduct(
        alpha: Scalar, input aPrev: MatrixView<Scalar>, _ dz: MatrixView<Scalar>, beta: Scalar,
        into c: MutableMatrixView<Scalar>, backend: Backend
    ) {
        if aPrev.rows != dz.rows || c.rows != aPrev.cols || c.cols != dz.cols {
            shapeMismatch("DenseLayer.weightGradientProduct", "A_prev is \(aPrev.shapeDescription), ∂E/∂Z is \(dz.shapeDescription), C is \(c.shapeDescription); need C = d_in×d_out")
        }
        if aPrev.rows == 1 {
            if beta != 1 {
                for i in 0..<c.rows { for j in 0..<c.cols { c[i, j] = beta == 0 ? 0 : beta * c[i, j] } }
            }
            backend.ger(alpha: alpha, aPrev, dz, into: c)
        } else {
            backend.gemm(alpha: alpha, aPrev.transposed, dz, beta: beta, into: c)
        }
    }
}

extension Network {
    /// Forward pass, loss and layer-wise backward pass for the batch `x` (`N × d_0`, `N ≤
    /// workspace.batchSize`) against targets `t` (`N × d_L`), all inside `workspace`:
    ///
    /// ```
    /// forward:  z^(l) = a^(l−1)·W^(l−1,l) + b^(l),  a^(l) = g(z^(l))            l = 1…L
    /// loss:     E = 1/N Σ_k E_k(a^(L)_k, t_k),      δ^(L) = ∂E/∂a^(L)
    /// backward: ∂E/∂W^(l−1,l) = a^(l−1)ᵀ·(g′(z^(l)) ⊙ δ^(l))
    ///           ∂E/∂b^(l)     = 1ᵀ·(g′(z^(l)) ⊙ δ^(l))
    ///           δ^(l−1)       = (g′(z^(l)) ⊙ δ^(l))·W^(l−1,l)ᵀ                l = L…1 (not δ^(0))
    /// ```
    ///
    /// Afterwards `workspace.gradient` holds `∂E/∂θ` (masked entries zero). Returns `E`. After the
    /// first call with a workspace, no heap allocation happens.
    ///
    /// Pre-specialised for `Float` and `Double` (`@_specialize`): callers in other modules would
    /// otherwise run the unspecialised generic code, about 5–20× slower (measured on
    /// 784-256-256-10 and 64-128-128-10 networks).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @discardableResult
    public func backpropagate(
        _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>, workspace ws: BackpropWorkspace<Scalar>,
        backend: Backend = .blas
    ) -> Scalar {
        let n = x.rows
        let e = forwardAndOutputDelta(x, t, workspace: ws, backend: backend, "Network.backpropagate")
        let L = layers.count
        ws.withGradient { g in
            for l in stride(from: L, through: 1, by: -1) {
                let deltaPrevious = l > 1 ? ws.delta(l - 1, rows: n) : nil
                g.weights[l - 1].withMutableView { dW in
                    g.biases[l - 1].withMutableView { db in
                        layers[l - 1].backward(
                            input: ws.activation(l - 1, rows: n).readOnly,
                            z: ws.preActivation(l, rows: n).readOnly,
                            a: ws.activation(l, rows: n).readOnly,
                            delta: ws.delta(l, rows: n).readOnly,
                            dz: ws.preActivationGradient(l, rows: n),
                            weightGradient: dW, biasGradient: db,
                            deltaPrevious: deltaPrevious, backend: backend)
                    }
                }
            }
        }
        return e
    }

    /// The forward pass into `workspace`, then `E = 1/N Σ_k E_k` and `δ^(L) = ∂E/∂a^(L)`
    /// (including the 1/N of the mean) into the workspace's `δ^(L)`. Returns `E`. The start of
    /// both ``backpropagate(_:_:workspace:backend:)`` and
    /// ``trainingStep(_:_:learningRate:workspace:backend:)``.
    func forwardAndOutputDelta(
        _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>, workspace ws: BackpropWorkspace<Scalar>,
        backend: Backend, _ operation: String
    ) -> Scalar {
        let output = forward(x, workspace: ws, backend: backend)
        checkTargets(t.rows, t.cols, rows: x.rows, operation)
        return loss.gradient(output.readOnly, t, into: ws.delta(layers.count, rows: x.rows))
    }

    /// `(E, ∇E)` for the batch `x` (`N × d_0`) and targets `t` (`N × d_L`), by layer-wise
    /// backpropagation on `backend` (gemm; gemv/ger when `N = 1`). Allocates a workspace; use
    /// ``backpropagate(_:_:workspace:backend:)`` in loops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(_ x: Matrix<Scalar>, _ t: Matrix<Scalar>, backend: Backend = .blas)
        -> (loss: Scalar, gradient: NetworkGradient<Scalar>)
    {
        let ws = BackpropWorkspace(network: self, batchSize: max(1, x.rows))
        let e = x.withView { xv in t.withView { tv in backpropagate(xv, tv, workspace: ws, backend: backend) } }
        return (e, ws.gradient)
    }
}
