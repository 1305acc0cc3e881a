/// Reverse-mode automatic differentiation on matrices: a tape (Wengert list) that records the
/// forward computation as it runs and then walks it once backwards.
///
/// ```swift
/// let tape = Tape<Double>(backend: .blas)
/// let x = tape.constant(batch)                   // N × d_in, no gradient
/// let W = tape.parameter(weight)                 // d_in × d_out, gets ∂E/∂W
/// let b = tape.parameter(bias)                   // 1 × d_out
/// let y = x.matmul(W).addingBias(b).applying(.tanh)
/// let E = y.loss(.mse, target: tape.constant(targets))   // 1×1
/// try tape.backward(from: E)
/// let dW = tape.gradient(of: W)                  // ∂E/∂W, d_in × d_out
/// ```
///
/// **Recording.** Every operation computes its value immediately (define-by-run) and appends one
/// node `(operation, inputs, shape)` to the tape. Because an operation can only use values that
/// exist, the tape order is already a topological order of the graph.
///
/// **Backward.** ``backward(from:)`` seeds `∂E/∂E = 1` and visits the nodes once, from `E` back
/// to the first one, applying the derivative table (`differentiate(_:)`, in `Operation.swift`): each node adds its
/// contribution to the gradient of each of its inputs. When a node is visited, all of its
/// consumers (later nodes) have already contributed, so its gradient is complete. The cost is one
/// pass over the graph (linear in its size), not one pass per path. No recursion: deep graphs
/// cannot overflow the stack.
///
/// **Accumulation.** Gradients are sums over all uses of a value: a parameter used in several
/// places (a shared weight) receives the sum of the gradients of all its uses. All gradients are
/// zeroed in one place, at the start of ``backward(from:)``; the first contribution to a
/// gradient then writes it (BLAS `β = 0`) and every further one adds to it (`β = 1`), which is
/// `0 + Σ` without a separate pass of zero-filling. Gradients are only computed for values that
/// depend on a parameter (never for inputs or targets).
///
/// **Lifecycle.** `record … → backward → read gradients → reset()`. `backward` consumes the tape:
/// values and gradients stay readable, a second `backward` throws
/// ``AutodiffError/tapeConsumed`` and recording traps, until ``reset()``. `reset()` forgets the
/// nodes but keeps every buffer, so when the next step records the same operations with the same
/// shapes, node `i` reuses buffer `i` (same address): a steady-state training step allocates
/// nothing on the heap. Leaves (`parameter(_:)`, `constant(_:)`) are not copied: the tape shares
/// the caller's matrix until `reset()` (or ``update(_:with:learningRate:)``) releases it, so a
/// training loop can update the matrix in place afterwards.
///
/// A training loop (``Network/autodiffTrainingStep(x:t:learningRate:tape:backend:)`` is this for
/// a ``Network``):
/// ```swift
/// for batch in batches {
///     tape.reset()
///     let W = tape.parameter(weight), b = tape.parameter(bias)
///     let E = tape.dense(tape.constant(batch.x), weight: W, bias: b, activation: .identity)
///         .loss(.mse, target: tape.constant(batch.t))
///     try tape.backward(from: E)
///     tape.update(&weight, with: W, learningRate: 0.1)   // in place: θ ← θ − γ·∂E/∂θ
///     tape.update(&bias, with: b, learningRate: 0.1)
/// }
/// ```
///
/// Handles (``Variable``) from before a `reset()` or from another tape trap when used. Matrix
/// products run on ``backend`` (`A·B`, `dC·Bᵀ`, `Aᵀ·dC` through gemm with transpose flags; the
/// transposes are never copied).
public final class Tape<Scalar: BLASScalar> {
    /// Where the matrix products of the following operations run.
    public var backend: Backend

