// Neuron-wise error backpropagation: the lecture's left column, one sample and one neuron at a
// time, with plain loops and no matrix products. It is the reference the layer-wise engine is
// tested against, and it is deliberately written for reading, not for speed.

extension Network {
    /// `(E, ∇E)` for the batch `x` (`N × d_0`) against `t` (`N × d_L`), by the lecture's
    /// neuron-wise rules, sample by sample:
    ///
    /// ```
    /// forward:   z_k = Σ_j a_j w_jk + b_k,   a_k = g(z_k)
    /// output:    δ_k = ∂E/∂a_k               (from the loss, including 1/N)
    /// backward:  δ_j = Σ_k δ_k g′(z_k) w_jk  (k runs over the neurons j feeds)
    ///            ∂E/∂w_jk += δ_k g′(z_k) a_j
    ///            ∂E/∂b_k  += δ_k g′(z_k)
    /// ```
    ///
    /// Masked connections do not exist for this loop (they are skipped), so their gradient is
    /// zero, as for the lecture's sparse 7-neuron network.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func neuronwiseGradient(_ x: Matrix<Scalar>, _ t: Matrix<Scalar>)
        -> (loss: Scalar, gradient: NetworkGradient<Scalar>)
    {
        checkInput(x.rows, x.cols, "Network.neuronwiseGradient")
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.neuronwiseGradient")
        var grad = NetworkGradient(zerosLike: self)
        let n = x.rows
        if n == 0 { return (0, grad) }
        let L = layers.count
        let scale = 1 / Scalar(n)
        var total: Scalar = 0

        for s in 0..<n {
            // Forward: z[l][k] and a[l][k] for this sample (a[0] = x_s).
            var a: [[Scalar]] = [x.row(s)]
            var z: [[Scalar]] = [[]]
            for l in 1...L {
                let layer = layers[l - 1]
                var zl = [Scalar](repeating: 0, count: layer.outputSize)
                var al = zl
                for k in 0..<layer.outputSize {
                    var sum = layer.biasStorage.elements[k]
                    for j in 0..<layer.inputSize where isConnected(layer, j, k) {
                        sum += a[l - 1][j] * layer.weightStorage[j, k]
                    }
                    zl[k] = sum
                    al[k] = layer.activation.value(sum)
                }
                z.append(zl)
                a.append(al)
            }

            // Output: E_s and δ_k = ∂E/∂a_k^(L) (with the 1/N of the mean).
            let target = t.row(s)
            var delta = [Scalar](repeating: 0, count: outputSize)
            a[L].withUnsafeBufferPointer { y in
                target.withUnsafeBufferPointer { tp in
                    total += loss.sampleValue(y.baseAddress!, tp.baseAddress!, count: outputSize)
                    delta.withUnsafeMutableBufferPointer { d in
                        loss.sampleGradient(y.baseAddress!, tp.baseAddress!, count: outputSize, scale: scale, into: d.baseAddress!)
                    }
                }
            }

            // Backward, layer L down to 1.
            for l in stride(from: L, through: 1, by: -1) {
                let layer = layers[l - 1]
                var deltaPrevious = [Scalar](repeating: 0, count: layer.inputSize)
                for k in 0..<layer.outputSize {
                    // δ_k g′(z_k): the error signal of neuron k.
                    let signal = delta[k] * layer.activation.derivative(z[l][k], output: a[l][k])
                    if isBiasUsed(layer, k) { grad.biases[l - 1][0, k] += signal }
                    for j in 0..<layer.inputSize where isConnected(layer, j, k) {
                        grad.weights[l - 1][j, k] += signal * a[l - 1][j]
                        deltaPrevious[j] += signal * layer.weightStorage[j, k]
                    }
                }
                delta = deltaPrevious
            }
        }
        return (total * scale, grad)
    }

    private func isConnected(_ layer: DenseLayer<Scalar>, _ j: Int, _ k: Int) -> Bool {
        layer.mask.map { $0[j, k] != 0 } ?? true
    }

    private func isBiasUsed(_ layer: DenseLayer<Scalar>, _ k: Int) -> Bool {
        layer.biasMask.map { $0[0, k] != 0 } ?? true
    }
}
