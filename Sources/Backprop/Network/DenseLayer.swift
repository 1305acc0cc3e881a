/// One fully connected layer: `Z = A_prev·W + b` followed by `A = g(Z)`, for a whole batch.
///
/// Shapes, with a batch of `N` rows: `A_prev` is `N × d_in`, `W` is `d_in × d_out` (the lecture's
/// `W^(l−1,l)`, entry `w_jk` connects neuron `j` of the previous layer to neuron `k` of this one),
/// `b` is `1 × d_out` (added to every row), `Z` and `A` are `N × d_out`.
///
/// An optional connectivity `mask` (`d_in × d_out`, entries 0 or 1) holds masked weights at zero:
/// they are zeroed on assignment and their gradients are zeroed, so a sparse network such as the
/// lecture's 7-neuron example is a masked dense one. An optional `biasMask` (`1 × d_out`) does the
/// same for the biases (the lecture's example has no biases: all of them are held at zero).
public struct DenseLayer<Scalar: BLASScalar>: Equatable, Sendable {
    /// Stored `W`. Training mutates it in place (no copy); ``weight`` is the checked public face.
    var weightStorage: Matrix<Scalar>
    /// Stored `b`.
    var biasStorage: Matrix<Scalar>

    /// `W`, `d_in × d_out`. Assigning a matrix of another shape traps; masked entries are zeroed.
    public var weight: Matrix<Scalar> {
        get { weightStorage }
        set {
            if newValue.rows != weightStorage.rows || newValue.cols != weightStorage.cols {
                fatalError("DenseLayer.weight: new shape \(newValue.rows)×\(newValue.cols) differs from \(weightStorage.rows)×\(weightStorage.cols)")
            }
            weightStorage = newValue
            applyMask()
        }
    }
    /// `b`, `1 × d_out`. Assigning another shape traps; masked entries are zeroed.
    public var bias: Matrix<Scalar> {
        get { biasStorage }
        set {
            if newValue.rows != 1 || newValue.cols != biasStorage.cols {
                fatalError("DenseLayer.bias: new shape \(newValue.rows)×\(newValue.cols) differs from 1×\(biasStorage.cols)")
            }
            biasStorage = newValue
            applyMask()
        }
    }
    /// `g`, applied elementwise to `Z`.
    public var activation: Activation
    /// Connectivity (`d_in × d_out`, 1 = connected, 0 = weight held at zero), or `nil` for dense.
    public private(set) var mask: Matrix<Scalar>?
    /// Which biases exist (`1 × d_out`, 0 = bias held at zero), or `nil` for all.
    public private(set) var biasMask: Matrix<Scalar>?

    /// Number of inputs `d_in`.
    public var inputSize: Int { weightStorage.rows }
    /// Number of outputs `d_out`.
    public var outputSize: Int { weightStorage.cols }

    /// A layer with the given parameters. Traps when `bias` is not `1 × W.cols` or a mask's
    /// shape differs from `W`'s (or `b`'s).
    public init(
        weight: Matrix<Scalar>, bias: Matrix<Scalar>, activation: Activation,
        mask: Matrix<Scalar>? = nil, biasMask: Matrix<Scalar>? = nil
    ) {
        if bias.rows != 1 || bias.cols != weight.cols {
            fatalError("DenseLayer: bias is \(bias.rows)×\(bias.cols), W is \(weight.rows)×\(weight.cols); bias must be 1×\(weight.cols)")
        }
        if let mask, mask.rows != weight.rows || mask.cols != weight.cols {
            fatalError("DenseLayer: mask is \(mask.rows)×\(mask.cols), W is \(weight.rows)×\(weight.cols)")
        }
        if let biasMask, biasMask.rows != 1 || biasMask.cols != weight.cols {
            fatalError("DenseLayer: bias mask is \(biasMask.rows)×\(biasMask.cols), b is 1×\(weight.cols)")
        }
        self.weightStorage = weight
        self.biasStorage = bias
        self.activation = activation
        self.mask = mask
        self.biasMask = biasMask
        applyMask()
    }

    /// Sets (or removes) the connectivity mask and zeroes the masked weights.
    public mutating func setMask(_ newMask: Matrix<Scalar>?) {
        if let newMask, newMask.rows != weightStorage.rows || newMask.cols != weightStorage.cols {
            fatalError("DenseLayer.setMask: mask is \(newMask.rows)×\(newMask.cols), W is \(weightStorage.rows)×\(weightStorage.cols)")
        }
        mask = newMask
        applyMask()
    }

    /// Sets (or removes) the bias mask (`1 × d_out`) and zeroes the masked biases.
    public mutating func setBiasMask(_ newMask: Matrix<Scalar>?) {
        if let newMask, newMask.rows != 1 || newMask.cols != biasStorage.cols {
            fatalError("DenseLayer.setBiasMask: mask is \(newMask.rows)×\(newMask.cols), b is 1×\(biasStorage.cols)")
        }
        biasMask = newMask
        applyMask()
    }

    /// Zeroes the weights and biases whose mask entry is 0, in place (no allocation when the
    /// storage is uniquely referenced).
    mutating func applyMask() {
        if let mask { LayerElementwise.zeroMasked(&weightStorage, mask: mask) }
        if let biasMask { LayerElementwise.zeroMasked(&biasStorage, mask: biasMask) }
    }

    /// Number of trainable parameters (`d_in·d_out + d_out`, masked weights included).
    public var parameterCount: Int { weightStorage.count + biasStorage.count }

    /// The same layer in another precision (masks included).
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> DenseLayer<T> {
        DenseLayer<T>(
            weight: weightStorage.converted(), bias: biasStorage.converted(), activation: activation,
            mask: mask?.converted(), biasMask: biasMask?.converted())
    }
}