    var nodes: [TapeNode<Scalar>] = []
    /// The values of leaves (shared with the caller, not copied).
    var leaves: [Matrix<Scalar>] = []
    /// Input lists of n-ary operations (concatenation).
    var operands: [Int] = []
    /// Value of node `i` (unused for leaves).
    var values: [TapeBuffer<Scalar>] = []
    /// Second buffer of node `i` (pre-activation of a dense layer, `∂E/∂Y` of a loss).
    var auxiliaries: [TapeBuffer<Scalar>] = []
    /// `∂E/∂(value of node i)`.
    var gradients: [TapeBuffer<Scalar>] = []
    /// Whether gradient `i` holds a contribution yet (otherwise it is zero).
    var gradientWritten: [Bool] = []
    /// A vector of ones (column sums as `1ᵀ·dC` through gemv).
    var ones = TapeBuffer<Scalar>()
    var onesCount = 0
    /// Incremented by ``reset()``; handles carry the generation they were made in.
    private(set) var generation: UInt32 = 0
    /// Whether ``backward(from:)`` ran since the last ``reset()``.
    public private(set) var isConsumed = false

    /// An empty tape whose products run on `backend`.
    public init(backend: Backend = .blas) {
        self.backend = backend
    }

    deinit {
        for i in values.indices {
            values[i].free()
            auxiliaries[i].free()
            gradients[i].free()
        }
        ones.free()
    }

    /// Number of recorded nodes (leaves included).
    public var count: Int { nodes.count }

    /// Forgets every recorded node and releases the leaves, keeping all buffers for the next
    /// recording. Handles from before the reset become invalid.
    ///
    /// (Not pre-specialised: the exported specialisation of this method was not always emitted,
    /// and release links then failed; it runs twice per step, outside the hot loops.)
    public func reset() {
        nodes.removeAll(keepingCapacity: true)
        leaves.removeAll(keepingCapacity: true)
        operands.removeAll(keepingCapacity: true)
        generation &+= 1
        isConsumed = false
    }

    // MARK: Leaves

