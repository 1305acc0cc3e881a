import RealModule

/// The elementwise nonlinearity `a = g(z)` applied after a layer, with its derivative `g′(z)`.
///
/// The raw values are the names used on the command line and in model files.
public enum Activation: String, CaseIterable, Sendable, Codable {
    /// `g(z) = z`, `g′ = 1`. The usual choice for the output layer.
    case identity
    /// `g(z) = tanh z`, `g′ = 1 − tanh² z`.
    case tanh
    /// The logistic sigmoid `g(z) = 1 / (1 + e^{−z})`, `g′ = g(1 − g)`.
    case sigmoid
    /// `g(z) = max(0, z)`, `g′ = 1[z > 0]`.
    case relu
    /// `g(z) = z` for `z > 0`, `0.01·z` otherwise; `g′ = 1` or `0.01`.
    case leakyReLU = "leaky-relu"
    /// `g(z) = log(1 + e^z)`, `g′ = σ(z)`.
    case softplus
    /// The step `g(z) = 1[z > 0]`, `g′ = 0` almost everywhere: the lecture's example of an
    /// activation that cannot be trained by gradient descent.
    case step
    /// `g(z) = max(0, z − 100)`: zero (and with zero gradient) for every ordinary input, the
    /// lecture's second problematic activation.
    case shiftedReLU = "relu-minus-100"

    /// Slope of ``leakyReLU`` for negative inputs.
    public static let leakySlope = 0.01

    /// `g(z)`. tanh and the sigmoid use the vectorisable ``FastActivations`` (a few ulp from
    /// libm), so every path — batch kernels, neuron-wise loops, autodiff on scalars — computes the
    /// same bits.
    @inlinable
    public func value<T: BLASScalar>(_ z: T) -> T {
        switch self {
        case .identity: return z
        case .tanh: return FastActivations.tanh(z)
        case .sigmoid: return FastActivations.sigmoid(z)
        case .relu: return z > 0 ? z : 0
        case .leakyReLU: return z > 0 ? z : T(Activation.leakySlope) * z
        case .softplus: return Activation.softplus(z)
        case .step: return z > 0 ? 1 : 0
        case .shiftedReLU: return z > 100 ? z - 100 : 0
        }
    }

    /// `g′(z)`, given `z` and the already computed `a = g(z)` (tanh and sigmoid use `a`).
    @inlinable
    public func derivative<T: BLASScalar>(_ z: T, output a: T) -> T {
        switch self {
        case .identity: return 1
        case .tanh: return 1 - a * a
        case .sigmoid: return a * (1 - a)
        case .relu: return z > 0 ? 1 : 0
        case .leakyReLU: return z > 0 ? 1 : T(Activation.leakySlope)
        case .softplus: return Activation.logistic(z)
        case .step: return 0
        case .shiftedReLU: return z > 100 ? 1 : 0
        }
    }

    /// `g′(z)` alone (computes `g(z)` when needed).
    @inlinable
    public func derivative<T: BLASScalar>(_ z: T) -> T {
        derivative(z, output: value(z))
    }

    /// Whether `g′` is discontinuous somewhere (numerical gradient checks must stay away from
    /// those points).
    public var hasKink: Bool {
        switch self {
        case .relu, .leakyReLU, .step, .shiftedReLU: return true
        case .identity, .tanh, .sigmoid, .softplus: return false
        }
    }

    /// `σ(z) = 1 / (1 + e^{−z})`, without overflow for large `|z|`: the same function as the
    /// ``sigmoid`` activation (``FastActivations/sigmoid(_:)``), used by softplus′ and the
    /// logistic loss.
    @inlinable
    public static func logistic<T: BLASScalar>(_ z: T) -> T { FastActivations.sigmoid(z) }

    /// `log(1 + e^z)`, computed without overflow for large `z`.
    @inlinable
    public static func softplus<T: BLASScalar>(_ z: T) -> T {
        z > 0 ? z + T.log(onePlus: T.exp(-z)) : T.log(onePlus: T.exp(z))
    }
}
