extension Tape {
    /// `C = X + 1·b`: the row `b` (`1 × d`) added to every row of `X` (`N × d`), the bias of a
    /// layer broadcast over the batch.
    ///
    /// Backward: `dX += dC`, `db += 1ᵀ·dC` (the column sums of `dC`, through gemv).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func addBias(_ x: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let ix = index(x, "addBias")
        let ib = index(b, "addBias")
        if b.rows != 1 || b.cols != x.cols {
            shapeMismatch("Tape.addBias", "X is \(x.rows)×\(x.cols), b is \(b.rows)×\(b.cols); need b 1×\(x.cols)")
        }
        let i = record(
            .addBias, x.rows, x.cols, ix, ib, requiresGradient: x.requiresGradient || b.requiresGradient)
        let c = output(i).base
        let (rows, cols) = (x.rows, x.cols)
        withValue(ix) { xv in
            withValue(ib) { bv in
                let (px, pb) = (xv.base, bv.base)
                for r in 0..<rows {
                    let o = r &* cols
                    for j in 0..<cols { c[o &+ j] = px[o &+ j] + pb[j] }
                }
            }
        }
        return variable(i)
    }

    func addBiasBackward(_ i: Int, _ node: TapeNode<Scalar>) {
        let dC = gradientView(i)
        if let dX = gradientSink(node.a) {
            let p = dC.base
            dX.accumulate(node.count) { p[$0] }
        }
        if let db = gradientSink(node.b) { accumulateColumnSums(dC, into: db) }
    }

    /// `db (+)= 1ᵀ·dC`: the column sums of the `N × d` matrix `dC` into the `1 × d` sink, as
    /// one gemv `dCᵀ·1` on the tape's backend.
    func accumulateColumnSums(_ dC: MatrixView<Scalar>, into db: GradientSink<Scalar>) {
        let n = dC.rows
        if onesCount < n || ones.base == nil {
            ones.reserve(n).update(repeating: 1, count: n)
            onesCount = n
        }
        let one = MatrixView(UnsafePointer(ones.base.unsafelyUnwrapped), rows: n, cols: 1)
        backend.gemv(dC.transposed, one, beta: db.beta, into: db.view)
    }
}
