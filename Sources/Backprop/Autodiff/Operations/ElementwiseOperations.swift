extension Tape {
    /// `C = A + B` elementwise. `A` and `B` have the same shape, or one of them is 1×1 and is
    /// broadcast to the other's shape.
    ///
    /// Backward: `dA += dC`, `dB += dC` (a broadcast 1×1 operand receives `Σ dC`).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func add(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        elementwise(.add, a, b, "add")
    }

    /// `C = A − B` elementwise (same shapes, or a broadcast 1×1 operand).
    ///
    /// Backward: `dA += dC`, `dB −= dC`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func subtract(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        elementwise(.subtract, a, b, "subtract")
    }

    /// `C = A ⊙ B` elementwise (same shapes, or a broadcast 1×1 operand; for two 1×1 scalars it
    /// is the ordinary product).
    ///
    /// Backward: `dA += dC ⊙ B`, `dB += dC ⊙ A`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func multiply(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        elementwise(.multiply, a, b, "multiply")
    }

    func elementwise(
        _ operation: Operation<Scalar>, _ a: Variable<Scalar>, _ b: Variable<Scalar>,
        _ name: StaticString
    ) -> Variable<Scalar> {
        let ia = index(a, name)
        let ib = index(b, name)
        let (rows, cols): (Int, Int)
        if a.rows == b.rows && a.cols == b.cols {
            (rows, cols) = (a.rows, a.cols)
        } else if b.rows == 1 && b.cols == 1 {
            (rows, cols) = (a.rows, a.cols)
        } else if a.rows == 1 && a.cols == 1 {
            (rows, cols) = (b.rows, b.cols)
        } else {
            shapeMismatch("Tape.\(name)", "A is \(a.rows)×\(a.cols), B is \(b.rows)×\(b.cols); need equal shapes or a 1×1 operand")
        }
        let i = record(
            operation, rows, cols, ia, ib, requiresGradient: a.requiresGradient || b.requiresGradient)
        let c = output(i).base
        let n = rows * cols
        // Stride 0 broadcasts a 1×1 operand.
        let sa = a.rows * a.cols == n ? 1 : 0
        let sb = b.rows * b.cols == n ? 1 : 0
        withValue(ia) { av in
            withValue(ib) { bv in
                let (pa, pb) = (av.base, bv.base)
                switch operation {
                case .add: for k in 0..<n { c[k] = pa[k &* sa] + pb[k &* sb] }
                case .subtract: for k in 0..<n { c[k] = pa[k &* sa] - pb[k &* sb] }
                default: for k in 0..<n { c[k] = pa[k &* sa] * pb[k &* sb] }
                }
            }
        }
        return variable(i)
    }

    func elementwiseBackward(_ i: Int, _ node: TapeNode<Scalar>) {
        let dC = gradientView(i).base
        let n = node.count
        let sa = nodes[node.a].count == n ? 1 : 0
        let sb = nodes[node.b].count == n ? 1 : 0
        switch node.operation {
        case .add, .subtract:
            if let dA = gradientSink(node.a) {
                if sa == 1 { dA.accumulate(n) { dC[$0] } } else { dA.accumulateSum(n) { dC[$0] } }
            }
            if let dB = gradientSink(node.b) {
                let sign: Scalar
                if case .add = node.operation { sign = 1 } else { sign = -1 }
                if sb == 1 {
                    dB.accumulate(n) { sign * dC[$0] }
                } else {
                    dB.accumulateSum(n) { sign * dC[$0] }
                }
            }
        default:  // multiply
            if let dA = gradientSink(node.a) {
                withValue(node.b) { bv in
                    let pb = bv.base
                    if sa == 1 {
                        dA.accumulate(n) { dC[$0] * pb[$0 &* sb] }
                    } else {
                        dA.accumulateSum(n) { dC[$0] * pb[$0 &* sb] }
                    }
                }
            }
            if let dB = gradientSink(node.b) {
                withValue(node.a) { av in
                    let pa = av.base
                    if sb == 1 {
                        dB.accumulate(n) { dC[$0] * pa[$0 &* sa] }
                    } else {
                        dB.accumulateSum(n) { dC[$0] * pa[$0 &* sa] }
                    }
                }
            }
        }
    }

    /// `C = s·A` for a constant scalar `s`.
    ///
    /// Backward: `dA += s·dC`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func scale(_ a: Variable<Scalar>, by s: Scalar) -> Variable<Scalar> {
        let ia = index(a, "scale")
        let i = record(.scale(s), a.rows, a.cols, ia, requiresGradient: a.requiresGradient)
        let c = output(i).base
        let n = a.rows * a.cols
        withValue(ia) { av in
            let pa = av.base
            for k in 0..<n { c[k] = s * pa[k] }
        }
        return variable(i)
    }

    func scaleBackward(_ i: Int, _ node: TapeNode<Scalar>, _ s: Scalar) {
        let dC = gradientView(i).base
        gradientSink(node.a)?.accumulate(node.count) { s * dC[$0] }
    }
}