    /// A leaf that requires a gradient: after ``backward(from:)``, ``gradient(of:)`` gives
    /// `∂E/∂value`. The matrix is shared, not copied.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func parameter(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        leaf(value, requiresGradient: true)
    }

    /// A leaf without a gradient (network inputs, targets, masks). The matrix is shared, not
    /// copied.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func constant(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        leaf(value, requiresGradient: false)
    }

    /// A 1×1 parameter: a scalar, for neuron-by-neuron graphs.
    public func parameter(_ value: Scalar) -> Variable<Scalar> {
        parameter(Matrix(rows: 1, cols: 1, elements: [value]))
    }

    /// A 1×1 constant.
    public func constant(_ value: Scalar) -> Variable<Scalar> {
        constant(Matrix(rows: 1, cols: 1, elements: [value]))
    }

    func leaf(_ value: Matrix<Scalar>, requiresGradient: Bool) -> Variable<Scalar> {
        let slot = leaves.count
        leaves.append(value)
        let i = record(
            requiresGradient ? .parameter(slot: slot) : .constant(slot: slot), value.rows,
            value.cols, requiresGradient: requiresGradient)
        return variable(i)
    }

    // MARK: Recording (used by the operations)

    /// Appends a node and makes sure the per-node buffer slots exist. Returns its index.
    @inline(__always)
    func record(
        _ operation: Operation<Scalar>, _ rows: Int, _ cols: Int, _ a: Int = -1, _ b: Int = -1,
        _ c: Int = -1, requiresGradient: Bool
    ) -> Int {
        if isConsumed {
            fatalError(
                "Tape: recording \(operation) on a consumed tape (backward already ran); call reset() first")
        }
        let i = nodes.count
        nodes.append(
            TapeNode(
                operation: operation, a: a, b: b, c: c, rows: rows, cols: cols,
                requiresGradient: requiresGradient))
        if values.count <= i {
            values.append(TapeBuffer())
            auxiliaries.append(TapeBuffer())
            gradients.append(TapeBuffer())
            gradientWritten.append(false)
        }
        return i
    }

    /// The handle of node `i`.
    @inline(__always)
    func variable(_ i: Int) -> Variable<Scalar> {
        let n = nodes[i]
        return Variable(
            tape: self, index: i, generation: generation, rows: n.rows, cols: n.cols,
            requiresGradient: n.requiresGradient)
    }

    /// The node index of `v`, trapping when `v` is not a live handle of this tape.
    @inline(__always)
    func index(_ v: Variable<Scalar>, _ operation: StaticString) -> Int {
        if v.tape !== self || v.generation != generation {
            fatalError(
                "Tape.\(operation): variable #\(v.index) belongs to another tape or to a recording before reset()")
        }
        return v.index
    }

    @inline(__always)
    func tapeNode(_ i: Int) -> TapeNode<Scalar> { nodes[i] }

    /// Writable storage for node `i`'s value (reused across resets when large enough).
    @inline(__always)
    func output(_ i: Int) -> MutableMatrixView<Scalar> {
        let n = nodes[i]
        return MutableMatrixView(values[i].reserve(n.count), rows: n.rows, cols: n.cols)
    }

    /// Writable auxiliary storage of node `i`, shaped `rows × cols`.
    @inline(__always)
    func auxiliary(_ i: Int, rows: Int, cols: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(auxiliaries[i].reserve(rows &* cols), rows: rows, cols: cols)
    }

    /// Calls `body` with a read-only view of node `i`'s value.
    @inline(__always)
    func withValue<R>(_ i: Int, _ body: (MatrixView<Scalar>) throws -> R) rethrows -> R {
        let n = nodes[i]
        switch n.operation {
        case .parameter(let slot), .constant(let slot):
            let m = leaves[slot]
            if m.rows != n.rows || m.cols != n.cols {
                fatalError(
                    "Tape: the value of leaf #\(i) was handed back by update(_:with:learningRate:) and is no longer readable")
            }
            return try m.withView(body)
        default:
            return try body(
                MatrixView(UnsafePointer(values[i].base.unsafelyUnwrapped), rows: n.rows, cols: n.cols))
        }
    }

    /// `∂E/∂C` of node `i` during the backward pass.
    @inline(__always)
    func gradientView(_ i: Int) -> MatrixView<Scalar> {
        let n = nodes[i]
        return MatrixView(UnsafePointer(gradients[i].base.unsafelyUnwrapped), rows: n.rows, cols: n.cols)
    }

    /// Where a contribution to `∂E/∂(node j)` goes, or `nil` when `j` needs no gradient.
    ///
    /// `sink.first` says that this is the first contribution: the kernel *writes* it (BLAS
    /// `β = 0`) instead of adding to a zero-filled buffer. A `partial` contribution (one that
    /// covers only some elements, like the gradient of a column slice) zero-fills the buffer
    /// first and always adds.
    @inline(__always)
    func gradientSink(_ j: Int, partial: Bool = false) -> GradientSink<Scalar>? {
        let n = nodes[j]
        if !n.requiresGradient { return nil }
        let p = gradients[j].reserve(n.count)
        var first = !gradientWritten[j]
        if first && partial {
            p.update(repeating: 0, count: n.count)
            first = false
        }
        gradientWritten[j] = true
        return GradientSink(view: MutableMatrixView(p, rows: n.rows, cols: n.cols), first: first)
    }

    // MARK: Backward

    /// Computes `∂E/∂v` for every recorded value `v` that depends on a parameter, where `E` is
    /// the scalar `root`, in one reverse pass over the tape (see the type's documentation).
    ///
    /// - Throws: ``AutodiffError/notScalar(rows:cols:)`` when `root` is not 1×1,
    ///   ``AutodiffError/tapeConsumed`` when `backward` already ran since the last ``reset()``,
    ///   ``AutodiffError/noParameterDependence(node:)`` when `root` depends on no parameter.
    ///   Nothing is changed when it throws.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func backward(from root: Variable<Scalar>) throws(AutodiffError) {
        let r = index(root, "backward")
        if isConsumed { throw .tapeConsumed }
        let rootNode = nodes[r]
        if rootNode.rows != 1 || rootNode.cols != 1 {
            throw .notScalar(rows: rootNode.rows, cols: rootNode.cols)
        }
        if !rootNode.requiresGradient { throw .noParameterDependence(node: r) }
        isConsumed = true

        // The one place where gradients are zeroed: every gradient is marked empty (= 0).
        for j in 0..<nodes.count { gradientWritten[j] = false }
        gradients[r].reserve(1)[0] = 1
        gradientWritten[r] = true

        // Reverse topological order = reverse tape order. Nodes after `root` cannot influence
        // it; nodes whose gradient received nothing contribute nothing.
        var i = r
        while i >= 0 {
            if gradientWritten[i] { differentiate(i) }
            i -= 1
        }

        // Values that depend on a parameter but do not reach `root` have gradient exactly zero.
        for j in 0..<nodes.count where nodes[j].requiresGradient && !gradientWritten[j] {
            gradients[j].reserve(nodes[j].count).update(repeating: 0, count: nodes[j].count)
            gradientWritten[j] = true
        }
    }

    // MARK: Reading results

    /// The value of `v` (a copy).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func value(of v: Variable<Scalar>) -> Matrix<Scalar> {
        let i = index(v, "value(of:)")
        let n = nodes[i]
        var m = Matrix<Scalar>(rows: n.rows, cols: n.cols)
        withValue(i) { src in
            m.withUnsafeMutableBufferPointer { dst in
                if n.count > 0 { dst.baseAddress!.update(from: src.base, count: n.count) }
            }
        }
        return m
    }

    /// The value of a 1×1 `v` (for example a loss) as a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func scalar(of v: Variable<Scalar>) -> Scalar {
        let i = index(v, "scalar(of:)")
        if nodes[i].count != 1 {
            fatalError("Tape.scalar(of:): value #\(i) is \(nodes[i].rows)×\(nodes[i].cols), not 1×1")
        }
        return withValue(i) { $0.base[0] }
    }

    /// Calls `body` with a read-only view of `v`'s value (no copy).
    public func withValue<R>(of v: Variable<Scalar>, _ body: (MatrixView<Scalar>) throws -> R)
        rethrows -> R
    {
        try withValue(index(v, "withValue(of:)"), body)
    }

    /// `∂E/∂v` (a copy) after ``backward(from:)``. Traps before `backward` or when `v` depends
    /// on no parameter (no gradient is computed for constants).
    public func gradient(of v: Variable<Scalar>) -> Matrix<Scalar> {
        withGradient(of: v) { g in
            var m = Matrix<Scalar>(rows: g.rows, cols: g.cols)
            m.withUnsafeMutableBufferPointer { dst in
                if g.rows * g.cols > 0 { dst.baseAddress!.update(from: g.base, count: g.rows * g.cols) }
            }
            return m
        }
    }

    /// Calls `body` with a read-only view of `∂E/∂v` (no copy). Same preconditions as
    /// ``gradient(of:)``.
    public func withGradient<R>(of v: Variable<Scalar>, _ body: (MatrixView<Scalar>) throws -> R)
        rethrows -> R
    {
        let i = index(v, "gradient(of:)")
        if !isConsumed {
            fatalError("Tape.gradient(of:): call backward(from:) first")
        }
        if !nodes[i].requiresGradient {
            fatalError(
                "Tape.gradient(of:): value #\(i) depends on no parameter (a constant); no gradient is computed for it")
        }
        return try body(gradientView(i))
    }

    // MARK: Parameter update

    /// Gradient descent on the caller's matrix: `θ ← θ − γ·∂E/∂p`, where `p` is the parameter
    /// leaf recorded from `θ` (or any matrix of `p`'s shape).
    ///
    /// The tape first hands `p`'s value back (drops its shared reference), so that `θ` is
    /// updated in place without a copy-on-write allocation; `p`'s value is not readable
    /// afterwards. Call after ``backward(from:)``.
    public func update(
        _ theta: inout Matrix<Scalar>, with p: Variable<Scalar>, learningRate: Scalar
    ) {
        let i = index(p, "update")
        guard case .parameter(let slot) = nodes[i].operation else {
            fatalError("Tape.update: variable #\(i) is not a parameter leaf")
        }
        if theta.rows != p.rows || theta.cols != p.cols {
            shapeMismatch("Tape.update", "θ is \(theta.rows)×\(theta.cols), parameter #\(i) is \(p.rows)×\(p.cols)")
        }
        if !isConsumed { fatalError("Tape.update: call backward(from:) first") }
        leaves[slot] = Matrix(rows: 0, cols: 0, elements: [])
        let g = gradientView(i)
        let backend = self.backend
        theta.withMutableView { backend.axpy(alpha: -learningRate, g, into: $0) }
    }
}
