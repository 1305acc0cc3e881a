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
    /// replaces `Z`).
    static func addBiasAndActivate<T: BLASScalar>(
        _ z: MutableMatrixView<T>, bias: MatrixView<T>, activation: Activation,
        into a: MutableMatrixView<T>
    ) {
        if bias.rows != 1 || bias.cols != z.cols || a.rows != z.rows || a.cols != z.cols {
            shapeMismatch("addBiasAndActivate", "Z is \(z.shapeDescription), b is \(bias.shapeDescription), A is \(a.shapeDescription)")
        }
        switch activation {
        case .identity: forwardLoop(z, bias, a) { $0 }
        case .tanh: forwardLoop(z, bias, a) { T.tanh($0) }
        case .sigmoid: forwardLoop(z, bias, a) { Activation.logistic($0) }
        case .relu: forwardLoop(z, bias, a) { $0 > 0 ? $0 : 0 }
        case .leakyReLU:
            let slope = T(Activation.leakySlope)
            forwardLoop(z, bias, a) { $0 > 0 ? $0 : slope * $0 }
        case .softplus: forwardLoop(z, bias, a) { Activation.softplus($0) }
        case .step: forwardLoop(z, bias, a) { $0 > 0 ? 1 : 0 }
        case .shiftedReLU: forwardLoop(z, bias, a) { $0 > 100 ? $0 - 100 : 0 }
        }
    }

    /// The loop of ``addBiasAndActivate(_:bias:activation:into:)`` with `g` known statically, so
    /// that the activation's `switch` is outside the loop.
    @inline(__always)
    private static func forwardLoop<T: BLASScalar>(
        _ z: MutableMatrixView<T>, _ bias: MatrixView<T>, _ a: MutableMatrixView<T>,
        _ g: (T) -> T
    ) {
        let b = bias.base
        let bStride = bias.stride
        for i in 0..<z.rows {
            let zi = z.base + i * z.ld
            let ai = a.base + i * a.ld
            for j in 0..<z.cols {
                let v = zi[j] + b[j * bStride]
                zi[j] = v
                ai[j] = g(v)
            }
        }
    }

    // MARK: Backward

    /// `∂E/∂Z = g′(Z) ⊙ δ` and `∂E/∂b = 1ᵀ·∂E/∂Z` (column sums), in one pass.
    ///
    /// `z`, `a` (`= g(Z)`, used by tanh and sigmoid), `delta` (`δ = ∂E/∂A`) and `dz` are `N × d`;
    /// `db` is `1 × d` and is overwritten (not accumulated).
    static func activationBackward<T: BLASScalar>(
        z: MatrixView<T>, a: MatrixView<T>, delta: MatrixView<T>, activation: Activation,
        into dz: MutableMatrixView<T>, biasGradient db: MutableMatrixView<T>
    ) {
        if a.rows != z.rows || a.cols != z.cols || delta.rows != z.rows || delta.cols != z.cols
            || dz.rows != z.rows || dz.cols != z.cols || db.rows != 1 || db.cols != z.cols
            || z.isTransposed || a.isTransposed || delta.isTransposed
        {
            shapeMismatch("activationBackward", "Z is \(z.shapeDescription), A is \(a.shapeDescription), δ is \(delta.shapeDescription), ∂E/∂Z is \(dz.shapeDescription), ∂E/∂b is \(db.shapeDescription)")
        }
        switch activation {
        case .identity: backwardLoop(z, a, delta, dz, db) { _, _ in 1 }
        case .tanh: backwardLoop(z, a, delta, dz, db) { _, a in 1 - a * a }
        case .sigmoid: backwardLoop(z, a, delta, dz, db) { _, a in a * (1 - a) }
        case .relu: backwardLoop(z, a, delta, dz, db) { z, _ in z > 0 ? 1 : 0 }
        case .leakyReLU:
            let slope = T(Activation.leakySlope)
            backwardLoop(z, a, delta, dz, db) { z, _ in z > 0 ? 1 : slope }
        case .softplus: backwardLoop(z, a, delta, dz, db) { z, _ in Activation.logistic(z) }
        case .step: backwardLoop(z, a, delta, dz, db) { _, _ in 0 }
        case .shiftedReLU: backwardLoop(z, a, delta, dz, db) { z, _ in z > 100 ? 1 : 0 }
        }
    }

    /// The loop of ``activationBackward(z:a:delta:activation:into:biasGradient:)`` with `g′(z, a)`
    /// known statically.
    @inline(__always)
    private static func backwardLoop<T: BLASScalar>(
        _ z: MatrixView<T>, _ a: MatrixView<T>, _ delta: MatrixView<T>,
        _ dz: MutableMatrixView<T>, _ db: MutableMatrixView<T>, _ gPrime: (T, T) -> T
    ) {
        let dbp = db.base
        let dbStride = db.stride
        for j in 0..<db.cols { dbp[j * dbStride] = 0 }
        for i in 0..<z.rows {
            let zi = z.base + i * z.ld
            let ai = a.base + i * a.ld
            let di = delta.base + i * delta.ld
            let dzi = dz.base + i * dz.ld
            for j in 0..<z.cols {
                let e = gPrime(zi[j], ai[j]) * di[j]
                dzi[j] = e
                dbp[j * dbStride] += e
            }
        }
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
