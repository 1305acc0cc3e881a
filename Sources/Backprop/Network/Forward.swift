// The forward pass: z^(l) = a^(l−1)·W^(l−1,l) + b^(l), a^(l) = g(z^(l)), layer by layer.

extension DenseLayer {
    /// One layer's forward pass for a batch:
    ///
    /// ```
    /// Z = A_prev·W + 1·b      (N × d_out; gemm, or gemv when N = 1 or d_out = 1)
    /// A = g(Z)                (elementwise, fused with the bias add)
    /// ```
    ///
    /// `input` is `N × d_in`; `z` and `a` are `N × d_out` and may be the same memory (then only
    /// `A` survives).
    func forward(
        _ input: MatrixView<Scalar>, z: MutableMatrixView<Scalar>, a: MutableMatrixView<Scalar>,
        backend: Backend
    ) {
        if input.cols != inputSize || z.rows != input.rows || z.cols != outputSize {
            shapeMismatch("DenseLayer.forward", "input is \(input.shapeDescription), W is \(inputSize)×\(outputSize), Z is \(z.shapeDescription)")
        }
        weightStorage.withView { w in
            if input.rows == 1 {
                // z = Wᵀ·a for one sample: gemv with the transpose flag.
                backend.gemv(w.transposed, input, into: z)
            } else if z.cols == 1 {
                // One output: z = A_prev·w (gemv). OpenBLAS's small-matrix dgemm kernel for
                // AVX-512 allocates on the heap for n = 1; gemv does not.
                backend.gemv(input, w, into: z)
            } else {
                backend.gemm(input, w, into: z)
            }
        }
        biasStorage.withView { b in
            LayerElementwise.addBiasAndActivate(z, bias: b, activation: activation, into: a)
        }
    }
}

extension Network {
    /// The network's outputs `y = a^(L)` for a batch `x` (`N × d_0` → `N × d_L`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, backend: Backend = .blas) -> Matrix<Scalar> {
        checkInput(x.rows, x.cols, "Network.forward")
        var current = x
        for layer in layers {
            var next = Matrix<Scalar>(rows: x.rows, cols: layer.outputSize)
            current.withView { input in
                next.withMutableView { out in layer.forward(input, z: out, a: out, backend: backend) }
            }
            current = next
        }
        return current
    }

    /// `E = 1/N Σ_k E_k(y_k, t_k)` for the batch `x` (`N × d_0`) and targets `t` (`N × d_L`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func loss(_ x: Matrix<Scalar>, _ t: Matrix<Scalar>, backend: Backend = .blas) -> Scalar {
        let y = forward(x, backend: backend)
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.loss")
        return loss.value(y, t)
    }

    /// The forward pass into `workspace`: copies `x` into `a^(0)`, fills `z^(l)` and `a^(l)` for
    /// every layer, and returns a view of the output `a^(L)`.
    @discardableResult
    func forward(
        _ x: MatrixView<Scalar>, workspace ws: BackpropWorkspace<Scalar>, backend: Backend
    ) -> MutableMatrixView<Scalar> {
        checkInput(x.rows, x.cols, "Network.forward")
        if !ws.fits(self) {
            shapeMismatch("Network.forward", "the workspace is for sizes \(ws.sizes), the network has \(sizes)")
        }
        let n = x.rows
        if n > ws.batchSize {
            shapeMismatch("Network.forward", "batch of \(n) rows, the workspace holds \(ws.batchSize)")
        }
        ws.rowsInUse = n
        // a^(0) = x (copied, so that the workspace holds the whole pass).
        let a0 = ws.activation(0, rows: n)
        if x.isTransposed {
            for i in 0..<n { for j in 0..<x.cols { a0[i, j] = x[i, j] } }
        } else if x.ld == x.cols && a0.ld == x.cols {
            a0.base.update(from: x.base, count: n * x.cols)  // one copy, not one per row
        } else {
            for i in 0..<n { (a0.base + i * a0.ld).update(from: x.base + i * x.ld, count: x.cols) }
        }
        for l in 1...layers.count {
            layers[l - 1].forward(
                ws.activation(l - 1, rows: n).readOnly, z: ws.preActivation(l, rows: n),
                a: ws.activation(l, rows: n), backend: backend)
        }
        return ws.activation(layers.count, rows: n)
    }

    /// `E` through `workspace` (forward pass only, no allocation).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func loss(
        _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>, workspace: BackpropWorkspace<Scalar>,
        backend: Backend = .blas
    ) -> Scalar {
        let y = forward(x, workspace: workspace, backend: backend)
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.loss")
        return loss.value(y.readOnly, t)
    }

    func checkInput(_ rows: Int, _ cols: Int, _ op: String) {
        if layers.isEmpty { fatalError("\(op): the network has no layers") }
        if cols != inputSize {
            shapeMismatch(op, "input is \(rows)×\(cols), the network \(sizes) takes \(inputSize) features")
        }
    }

    func checkTargets(_ rows: Int, _ cols: Int, rows n: Int, _ op: String) {
        if rows != n || cols != outputSize {
            shapeMismatch(op, "targets are \(rows)×\(cols), outputs are \(n)×\(outputSize)")
        }
    }
}
