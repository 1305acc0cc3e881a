extension Tape {
    /// The fused fully connected layer `A = g(X·W + 1·b)`: the same value and gradients as
    /// `x.matmul(W).addingBias(b).applying(g)`, in one node with fewer passes over memory.
    ///
    /// Shapes: `X` is `N × d_in`, `W` is `d_in × d_out`, `b` is `1 × d_out`, `A` is `N × d_out`.
    ///
    /// Forward: `Z = X·W` (gemm, `β = 0`), then one pass `Z += 1·b; A = g(Z)`; `Z` is kept in the
    /// node's auxiliary buffer (for `g = identity`, `A` is `Z` and no second buffer is used).
    ///
    /// Backward (the lecture's layer-wise equations):
    /// ```
    /// dZ  = dA ⊙ g′(Z)      (written over Z, which is no longer needed)
    /// db += 1ᵀ·dZ            (column sums: in the same pass as dZ, or one gemv)
    /// dW += Xᵀ·dZ            (gemm, X transposed by flag)
    /// dX += dZ·Wᵀ            (gemm, W transposed by flag; skipped when X is a constant)
    /// ```
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func dense(
        _ x: Variable<Scalar>, weight w: Variable<Scalar>, bias b: Variable<Scalar>,
        activation g: Activation
    ) -> Variable<Scalar> {
        let ix = index(x, "dense")
        let iw = index(w, "dense")
        let ib = index(b, "dense")
        if x.cols != w.rows || b.rows != 1 || b.cols != w.cols {
            shapeMismatch("Tape.dense", "X is \(x.rows)×\(x.cols), W is \(w.rows)×\(w.cols), b is \(b.rows)×\(b.cols); need X N×d_in, W d_in×d_out, b 1×d_out")
        }
        let i = record(
            .dense(g), x.rows, w.cols, ix, iw, ib,
            requiresGradient: x.requiresGradient || w.requiresGradient || b.requiresGradient)
        let a = output(i)
        let z = g == .identity ? a : auxiliary(i, rows: x.rows, cols: w.cols)
        let backend = self.backend
        withValue(ix) { xv in withValue(iw) { wv in backend.gemm(xv, wv, into: z) } }
        withValue(ib) { bv in
            ActivationKernels.biasForward(g, z.base, bias: bv.base, into: a.base, rows: x.rows, cols: w.cols)
        }
        return variable(i)
    }

    func denseBackward(_ i: Int, _ node: TapeNode<Scalar>, _ g: Activation) {
        let dA = gradientView(i)
        var dZ = dA
        var biasDone = false
        let db = gradientSink(node.c)
        if g != .identity {
            // dZ = dA ⊙ g′(Z, A), overwriting Z in the auxiliary buffer; when this is the first
            // contribution to db, its column sums are taken in the same pass.
            let z = auxiliaries[i].base.unsafelyUnwrapped
            let a = UnsafePointer(values[i].base.unsafelyUnwrapped)
            if let db, db.first {
                ActivationKernels.backwardWithColumnSums(
                    g, z: z, a: a, dA: dA.base, into: z, columnSums: db.base, rows: node.rows,
                    cols: node.cols)
                biasDone = true
            } else {
                ActivationKernels.backward(
                    g, z: z, a: a, dA: dA.base, into: z, count: node.count, accumulate: false)
            }
            dZ = MatrixView(UnsafePointer(z), rows: node.rows, cols: node.cols)
        }
        let backend = self.backend
        if let db, !biasDone { accumulateColumnSums(dZ, into: db) }
        if let dW = gradientSink(node.b) {
            withValue(node.a) { x in backend.gemm(x.transposed, dZ, beta: dW.beta, into: dW.view) }
        }
        if let dX = gradientSink(node.a) {
            withValue(node.b) { w in backend.gemm(dZ, w.transposed, beta: dX.beta, into: dX.view) }
        }
    }
}
