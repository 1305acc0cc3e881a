// Gradient flow through depth: how large δ^(l) is at each layer, and how each layer's Jacobian
// stretches or shrinks it on its way down.

/// One layer's share of the gradient flow (layer `l = 1…L`, mapping `a^(l−1) → a^(l)`).
public struct LayerGradientFlow: Sendable, Equatable {
    /// `l`, 1-based as in the lecture (`a^(0)` is the input).
    public var layer: Int
    /// The layer's activation `g`.
    public var activation: Activation
    /// `‖δ^(l)‖_F`, the Frobenius norm over the batch of `δ^(l) = ∂E/∂a^(l)` (`N × d_l`), where
    /// `E` is the *mean* loss (so `δ^(L)` carries the `1/N`).
    public var deltaNorm: Double
    /// The singular values of the layer Jacobian `J^(l) = ∂a^(l)/∂a^(l−1) = diag(g′(z^(l)))·
    /// W^(l−1,l)ᵀ` (`d_l × d_{l−1}`, one per sample), **averaged over the samples index by
    /// index**: entry `i` is the mean over the batch of each sample's `i`-th largest singular
    /// value (descending, `min(d_l, d_{l−1})` entries). Empty when Jacobians were not requested.
    ///
    /// Why this summary: backpropagation multiplies δ by `J^(l)ᵀ` layer after layer
    /// (`δ^(l−1) = J^(l)ᵀ·δ^(l)` per sample), so `σ_1 < 1` at every layer means gradients shrink
    /// geometrically with depth (vanishing: saturated sigmoid/tanh, `g′ ≈ 0`) and `σ_1 > 1` means
    /// they can grow (exploding: large weights with unsaturated units). The mean keeps the
    /// typical spectrum of a sample; the per-sample spectra are available from
    /// ``Network/layerJacobians(_:backend:)``.
    public var jacobianSingularValues: [Double]
}

/// ``Network/gradientFlow(_:_:jacobians:backend:)``'s result.
public struct GradientFlowReport: Sendable, Equatable {
    /// `E`, the mean loss of the batch.
    public var loss: Double
    /// Layers `l = 1…L`, input side first.
    public var layers: [LayerGradientFlow]
}

extension Network {
    /// Per-layer gradient flow for the batch `x` (`N × d_0`) against `t` (`N × d_L`): one forward
    /// and backward pass (``backpropagate(_:_:workspace:backend:)``), then `‖δ^(l)‖_F` from the
    /// workspace and, with `jacobians`, the sample-averaged singular values of every
    /// `J^(l) = diag(g′(z^(l))) W^(l−1,l)ᵀ` through `?gesdd` (see ``LayerGradientFlow``).
    public func gradientFlow(
        _ x: Matrix<Scalar>, _ t: Matrix<Scalar>, jacobians: Bool = true, backend: Backend = .blas
    ) throws(LAPACKError) -> GradientFlowReport {
        checkInput(x.rows, x.cols, "Network.gradientFlow")
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.gradientFlow")
        let n = x.rows
        let ws = BackpropWorkspace(network: self, batchSize: max(1, n))
        let e = x.withView { xv in t.withView { tv in backpropagate(xv, tv, workspace: ws, backend: backend) } }
        var out: [LayerGradientFlow] = []
        for l in 1...layers.count {
            let delta = ws.delta(l, rows: n).readOnly
            let deltaNorm = Double(backend.nrm2(delta))
            var mean: [Double] = []
            if jacobians && n > 0 {
                mean = [Double](repeating: 0, count: min(layers[l - 1].inputSize, layers[l - 1].outputSize))
                for s in 0..<n {
                    let sigma = try LAPACK.singularValues(jacobian(layer: l, sample: s, workspace: ws))
                    for i in 0..<mean.count { mean[i] += Double(sigma[i]) }
                }
                for i in 0..<mean.count { mean[i] /= Double(n) }
            }
            out.append(
                LayerGradientFlow(
                    layer: l, activation: layers[l - 1].activation, deltaNorm: deltaNorm,
                    jacobianSingularValues: mean))
        }
        return GradientFlowReport(loss: Double(e), layers: out)
    }

    /// The layer Jacobians `J^(l) = ∂a^(l)/∂a^(l−1) = diag(g′(z^(l)))·W^(l−1,l)ᵀ`, `l = 1…L`
    /// (`d_l × d_{l−1}`, entry `(k, j) = g′(z_k)·w_jk`), at the single input `x` (`1 × d_0`).
    /// Their product `J^(L)⋯J^(1)` is `∂y/∂x`. Traps unless `x` is one row.
    public func layerJacobians(_ x: Matrix<Scalar>, backend: Backend = .blas) -> [Matrix<Scalar>] {
        checkInput(x.rows, x.cols, "Network.layerJacobians")
        if x.rows != 1 { shapeMismatch("Network.layerJacobians", "x is \(x.rows)×\(x.cols), needs one sample (1×\(inputSize))") }
        let ws = BackpropWorkspace(network: self, batchSize: 1)
        x.withView { _ = forward($0, workspace: ws, backend: backend) }
        return (1...layers.count).map { jacobian(layer: $0, sample: 0, workspace: ws) }
    }

    /// `J^(l)` for sample `s` of the last forward pass in `ws`.
    private func jacobian(layer l: Int, sample s: Int, workspace ws: BackpropWorkspace<Scalar>) -> Matrix<Scalar> {
        let layer = layers[l - 1]
        let n = ws.rowsInUse
        let z = ws.preActivation(l, rows: n)
        let a = ws.activation(l, rows: n)
        let w = layer.weightStorage
        var j = Matrix<Scalar>(rows: layer.outputSize, cols: layer.inputSize)
        for k in 0..<layer.outputSize {
            let slope = layer.activation.derivative(z[s, k], output: a[s, k])
            for i in 0..<layer.inputSize {
                j.elements[k * layer.inputSize + i] = slope * w.elements[i * layer.outputSize + k]
            }
        }
        return j
    }
}
