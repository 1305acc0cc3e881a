extension Tape {
    /// `s = Σ_ij X_ij`, a 1×1 value.
    ///
    /// Backward: `dX += ds` (every element).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sum(_ x: Variable<Scalar>) -> Variable<Scalar> {
        reduce(.sum, x, "sum", scale: 1)
    }

    /// `s = 1/(N·d) Σ_ij X_ij`, the mean of all elements of the `N × d` matrix `X`, a 1×1 value.
    ///
    /// Backward: `dX += ds / (N·d)`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func mean(_ x: Variable<Scalar>) -> Variable<Scalar> {
        reduce(.mean, x, "mean", scale: 1 / Scalar(max(1, x.rows * x.cols)))
    }

    func reduce(
        _ operation: Operation<Scalar>, _ x: Variable<Scalar>, _ name: StaticString, scale: Scalar
    ) -> Variable<Scalar> {
        let ix = index(x, name)
        let i = record(operation, 1, 1, ix, requiresGradient: x.requiresGradient)
        let s = output(i).base
        let n = x.rows * x.cols
        withValue(ix) { xv in
            var total: Scalar = 0
            for k in 0..<n { total += xv.base[k] }
            s[0] = total * scale
        }
        return variable(i)
    }

    func reductionBackward(_ i: Int, _ node: TapeNode<Scalar>, scale: Scalar) {
        let g = gradientView(i).base[0] * scale
        gradientSink(node.a)?.accumulate(nodes[node.a].count) { _ in g }
    }
}
