import RealModule

/// The error `E = 1/N Σ_k E_k(y_k, t_k)` of a batch of `N` network outputs `y` (`N × C`) against
/// targets `t` (`N × C`), and its derivative `∂E/∂y` (which includes the `1/N`).
///
/// Target conventions:
/// - binary losses (`perceptron`, `hinge`, `logistic`): one output, `t ∈ {−1, +1}`;
/// - `mse`: any real targets, any number of outputs;
/// - `softmax`: `C ≥ 2` outputs (logits), `t` one-hot rows (or probability rows summing to 1).
///
/// The raw values are the names used on the command line and in model files.
public enum Loss: String, CaseIterable, Sendable, Codable {
    /// The lecture's perceptron error `E_k = max(0, −y·t)`; `∂E_k/∂y = −t·1[y·t ≤ 0]`. A point on
    /// the boundary (`y = 0`) counts as misclassified, as in Rosenblatt's rule.
    case perceptron
    /// The margin hinge `E_k = max(0, 1 − y·t)`; `∂E_k/∂y = −t·1[y·t < 1]`.
    case hinge
    /// Squared error `E_k = ½ Σ_j (y_j − t_j)²`; `∂E_k/∂y_j = y_j − t_j`.
    case mse
    /// Logistic loss on a logit `E_k = log(1 + e^{−y·t})`; `∂E_k/∂y = −t·σ(−y·t)`.
    case logistic
    /// Softmax cross-entropy on logits `E_k = logsumexp(y) − Σ_j t_j y_j` (stable: the largest
    /// logit is subtracted first); `∂E_k/∂y_j = softmax(y)_j − t_j`.
    case softmax

    /// Whether the loss expects a single output and targets in `{−1, +1}`.
    public var isBinary: Bool {
        switch self {
        case .perceptron, .hinge, .logistic: return true
        case .mse, .softmax: return false
        }
    }

    /// Whether `∂E/∂y` is discontinuous somewhere (gradient checks avoid those points).
    public var hasKink: Bool { self == .perceptron || self == .hinge }

    /// `E_k` for one sample: `y` and `t` point at `count` consecutive outputs and targets.
    @inlinable @inline(__always)
    public func sampleValue<T: BLASScalar>(_ y: UnsafePointer<T>, _ t: UnsafePointer<T>, count: Int)
        -> T
    {
        switch self {
        case .perceptron: return max(0, -y[0] * t[0])
        case .hinge: return max(0, 1 - y[0] * t[0])
        case .logistic: return Activation.softplus(-y[0] * t[0])
        case .mse:
            var s: T = 0
            for j in 0..<count {
                let d = y[j] - t[j]
                s += d * d
            }
            return s / 2
        case .softmax:
            var m = -T.infinity
            for j in 0..<count { m = max(m, y[j]) }
            var s: T = 0
            var ty: T = 0
            for j in 0..<count {
                s += T.exp(y[j] - m)
                ty += t[j] * y[j]
            }
            return m + T.log(s) - ty
        }
    }

    /// Writes `scale · ∂E_k/∂y` for one sample into `dy` (`count` outputs).
    @inlinable @inline(__always)
    public func sampleGradient<T: BLASScalar>(
        _ y: UnsafePointer<T>, _ t: UnsafePointer<T>, count: Int, scale: T,
        into dy: UnsafeMutablePointer<T>
    ) {
        switch self {
        case .perceptron: dy[0] = y[0] * t[0] <= 0 ? -t[0] * scale : 0
        case .hinge: dy[0] = y[0] * t[0] < 1 ? -t[0] * scale : 0
        case .logistic: dy[0] = -t[0] * Activation.logistic(-y[0] * t[0]) * scale
        case .mse:
            for j in 0..<count { dy[j] = (y[j] - t[j]) * scale }
        case .softmax:
            var m = -T.infinity
            for j in 0..<count { m = max(m, y[j]) }
            var s: T = 0
            for j in 0..<count {
                let e = T.exp(y[j] - m)
                dy[j] = e
                s += e
            }
            var tsum: T = 0
            for j in 0..<count { tsum += t[j] }
            for j in 0..<count { dy[j] = (dy[j] / s * tsum - t[j]) * scale }
        }
    }

    /// `E = 1/N Σ_k E_k` over the rows of `y` and `t` (both `N × C`).
    public func value<T: BLASScalar>(_ y: MatrixView<T>, _ t: MatrixView<T>) -> T {
        checkShapes(y.rows, y.cols, y.ld, y.isTransposed, t)
        if y.rows == 0 { return 0 }
        var total: T = 0
        for k in 0..<y.rows {
            total += sampleValue(y.base + k * y.ld, t.base + k * t.ld, count: y.cols)
        }
        return total / T(y.rows)
    }

