extension Tape {
    /// `C = A·B` through the backend's gemm. `A` is `m×k`, `B` is `k×n`, `C` is `m×n`.
    ///
    /// Backward: `dA += dC·Bᵀ` (`m×n · n×k`) and `dB += Aᵀ·dC` (`k×m · m×n`), both as gemms with
    /// a transpose flag; nothing is transposed by copying. For a layer `Z = A·W` these are the
    /// lecture's `δ⁽ˡ⁻¹⁾ = δ⁽ˡ⁾Wᵀ` and `∂E/∂W = A⁽ˡ⁻¹⁾ᵀδ⁽ˡ⁾`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func matmul(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let ia = index(a, "matmul")
        let ib = index(b, "matmul")
        if a.cols != b.rows {
            shapeMismatch("Tape.matmul", "A is \(a.rows)×\(a.cols), B is \(b.rows)×\(b.cols); need A m×k, B k×n")
        }
        let i = record(
            .matmul, a.rows, b.cols, ia, ib,
            requiresGradient: a.requiresGradient || b.requiresGradient)
        let c = output(i)
        let backend = self.backend
        withValue(ia) { av in withValue(ib) { bv in backend.gemm(av, bv, into: c) } }
        return variable(i)
    }

    func matmulBackward(_ i: Int, _ node: TapeNode<Scalar>) {
        let dC = gradientView(i)  // m×n
        let backend = self.backend
        if let dA = gradientSink(node.a) {  // m×k
            withValue(node.b) { b in backend.gemm(dC, b.transposed, beta: dA.beta, into: dA.view) }
        }
        if let dB = gradientSink(node.b) {  // k×n
            withValue(node.a) { a in backend.gemm(a.transposed, dC, beta: dB.beta, into: dB.view) }
        }
    }
}
