// The Hessian of a network's mean loss with respect to all its parameters, through backprop.

extension Network {
    /// The Hessian operator of `E(θ) = 1/N Σ_k E_k` over the batch `x` (`N × d_0`) and targets `t`
    /// (`N × d_L`) with respect to every parameter (flat order of ``parameters``), at the current
    /// parameters. Computed on a `Double` copy of the network:
    ///
    /// - `gradient(θ')` sets the copy's parameters to `θ'` and backpropagates (one forward and one
    ///   backward pass, reusing one workspace);
    /// - `region(θ')` is the network's *kink pattern* at `θ'`: for every layer whose activation has
    ///   a kink (ReLU, leaky ReLU, step, shifted ReLU), which side of it each `z^(l)` lies on, for
    ///   every sample; and for the hinge and perceptron losses, which side of the margin each
    ///   output lies on. Two points with the same pattern are in the same smooth piece of `E`, so
    ///   ``HessianOperator`` never differences across a kink unless `θ` itself sits on one. For a
    ///   smooth network (tanh, sigmoid, softplus, identity with mse/logistic/softmax) `region` is
    ///   `nil`.
    ///
    /// Masked weights and biases have zero gradient whatever `θ'` holds, so their rows and columns
    /// of `H` are zero (each adds an eigenvalue 0).
    public func hessian(
        _ x: Matrix<Scalar>, _ t: Matrix<Scalar>,
        relativeStep: Double = HessianOperator.defaultRelativeStep, backend: Backend = .blas
    ) -> HessianOperator {
        checkInput(x.rows, x.cols, "Network.hessian")
        checkTargets(t.rows, t.cols, rows: x.rows, "Network.hessian")
        let state = HessianState(
            network: converted(to: Double.self), x: x.converted(to: Double.self),
            t: t.converted(to: Double.self), backend: backend)
        let kinked = layers.contains { $0.activation.hasKink } || loss.hasKink
        return HessianOperator(
            at: state.network.parameters, gradient: { state.gradient(at: $0) },
            region: kinked ? { state.kinkPattern(at: $0) } : nil, relativeStep: relativeStep)
    }
}

/// The `Double` copy of a network, its batch and workspace, shared by a ``HessianOperator``'s
/// closures.
private final class HessianState {
    var network: Network<Double>
    let x: Matrix<Double>
    let t: Matrix<Double>
    let backend: Backend
    let workspace: BackpropWorkspace<Double>

    init(network: Network<Double>, x: Matrix<Double>, t: Matrix<Double>, backend: Backend) {
        self.network = network
        self.x = x
        self.t = t
        self.backend = backend
        self.workspace = BackpropWorkspace(network: network, batchSize: max(1, x.rows))
    }

    /// `∇E(θ)` by layer-wise backpropagation.
    func gradient(at theta: [Double]) -> [Double] {
        network.setParameters(theta)
        x.withView { xv in
            t.withView { tv in _ = network.backpropagate(xv, tv, workspace: workspace, backend: backend) }
        }
        return workspace.gradient.flattened
    }

    /// The side of every kink at `θ` (see ``Network/hessian(_:_:relativeStep:backend:)``).
    func kinkPattern(at theta: [Double]) -> [Bool] {
        network.setParameters(theta)
        let n = x.rows
        let output = x.withView { network.forward($0, workspace: workspace, backend: backend) }
        var pattern: [Bool] = []
        for l in 1...network.layers.count {
            let g = network.layers[l - 1].activation
            guard g.hasKink else { continue }
            let z = workspace.preActivation(l, rows: n)
            for i in 0..<n {
                for j in 0..<z.cols { pattern.append(KinkSide.activation(g, z[i, j])) }
            }
        }
        if network.loss.hasKink {
            for i in 0..<n {
                let margin = output[i, 0] * t[i, 0]
                pattern.append(network.loss == .hinge ? margin < 1 : margin <= 0)
            }
        }
        return pattern
    }
}

/// Which side of its kink an activation's input lies on (`true`: the side where `g′` takes its
/// "on" value).
enum KinkSide {
    /// `z > 0` for ReLU, leaky ReLU and step; `z > 100` for the shifted ReLU; `false` for smooth
    /// activations.
    static func activation(_ g: Activation, _ z: Double) -> Bool {
        switch g {
        case .relu, .leakyReLU, .step: return z > 0
        case .shiftedReLU: return z > 100
        case .identity, .tanh, .sigmoid, .softplus: return false
        }
    }
}
