/// One fully connected layer: `Z = A_prev·W + b` followed by `A = g(Z)`, for a whole batch.
///
/// Shapes, with a batch of `N` rows: `A_prev` is `N × d_in`, `W` is `d_in × d_out` (the lecture's
/// `W^(l−1,l)`, entry `w_jk` connects neuron `j` of the previous layer to neuron `k` of this one),
/// `b` is `1 × d_out` (added to every row), `Z` and `A` are `N × d_out`.
///
/// An optional connectivity `mask` (`d_in × d_out`, entries 0 or 1) holds masked weights at zero:
/// they are zeroed on assignment and their gradients are zeroed, so a sparse network such as the
/// lecture's 7-neuron example is a masked dense one.
public struct DenseLayer<Scalar: BLASScalar>: Equatable, Sendable {
    /// `W`, `d_in × d_out`.
    public var weight: Matrix<Scalar> {
        didSet {
            if weight.rows != oldValue.rows || weight.cols != oldValue.cols {
                fatalError("DenseLayer.weight: new shape \(weight.rows)×\(weight.cols) differs from \(oldValue.rows)×\(oldValue.cols)")
            }
            applyMask()
        }
    }
    /// `b`, `1 × d_out`.
    public var bias: Matrix<Scalar> {
        didSet {
            if bias.rows != 1 || bias.cols != oldValue.cols {
                fatalError("DenseLayer.bias: new shape \(bias.rows)×\(bias.cols) differs from 1×\(oldValue.cols)")
            }
        }
    }
    /// `g`, applied elementwise to `Z`.
    public var activation: Activation
    /// Connectivity (`d_in × d_out`, 1 = connected, 0 = weight held at zero), or `nil` for dense.
    public private(set) var mask: Matrix<Scalar>?

    /// Number of inputs `d_in`.
    public var inputSize: Int { weight.rows }
    /// Number of outputs `d_out`.
    public var outputSize: Int { weight.cols }

    /// A layer with the given parameters. Traps when `bias` is not `1 × W.cols` or the mask's
    /// shape differs from `W`'s.
    public init(
        weight: Matrix<Scalar>, bias: Matrix<Scalar>, activation: Activation,
        mask: Matrix<Scalar>? = nil
    ) {
        if bias.rows != 1 || bias.cols != weight.cols {
            fatalError("DenseLayer: bias is \(bias.rows)×\(bias.cols), W is \(weight.rows)×\(weight.cols); bias must be 1×\(weight.cols)")
        }
        if let mask, mask.rows != weight.rows || mask.cols != weight.cols {
            fatalError("DenseLayer: mask is \(mask.rows)×\(mask.cols), W is \(weight.rows)×\(weight.cols)")
        }
        self.weight = weight
        self.bias = bias
        self.activation = activation
        self.mask = mask
        applyMask()
    }

    /// Sets (or removes) the connectivity mask and zeroes the masked weights.
    public mutating func setMask(_ newMask: Matrix<Scalar>?) {
        if let newMask, newMask.rows != weight.rows || newMask.cols != weight.cols {
            fatalError("DenseLayer.setMask: mask is \(newMask.rows)×\(newMask.cols), W is \(weight.rows)×\(weight.cols)")
        }
        mask = newMask
        applyMask()
    }

    /// Zeroes the weights whose mask entry is 0.
    mutating func applyMask() {
        guard let mask else { return }
        var changed = false
        var w = weight.elements
        for i in 0..<w.count where mask.elements[i] == 0 && w[i] != 0 {
            w[i] = 0
            changed = true
        }
        if changed { weight.elements = w }
    }

    /// Number of trainable parameters (`d_in·d_out + d_out`, masked weights included).
    public var parameterCount: Int { weight.count + bias.count }
}
