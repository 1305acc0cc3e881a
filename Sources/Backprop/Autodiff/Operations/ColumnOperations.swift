extension Tape {
    /// `C = X[:, range]`: some columns of `X` (`N × d`), as an `N × range.count` value. With
    /// ``concatenateColumns(_:)`` this lets a graph split features into branches.
    ///
    /// Backward: `dX[:, range] += dC` (the other columns of `dX` receive nothing).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func columns(_ x: Variable<Scalar>, _ range: Range<Int>) -> Variable<Scalar> {
        let ix = index(x, "columns")
        if range.lowerBound < 0 || range.upperBound > x.cols {
            shapeMismatch("Tape.columns", "columns \(range) of X \(x.rows)×\(x.cols)")
        }
        let i = record(
            .columns(start: range.lowerBound), x.rows, range.count, ix,
            requiresGradient: x.requiresGradient)
        let c = output(i).base
        let (rows, width, ld, start) = (x.rows, range.count, x.cols, range.lowerBound)
        withValue(ix) { xv in
            for r in 0..<rows {
                (c + r &* width).update(from: xv.base + (r &* ld &+ start), count: width)
            }
        }
        return variable(i)
    }

    func columnsBackward(_ i: Int, _ node: TapeNode<Scalar>, start: Int) {
        guard let dX = gradientSink(node.a, partial: true) else { return }
        let dC = gradientView(i).base
        let (rows, width, ld) = (node.rows, node.cols, nodes[node.a].cols)
        for r in 0..<rows {
            let d = dX.base + (r &* ld &+ start)
            let s = dC + r &* width
            for j in 0..<width { d[j] += s[j] }
        }
    }

    /// `C = [X₁ X₂ … X_k]`: matrices with the same number of rows `N`, side by side
    /// (`N × Σ d_k`). Merges the branches of a multi-branch network.
    ///
    /// Backward: `dX_k += dC[:, columns of X_k]`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func concatenateColumns(_ parts: [Variable<Scalar>]) -> Variable<Scalar> {
        guard let firstPart = parts.first else {
            fatalError("Tape.concatenateColumns: needs at least one matrix")
        }
        let rows = firstPart.rows
        var cols = 0
        let first = operands.count
        for p in parts {
            if p.rows != rows {
                shapeMismatch("Tape.concatenateColumns", "parts have \(parts.map { "\($0.rows)×\($0.cols)" }.joined(separator: ", ")); need equal row counts")
            }
            operands.append(index(p, "concatenateColumns"))
            cols += p.cols
        }
        let i = record(
            .concatenate(first: first, count: parts.count), rows, cols,
            requiresGradient: parts.contains { $0.requiresGradient })
        let c = output(i).base
        var offset = 0
        for k in 0..<parts.count {
            let width = parts[k].cols
            withValue(operands[first + k]) { pv in
                for r in 0..<rows {
                    (c + (r &* cols &+ offset)).update(from: pv.base + r &* width, count: width)
                }
            }
            offset += width
        }
        return variable(i)
    }

    /// `C = [A B]` (two matrices side by side).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func concatenateColumns(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        concatenateColumns([a, b])
    }

    func concatenateBackward(_ i: Int, _ node: TapeNode<Scalar>, _ first: Int, _ count: Int) {
        let dC = gradientView(i).base
        let (rows, cols) = (node.rows, node.cols)
        var offset = 0
        for k in 0..<count {
            let part = operands[first + k]
            let width = nodes[part].cols
            if let dP = gradientSink(part) {
                let o = offset
                dP.accumulate(rows &* width) { e in
                    let (r, j) = e.quotientAndRemainder(dividingBy: width)
                    return dC[r &* cols &+ o &+ j]
                }
            }
            offset += width
        }
    }
}
