/// A handle to one value recorded on a ``Tape``: a node index plus its shape.
///
/// Handles are small structs; copying one copies no data. Operations on handles record on their
/// tape, so forward code reads like the math:
///
/// ```swift
/// let z3 = a1 * w13 + a2 * w23          // 1×1 scalars: the lecture, neuron by neuron
/// let h = x.matmul(W).addingBias(b).applying(.relu)
/// let r = h + x.matmul(P)               // a skip connection
/// ```
///
/// A handle is valid until its tape's ``Tape/reset()``; using it afterwards traps.
public struct Variable<Scalar: BLASScalar> {
    /// The tape the value lives on.
    public let tape: Tape<Scalar>
    /// Position on the tape (0-based, in recording order).
    public let index: Int
    let generation: UInt32
    /// Rows of the value.
    public let rows: Int
    /// Columns of the value.
    public let cols: Int
    /// Whether the value depends on a parameter (and so gets a gradient in backward).
    public let requiresGradient: Bool

    /// The current value (a copy).
    public var value: Matrix<Scalar> { tape.value(of: self) }
    /// `∂E/∂value` after ``Tape/backward(from:)`` (a copy).
    public var gradient: Matrix<Scalar> { tape.gradient(of: self) }
    /// The value of a 1×1 variable.
    public var scalar: Scalar { tape.scalar(of: self) }
}

// MARK: Method forms of the tape's operations

extension Variable {
    /// `self · other` (matrix product through gemm). See ``Tape/matmul(_:_:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func matmul(_ other: Variable) -> Variable { tape.matmul(self, other) }

    /// `self + 1·b`: the row `b` (`1 × cols`) added to every row. See ``Tape/addBias(_:_:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func addingBias(_ b: Variable) -> Variable { tape.addBias(self, b) }

    /// `g(self)` elementwise. See ``Tape/activation(_:_:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func applying(_ g: Activation) -> Variable { tape.activation(self, g) }

    /// `E = loss(self, t)`, 1×1. See ``Tape/loss(_:_:_:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func loss(_ loss: Loss, target t: Variable) -> Variable { tape.loss(self, t, loss) }

    /// `Σ_ij self_ij` (1×1).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sum() -> Variable { tape.sum(self) }

    /// The mean of all elements (1×1).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func mean() -> Variable { tape.mean(self) }

    /// Columns `range` of `self`. See ``Tape/columns(_:_:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func columns(_ range: Range<Int>) -> Variable { tape.columns(self, range) }

    /// `C = A + B` elementwise (a 1×1 operand is broadcast).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func + (a: Variable, b: Variable) -> Variable { a.tape.add(a, b) }

    /// `C = A − B` elementwise (a 1×1 operand is broadcast).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func - (a: Variable, b: Variable) -> Variable { a.tape.subtract(a, b) }

    /// `C = A ⊙ B` elementwise (a 1×1 operand is broadcast, so for scalars this is the
    /// ordinary product `a·w`).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func * (a: Variable, b: Variable) -> Variable { a.tape.multiply(a, b) }

    /// `C = s·A` for a constant `s`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func * (s: Scalar, a: Variable) -> Variable { a.tape.scale(a, by: s) }

    /// `C = −A`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static prefix func - (a: Variable) -> Variable { a.tape.scale(a, by: -1) }
}
