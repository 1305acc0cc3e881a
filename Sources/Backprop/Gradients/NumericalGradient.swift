/// The gradient by central differences, the lecture's unit test for backpropagation:
///
/// ```
/// ∂f/∂θ_t ≈ (f(θ + ε·e_t) − f(θ − ε·e_t)) / 2ε        t = 1…P
/// ```
///
/// It costs two evaluations of `f` per parameter (`2P` in all, each as expensive as a forward
/// pass), against backpropagation's one forward and one backward pass for all `P` at once —
/// which is why it is a test, not a training method.
///
/// Always in `Double`: in `Float` the difference of two nearly equal losses keeps only a few
/// digits and a check passes or fails by luck.
public enum NumericalGradient {
    /// The default step `ε = 1e-5`.
    ///
    /// Central differences have truncation error `≈ ε²·|f‴|/6` and rounding error
    /// `≈ u·|f|/ε` (`u = 2⁻⁵³ ≈ 1.1e-16`, the error in evaluating `f`). Their sum is smallest
    /// near `ε = ∛(3u) ≈ 7e-6`; `1e-5` is that scale, and both errors are then `≈ 1e-11` for `f`
    /// and its derivatives of order 1 — about ten correct digits, far inside the `1e-6` relative
    /// tolerance of a gradient check. A smaller step would be swamped by rounding, a larger one by
    /// curvature, and a larger one also risks stepping across a kink of ReLU-like activations or
    /// hinge losses.
    public static let defaultEpsilon = 1e-5

    /// `∇f(θ)` by central differences with step `epsilon` (two calls of `f` per entry of `theta`).
    ///
    /// The divisor is the step actually taken, `(θ_t + ε) − (θ_t − ε)` in floating point, which
    /// removes the representation error of `θ_t ± ε`.
    public static func of(
        _ f: ([Double]) -> Double, at theta: [Double], epsilon: Double = defaultEpsilon
    ) -> [Double] {
        if !(epsilon > 0) { fatalError("NumericalGradient.of: epsilon \(epsilon) must be positive") }
        var point = theta
        var g = [Double](repeating: 0, count: theta.count)
        for i in 0..<theta.count {
            let t = theta[i]
            let up = t + epsilon
            let down = t - epsilon
            point[i] = up
            let fUp = f(point)
            point[i] = down
            let fDown = f(point)
            point[i] = t
            g[i] = (fUp - fDown) / (up - down)
        }
        return g
    }
}

extension Network {
    /// `∇E` by central differences of the mean loss over the batch `x` (`N × d_0`) and `t`
    /// (`N × d_L`), computed on a `Double` copy of the network (see ``NumericalGradient``).
    ///
    /// Costs `2P` forward passes for `P` parameters (they reuse one workspace). Masked weights and
    /// biases cannot move, so their entries are exactly zero.
    public func numericalGradient(
        _ x: Matrix<Scalar>, _ t: Matrix<Scalar>,
        epsilon: Double = NumericalGradient.defaultEpsilon, backend: Backend = .blas
    ) -> NetworkGradient<Double> {
        checkInput(x.rows, x.cols, "Network.numericalGradient")
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.numericalGradient")
        var copy = converted(to: Double.self)
        let xd = x.converted(to: Double.self)
        let td = t.converted(to: Double.self)
        let ws = BackpropWorkspace(network: copy, batchSize: max(1, x.rows))
        let g = xd.withView { xv in
            td.withView { tv in
                NumericalGradient.of(
                    { theta in
                        copy.setParameters(theta)
                        return copy.loss(xv, tv, workspace: ws, backend: backend)
                    }, at: copy.parameters, epsilon: epsilon)
            }
        }
        return NetworkGradient(flattened: g, like: copy)
    }
}
