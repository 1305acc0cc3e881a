extension Tape {
    /// `E = loss(Y, T)`: the batch loss `1/N Σ_k E_k(y_k, t_k)` of outputs `Y` (`N × C`) against
    /// targets `T` (same shape, a value that depends on no parameter), as a 1×1 value.
    ///
    /// The forward pass calls ``Loss/gradient(_:_:into:)``, which returns `E` and writes
    /// `∂E/∂Y` (including the `1/N`) into the node's auxiliary buffer, so every loss and its
    /// derivative have exactly one definition. Backward: `dY += dE · ∂E/∂Y`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func loss(_ y: Variable<Scalar>, _ t: Variable<Scalar>, _ loss: Loss) -> Variable<Scalar> {
        let iy = index(y, "loss")
        let it = index(t, "loss")
        if t.requiresGradient {
            fatalError("Tape.loss: the targets (#\(it)) depend on a parameter; targets must be constants (the loss gives no ∂E/∂T)")
        }
        if y.rows != t.rows || y.cols != t.cols {
            shapeMismatch("Tape.loss(\(loss.rawValue))", "outputs Y are \(y.rows)×\(y.cols), targets T are \(t.rows)×\(t.cols)")
        }
        let i = record(.loss(loss), 1, 1, iy, it, requiresGradient: y.requiresGradient)
        let e = output(i).base
        let dY = auxiliary(i, rows: y.rows, cols: y.cols)
        withValue(iy) { yv in withValue(it) { tv in e[0] = loss.gradient(yv, tv, into: dY) } }
        return variable(i)
    }

    /// `E = loss(Y, T)` with the targets given as a matrix (recorded as a constant).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func loss(_ y: Variable<Scalar>, target: Matrix<Scalar>, _ loss: Loss) -> Variable<Scalar> {
        self.loss(y, constant(target), loss)
    }

    func lossBackward(_ i: Int, _ node: TapeNode<Scalar>) {
        guard let dY = gradientSink(node.a) else { return }
        let dE = gradientView(i).base[0]
        let g = UnsafePointer(auxiliaries[i].base.unsafelyUnwrapped)
        if dE == 1 {
            dY.accumulate(nodes[node.a].count) { g[$0] }
        } else {
            dY.accumulate(nodes[node.a].count) { dE * g[$0] }
        }
    }
}
