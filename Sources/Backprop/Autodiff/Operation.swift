/// One recorded operation on a ``Tape``: what computed a node from its inputs.
///
/// The enum replaces per-node closures (micrograd's `_backward`): a node is a few words of plain
/// data, recording allocates nothing once the tape's arrays have grown, and
/// ``Tape/differentiate(_:)`` below is the one table that says how each operation differentiates.
enum Operation<Scalar: BLASScalar> {
    /// A leaf that requires a gradient; its value is `leaves[slot]` (the caller's matrix, shared).
    case parameter(slot: Int)
    /// A leaf without a gradient (inputs, targets, masks); its value is `leaves[slot]`.
    case constant(slot: Int)
    /// `C = A·B`.
    case matmul
    /// `C = A + B` (elementwise; a 1×1 operand is broadcast).
    case add
    /// `C = A − B` (elementwise; a 1×1 operand is broadcast).
    case subtract
    /// `C = A ⊙ B` (elementwise; a 1×1 operand is broadcast).
    case multiply
    /// `C = s·A` for a constant `s`.
    case scale(Scalar)
    /// `C = X + 1·b`: the `1 × d` row `b` added to every row of the `N × d` matrix `X`.
    case addBias
    /// `A = g(Z)` elementwise.
    case activation(Activation)
    /// The fused layer `A = g(X·W + 1·b)`; the pre-activation `Z` is kept in the node's auxiliary
    /// buffer.
    case dense(Activation)
    /// `E = loss(Y, T)` (1×1, averaged over the rows); `∂E/∂Y` is kept in the auxiliary buffer.
    case loss(Loss)
    /// `s = Σ_ij X_ij` (1×1).
    case sum
    /// `s = 1/(N·d) Σ_ij X_ij` (1×1).
    case mean
    /// `C = X[:, start ..< start + C.cols]`.
    case columns(start: Int)
    /// `C = [X₁ X₂ … X_count]` side by side; the inputs are `operands[first ..< first + count]`.
    case concatenate(first: Int, count: Int)
}

/// One entry of the Wengert list: the operation, its input nodes (`-1` when unused) and the
/// shape of its value.
struct TapeNode<Scalar: BLASScalar> {
    var operation: Operation<Scalar>
    var a: Int
    var b: Int
    var c: Int
    var rows: Int
    var cols: Int
    /// Whether the value depends on some parameter (only those nodes get gradients).
    var requiresGradient: Bool

    @inline(__always) var count: Int { rows &* cols }
}

extension Tape {
    /// The derivative table: given `∂E/∂C` of node `i` (already complete, because every consumer
    /// of `i` comes later on the tape), add node `i`'s contribution to `∂E/∂input` for every
    /// input that requires a gradient.
    ///
    /// | operation | contribution |
    /// |---|---|
    /// | `C = A·B` | `dA += dC·Bᵀ`, `dB += Aᵀ·dC` (two gemms with transpose flags) |
    /// | `C = A ± B` | `dA += dC`, `dB ±= dC` (summed over a broadcast 1×1 operand) |
    /// | `C = A ⊙ B` | `dA += dC ⊙ B`, `dB += dC ⊙ A` |
    /// | `C = s·A` | `dA += s·dC` |
    /// | `C = X + 1·b` | `dX += dC`, `db += 1ᵀ·dC` (column sums) |
    /// | `A = g(Z)` | `dZ += dA ⊙ g′(Z)` |
    /// | `A = g(X·W + 1·b)` | `dZ = dA ⊙ g′(Z)`, then `dX += dZ·Wᵀ`, `dW += Xᵀ·dZ`, `db += 1ᵀ·dZ` |
    /// | `E = loss(Y, T)` | `dY += dE · ∂E/∂Y` (``Loss/gradient(_:_:into:)``, incl. `1/N`) |
    /// | `s = Σ X` / `s = mean X` | `dX += ds` / `dX += ds / (N·d)` |
    /// | `C = X[:, r]` | `dX[:, r] += dC` |
    /// | `C = [X₁ … X_k]` | `dX_k += dC[:, columns of X_k]` |
    ///
    /// Each rule is implemented next to its forward pass, in the file of its operation.
    func differentiate(_ i: Int) {
        let node = nodes[i]
        switch node.operation {
        case .parameter, .constant: return
        case .matmul: matmulBackward(i, node)
        case .add, .subtract, .multiply: elementwiseBackward(i, node)
        case .scale(let s): scaleBackward(i, node, s)
        case .addBias: addBiasBackward(i, node)
        case .activation(let g): activationBackward(i, node, g)
        case .dense(let g): denseBackward(i, node, g)
        case .loss: lossBackward(i, node)
        case .sum: reductionBackward(i, node, scale: 1)
        case .mean: reductionBackward(i, node, scale: 1 / Scalar(tapeNode(node.a).count))
        case .columns(let start): columnsBackward(i, node, start: start)
        case .concatenate(let first, let count): concatenateBackward(i, node, first, count)
        }
    }
}