    /// Writes `∂E/∂y` (`N × C`, including the `1/N`) into `dy` and returns `E`.
    @discardableResult
    public func gradient<T: BLASScalar>(
        _ y: MatrixView<T>, _ t: MatrixView<T>, into dy: MutableMatrixView<T>
    ) -> T {
        checkShapes(y.rows, y.cols, y.ld, y.isTransposed, t)
        if dy.rows != y.rows || dy.cols != y.cols {
            shapeMismatch("Loss.gradient", "y is \(y.shapeDescription), ∂E/∂y is \(dy.shapeDescription)")
        }
        if y.rows == 0 { return 0 }
        // One switch per batch, not per sample: in each loop the loss is a constant.
        switch self {
        case .perceptron: return Loss.gradientLoop(.perceptron, y, t, into: dy)
        case .hinge: return Loss.gradientLoop(.hinge, y, t, into: dy)
        case .mse: return Loss.gradientLoop(.mse, y, t, into: dy)
        case .logistic: return Loss.gradientLoop(.logistic, y, t, into: dy)
        case .softmax: return Loss.gradientLoop(.softmax, y, t, into: dy)
        }
    }

    /// The body of ``gradient(_:_:into:)`` for one loss (inlined with `loss` a constant).
    @inline(__always)
    static func gradientLoop<T: BLASScalar>(
        _ loss: Loss, _ y: MatrixView<T>, _ t: MatrixView<T>, into dy: MutableMatrixView<T>
    ) -> T {
        let scale = 1 / T(y.rows)
        var total: T = 0
        if loss == .mse && y.cols == 1 {
            // One output: the same sums as below, without the per-sample inner loops.
            for k in 0..<y.rows {
                let d = y.base[k &* y.ld] - t.base[k &* t.ld]
                total += d * d / 2
                dy.base[k &* dy.ld] = d * scale
            }
            return total * scale
        }
        for k in 0..<y.rows {
            let yk = y.base + k &* y.ld
            let tk = t.base + k &* t.ld
            total += loss.sampleValue(yk, tk, count: y.cols)
            loss.sampleGradient(yk, tk, count: y.cols, scale: scale, into: dy.base + k &* dy.ld)
        }
        return total * scale
    }

    /// Whether output row `y` classifies target row `t` correctly: `y·t > 0` for binary losses
    /// (the boundary counts as wrong), the arg-max for softmax, and for `mse` the sign with one
    /// output or the arg-max with several.
    @inlinable
    public func isCorrect<T: BLASScalar>(_ y: UnsafePointer<T>, _ t: UnsafePointer<T>, count: Int)
        -> Bool
    {
        if count == 1 { return y[0] * t[0] > 0 }
        var best = 0
        var bestT = 0
        for j in 1..<count {
            if y[j] > y[best] { best = j }
            if t[j] > t[bestT] { bestT = j }
        }
        return best == bestT
    }

    /// The fraction of rows of `y` classified correctly (see ``isCorrect(_:_:count:)``).
    public func accuracy<T: BLASScalar>(_ y: MatrixView<T>, _ t: MatrixView<T>) -> Double {
        checkShapes(y.rows, y.cols, y.ld, y.isTransposed, t)
        if y.rows == 0 { return 0 }
        var correct = 0
        for k in 0..<y.rows where isCorrect(y.base + k * y.ld, t.base + k * t.ld, count: y.cols) {
            correct += 1
        }
        return Double(correct) / Double(y.rows)
    }

    private func checkShapes<T>(_ rows: Int, _ cols: Int, _ ld: Int, _ transposed: Bool, _ t: MatrixView<T>) {
        if transposed || t.isTransposed {
            shapeMismatch("Loss.\(rawValue)", "outputs and targets must be untransposed views")
        }
        if t.rows != rows || t.cols != cols {
            shapeMismatch("Loss.\(rawValue)", "outputs y are \(rows)×\(cols), targets t are \(t.shapeDescription)")
        }
        if isBinary && cols != 1 {
            shapeMismatch("Loss.\(rawValue)", "a binary loss needs one output, y is \(rows)×\(cols)")
        }
    }
}

extension Loss {
    /// `E` for whole matrices.
    public func value<T: BLASScalar>(_ y: Matrix<T>, _ t: Matrix<T>) -> T {
        y.withView { yv in t.withView { value(yv, $0) } }
    }

    /// `(E, ∂E/∂y)` for whole matrices.
    public func gradient<T: BLASScalar>(_ y: Matrix<T>, _ t: Matrix<T>) -> (loss: T, dy: Matrix<T>) {
        var dy = Matrix<T>(rows: y.rows, cols: y.cols)
        let e = y.withView { yv in t.withView { tv in dy.withMutableView { gradient(yv, tv, into: $0) } } }
        return (e, dy)
    }

    /// Accuracy for whole matrices.
    public func accuracy<T: BLASScalar>(_ y: Matrix<T>, _ t: Matrix<T>) -> Double {
        y.withView { yv in t.withView { accuracy(yv, $0) } }
    }
}
