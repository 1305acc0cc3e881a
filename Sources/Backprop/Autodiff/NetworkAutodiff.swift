// A Network's forward pass written once on the tape; autodiff supplies the backward pass.

extension Network {
    /// Records the loss of this network on the batch `x` (`N × d_0`) against targets `t`
    /// (`N × d_L`) on `tape`, and returns `E` (1×1). Only forward code:
    ///
    /// ```
    /// A⁽⁰⁾ = X                                  (constant: no gradient is computed for it)
    /// A⁽ˡ⁺¹⁾ = g_l(A⁽ˡ⁾·W_l + 1·b_l)             (one fused dense node per layer)
    /// E = loss(A⁽ᴸ⁾, T)
    /// ```
    ///
    /// For every layer `l` the parameters are recorded in the order `W_l`, `b_l` (the order of
    /// ``Network/parameters``), so parameter leaf `2l` is `W_l` and `2l + 1` is `b_l`. A layer
    /// with a connectivity mask `M` uses `W_l ⊙ M` (and `b_l ⊙ M_b` for a bias mask), which makes
    /// the gradients of masked entries exactly zero.
    @discardableResult
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func recordLoss(on tape: Tape<Scalar>, _ x: Matrix<Scalar>, _ t: Matrix<Scalar>)
        -> Variable<Scalar>
    {
        checkInput(x.rows, x.cols, "Network.recordLoss")
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.recordLoss")
        var a = tape.constant(x)
        for layer in layers {
            var w = tape.parameter(layer.weightStorage)
            var b = tape.parameter(layer.biasStorage)
            if let mask = layer.mask { w = w * tape.constant(mask) }
            if let biasMask = layer.biasMask { b = b * tape.constant(biasMask) }
            a = tape.dense(a, weight: w, bias: b, activation: layer.activation)
        }
        return tape.loss(a, tape.constant(t), loss)
    }

    /// `(E, ∇E)` for the batch `x` and targets `t` by reverse-mode automatic differentiation of
    /// ``recordLoss(on:_:_:)``: the same numbers as the layer-wise
    /// ``gradient(_:_:backend:)`` (up to rounding), from forward code only. Allocates a tape;
    /// use ``autodiffTrainingStep(x:t:learningRate:tape:backend:)`` in loops.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func autodiffGradient(_ x: Matrix<Scalar>, _ t: Matrix<Scalar>, backend: Backend = .blas)
        -> (loss: Scalar, gradient: NetworkGradient<Scalar>)
    {
        let tape = Tape<Scalar>(backend: backend)
        let e = recordLoss(on: tape, x, t)
        do { try tape.backward(from: e) } catch {
            fatalError("Network.autodiffGradient: \(error)")  // the loss always depends on W
        }
        var weights: [Matrix<Scalar>] = []
        var biases: [Matrix<Scalar>] = []
        var k = 0
        tape.forEachParameter { p in
            if k % 2 == 0 { weights.append(tape.gradient(of: p)) } else { biases.append(tape.gradient(of: p)) }
            k += 1
        }
        return (tape.scalar(of: e), NetworkGradient(weights: weights, biases: biases))
    }

    /// One step of gradient descent by autodiff: records ``recordLoss(on:_:_:)`` on `tape`,
    /// runs ``Tape/backward(from:)`` and updates every weight and bias in place,
    /// `θ ← θ − γ·∂E/∂θ`. Returns `E(θ)` before the step.
    ///
    /// The tape is reset before and after the step (so it holds no reference to `x`, `t` or the
    /// weights between steps). With the same tape, network and batch shape, every step after the
    /// first reuses the tape's buffers and allocates nothing on the heap.
    @discardableResult
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func autodiffTrainingStep(
        x: Matrix<Scalar>, t: Matrix<Scalar>, learningRate: Scalar, tape: Tape<Scalar>,
        backend: Backend = .blas
    ) -> Scalar {
        BLASThreads.withStepPolicy(multiplyAdds: largestProductMultiplyAdds(batch: x.rows), backend: backend) {
            autodiffStep(x: x, t: t, learningRate: learningRate, tape: tape, backend: backend)
        }
    }

    /// The body of ``autodiffTrainingStep(x:t:learningRate:tape:backend:)``, run under the
    /// OpenBLAS thread policy ``BLASThreads/withStepPolicy(multiplyAdds:backend:_:)``.
    private mutating func autodiffStep(
        x: Matrix<Scalar>, t: Matrix<Scalar>, learningRate: Scalar, tape: Tape<Scalar>,
        backend: Backend
    ) -> Scalar {
        tape.reset()
        tape.backend = backend
        let e = recordLoss(on: tape, x, t)
        do { try tape.backward(from: e) } catch {
            fatalError("Network.autodiffTrainingStep: \(error)")  // the loss always depends on W
        }
        let loss = tape.scalar(of: e)
        var k = 0
        tape.forEachParameter { p in
            let l = k >> 1
            if k & 1 == 0 {
                tape.update(&layers[l].weightStorage, with: p, learningRate: learningRate)
            } else {
                tape.update(&layers[l].biasStorage, with: p, learningRate: learningRate)
            }
            k += 1
        }
        tape.reset()
        return loss
    }
}

extension Tape {
    /// Calls `body` with every parameter leaf, in recording order.
    func forEachParameter(_ body: (Variable<Scalar>) -> Void) {
        for i in 0..<nodes.count {
            if case .parameter = nodes[i].operation { body(variable(i)) }
        }
    }
}
