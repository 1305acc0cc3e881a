/// The elementwise half of a layer's forward and backward pass: plain generic Swift, shared by
/// both backends (only the matrix products differ by ``Backend``).
///
/// Each function is one fused pass over an `N × d` buffer, so that the forward pass reads `Z`
/// once after the gemm, and the backward pass reads `Z`, `A`, `δ` once and writes `∂E/∂Z` and
/// the bias gradient in the same sweep.
enum LayerElementwise {
    // MARK: Forward

    /// `Z ← Z + 1·b` (the bias added to every row), then `A ← g(Z)`.
    ///
    /// `z` and `a` are `N × d`, `bias` is `1 × d`. `a` may be the same memory as `z` (then `A`
    /// replaces `Z`). The loop is ``ActivationKernels/biasForward(_:_:bias:into:rows:cols:)``, the
    /// one shared with the autodiff tape (tanh and sigmoid vectorised by ``FastActivations``):
    /// one call for contiguous buffers, one call per row otherwise.
    static func addBiasAndActivate<T: BLASScalar>(
        _ z: MutableMatrixView<T>, bias: MatrixView<T>, activation: Activation,
        into a: MutableMatrixView<T>
    ) {
        if bias.rows != 1 || bias.cols != z.cols || a.rows != z.rows || a.cols != z.cols
            || (bias.stride != 1 && bias.cols > 1)
        {
            shapeMismatch("addBiasAndActivate", "Z is \(z.shapeDescription), b is \(bias.shapeDescription), A is \(a.shapeDescription)")
        }
        let (n, d) = (z.rows, z.cols)
        if n == 0 || d == 0 { return }
        if (z.ld == d && a.ld == d) || n == 1 {
            ActivationKernels.biasForward(activation, z.base, bias: bias.base, into: a.base, rows: n, cols: d)
        } else {
            for i in 0..<n {
                ActivationKernels.biasForward(
                    activation, z.base + i &* z.ld, bias: bias.base, into: a.base + i &* a.ld, rows: 1, cols: d)
            }
        }
    }

    // MARK: Backward

    /// `∂E/∂Z = g′(Z) ⊙ δ` and `∂E/∂b = 1ᵀ·∂E/∂Z` (column sums), in one pass: the loop is
    /// ``ActivationKernels/backwardWithColumnSums(_:z:a:dA:into:columnSums:rows:cols:)``, the one
    /// the autodiff tape's dense layer uses.
    ///
    /// `z`, `a` (`= g(Z)`, used by tanh and sigmoid), `delta` (`δ = ∂E/∂A`) and `dz` are `N × d`
    /// and contiguous (workspace buffers); `db` is a contiguous `1 × d` row, overwritten (not
    /// accumulated).
    static func activationBackward<T: BLASScalar>(
        z: MatrixView<T>, a: MatrixView<T>, delta: MatrixView<T>, activation: Activation,
        into dz: MutableMatrixView<T>, biasGradient db: MutableMatrixView<T>
    ) {
        let d = z.cols
        if a.rows != z.rows || a.cols != d || delta.rows != z.rows || delta.cols != d
            || dz.rows != z.rows || dz.cols != d || db.rows != 1 || db.cols != d
            || z.isTransposed || a.isTransposed || delta.isTransposed
        {
            shapeMismatch("activationBackward", "Z is \(z.shapeDescription), A is \(a.shapeDescription), δ is \(delta.shapeDescription), ∂E/∂Z is \(dz.shapeDescription), ∂E/∂b is \(db.shapeDescription)")
        }
        if z.rows > 1 && (z.ld != d || a.ld != d || delta.ld != d || dz.ld != d) {
            shapeMismatch("activationBackward", "the buffers must be contiguous (ld = \(d)); got ld \(z.ld), \(a.ld), \(delta.ld), \(dz.ld)")
        }
        ActivationKernels.backwardWithColumnSums(
            activation, z: z.base, a: a.base, dA: delta.base, into: dz.base, columnSums: db.base,
            rows: z.rows, cols: d)
    }

    // MARK: Parameters

    /// `θ ← θ − γ·g` for one parameter tensor (same shapes; traps otherwise).
    static func descend<T: BLASScalar>(
        _ theta: inout Matrix<T>, by g: Matrix<T>, learningRate: T, layer: Int, tensor: StaticString
    ) {
        if theta.rows != g.rows || theta.cols != g.cols {
            shapeMismatch("Network.update", "layers.\(layer).\(tensor) is \(theta.rows)×\(theta.cols), its gradient is \(g.rows)×\(g.cols)")
        }
        g.withUnsafeBufferPointer { gp in
            theta.withUnsafeMutableBufferPointer { tp in
                for i in 0..<tp.count { tp[i] -= learningRate * gp[i] }
            }
        }
    }

    /// Sets the entries of `m` whose `mask` entry is 0 to zero, in place. Writes only entries
    /// that are not already zero, so a clean matrix is never copied.
    static func zeroMasked<T: BLASScalar>(_ m: inout Matrix<T>, mask: Matrix<T>) {
        let needsWrite = m.withUnsafeBufferPointer { mp in
            mask.withUnsafeBufferPointer { kp in
                // A plain loop: `contains(where:)` would box each index in unoptimised builds.
                for i in 0..<mp.count where kp[i] == 0 && mp[i] != 0 { return true }
                return false
            }
        }
        if !needsWrite { return }
        mask.withUnsafeBufferPointer { kp in
            m.withUnsafeMutableBufferPointer { mp in
                for i in 0..<mp.count where kp[i] == 0 { mp[i] = 0 }
            }
        }
    }

    /// Zeroes the entries of the view `m` whose `mask` entry is 0 (same shape as `m`).
    static func zeroMasked<T: BLASScalar>(_ m: MutableMatrixView<T>, mask: Matrix<T>) {
        mask.withUnsafeBufferPointer { kp in
            for i in 0..<m.rows {
                for j in 0..<m.cols where kp[i * m.cols + j] == 0 { m[i, j] = 0 }
            }
        }
    }
}
