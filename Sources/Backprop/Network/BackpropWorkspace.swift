/// Every buffer one training step needs, allocated once for a network's shape and a batch size,
/// so that the steady-state step (``Network/backpropagate(_:_:workspace:backend:)``,
/// ``Network/trainingStep(_:_:learningRate:workspace:backend:)``) allocates nothing on the heap.
///
/// Indices follow the lecture: layer `l = 1…L` computes `z^(l) = a^(l−1)·W^(l−1,l) + b^(l)` and
/// `a^(l) = g(z^(l))`; `a^(0)` is the input. For a batch of `N` rows (`N ≤ batchSize`):
///
/// | buffer                          | entry `l`                  | shape     |
/// |---------------------------------|----------------------------|-----------|
/// | ``activations``                 | `a^(l)`, `l = 0…L`         | `N × d_l` |
/// | ``preActivations``              | `z^(l)`, `l = 1…L`         | `N × d_l` |
/// | ``deltas``                      | `δ^(l) = ∂E/∂a^(l)`, `l = 1…L` | `N × d_l` |
/// | ``preActivationGradients``      | `∂E/∂z^(l) = g′(z^(l)) ⊙ δ^(l)`, `l = 1…L` | `N × d_l` |
///
/// Entry 0 of ``preActivations``, ``deltas`` and ``preActivationGradients`` is an empty `N × 0`
/// matrix: the input has no pre-activation, and its δ is never computed (nothing needs it).
///
/// The activation buffers live in memory owned by the workspace; the four array properties above
/// return *copies* (they allocate, and are meant for inspection and tests). ``gradient`` is stored
/// as a value and returned without copying its elements; keeping a copy of it alive across the
/// next step makes that step copy-on-write (a heap allocation), so read it, don't hold it.
///
/// A workspace is tied to one thread at a time (it is a mutable reference type, not `Sendable`).
public final class BackpropWorkspace<Scalar: BLASScalar> {
    /// The largest batch the buffers hold; smaller batches use their leading rows.
    public let batchSize: Int
    /// `[d_0, …, d_L]` of the network the workspace was made for.
    public let sizes: [Int]
    /// Rows of the last batch (0 before the first pass).
    public internal(set) var rowsInUse: Int = 0

    /// `∂E/∂θ` after the last ``Network/backpropagate(_:_:workspace:backend:)`` (overwritten,
    /// never accumulated, by each pass). A fused
    /// ``Network/trainingStep(_:_:learningRate:workspace:backend:)`` writes only the biases'
    /// entries (its `∂E/∂b`); it adds `−γ·∂E/∂W` straight into the weights and leaves the
    /// weight entries here as they were.
    public internal(set) var gradient: NetworkGradient<Scalar>

    /// One allocation holding every activation-shaped buffer.
    private let arena: UnsafeMutableBufferPointer<Scalar>
    /// `a^(l)`, `l = 0…L`, each `batchSize × d_l`.
    let aBuffers: [UnsafeMutablePointer<Scalar>]
    /// `z^(l)`, `l = 0…L` (entry 0 unused).
    let zBuffers: [UnsafeMutablePointer<Scalar>]
    /// `δ^(l)`, `l = 0…L` (entry 0 unused).
    let deltaBuffers: [UnsafeMutablePointer<Scalar>]
    /// `∂E/∂z^(l)`, `l = 0…L` (entry 0 unused).
    let dzBuffers: [UnsafeMutablePointer<Scalar>]

    /// Buffers for `network`'s shape and batches of up to `batchSize` rows (≥ 1).
    public init(network: Network<Scalar>, batchSize: Int) {
        if batchSize < 1 { fatalError("BackpropWorkspace: batch size \(batchSize) must be ≥ 1") }
        if network.layers.isEmpty { fatalError("BackpropWorkspace: the network has no layers") }
        self.batchSize = batchSize
        self.sizes = network.sizes
        self.gradient = NetworkGradient(zerosLike: network)
        let sizes = network.sizes
        let hidden = sizes.dropFirst().reduce(0, +)
        let total = batchSize * (sizes[0] + 4 * hidden)
        let arena = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: max(1, total))
        arena.initialize(repeating: 0)
        let start = arena.baseAddress!
        var offset = 0
        func take(_ d: Int) -> UnsafeMutablePointer<Scalar> {
            defer { offset += batchSize * d }
            return start + offset
        }
        var a: [UnsafeMutablePointer<Scalar>] = [take(sizes[0])]
        var z: [UnsafeMutablePointer<Scalar>] = [start]
        var delta: [UnsafeMutablePointer<Scalar>] = [start]
        var dz: [UnsafeMutablePointer<Scalar>] = [start]
        for d in sizes.dropFirst() {
            a.append(take(d))
            z.append(take(d))
            delta.append(take(d))
            dz.append(take(d))
        }
        self.arena = arena
        aBuffers = a
        zBuffers = z
        deltaBuffers = delta
        dzBuffers = dz
    }

    deinit { arena.deallocate() }

    /// Number of layers `L`.
    public var layerCount: Int { sizes.count - 1 }

    /// Whether this workspace fits `network` (same sizes).
    public func fits(_ network: Network<Scalar>) -> Bool {
        // Compared layer by layer: `network.sizes` would build an array (a heap allocation).
        if network.layers.count != sizes.count - 1 { return false }
        for l in 0..<network.layers.count
        where network.layers[l].inputSize != sizes[l] || network.layers[l].outputSize != sizes[l + 1] {
            return false
        }
        return true
    }

    /// Runs `body` with in-place access to ``gradient`` (its weight and bias tensors can then be
    /// written simultaneously without copy-on-write).
    func withGradient<R>(_ body: (inout NetworkGradient<Scalar>) -> R) -> R {
        body(&gradient)
    }

    // MARK: Views for the engine (N = rowsInUse unless given)

    func activation(_ l: Int, rows n: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(aBuffers[l], rows: n, cols: sizes[l])
    }
    func preActivation(_ l: Int, rows n: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(zBuffers[l], rows: n, cols: l == 0 ? 0 : sizes[l])
    }
    func delta(_ l: Int, rows n: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(deltaBuffers[l], rows: n, cols: l == 0 ? 0 : sizes[l])
    }
    func preActivationGradient(_ l: Int, rows n: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(dzBuffers[l], rows: n, cols: l == 0 ? 0 : sizes[l])
    }

    // MARK: Inspection (copies)

    private func copy(_ v: MutableMatrixView<Scalar>) -> Matrix<Scalar> {
        Matrix(rows: v.rows, cols: v.cols, elements: Array(UnsafeBufferPointer(start: v.base, count: v.rows * v.cols)))
    }

    /// `z^(l)` for `l = 0…L` after a forward pass (`N × d_l`; entry 0 is `N × 0`). A copy.
    public var preActivations: [Matrix<Scalar>] { (0...layerCount).map { copy(preActivation($0, rows: rowsInUse)) } }
    /// `a^(l)` for `l = 0…L` after a forward pass; `a^(0)` is a copy of the input. A copy.
    public var activations: [Matrix<Scalar>] { (0...layerCount).map { copy(activation($0, rows: rowsInUse)) } }
    /// `δ^(l) = ∂E/∂a^(l)` for `l = 0…L` after a backward pass (entry 0, the input's, is not
    /// computed and is `N × 0`). A copy.
    public var deltas: [Matrix<Scalar>] { (0...layerCount).map { copy(delta($0, rows: rowsInUse)) } }
    /// `∂E/∂z^(l) = g′(z^(l)) ⊙ δ^(l)` for `l = 0…L` after a backward pass (entry 0 is `N × 0`).
    /// A copy.
    public var preActivationGradients: [Matrix<Scalar>] {
        (0...layerCount).map { copy(preActivationGradient($0, rows: rowsInUse)) }
    }

    /// Start of the memory holding every activation-shaped buffer (stable for the workspace's
    /// lifetime; tests use it to show that steps reuse the same buffers).
    public var bufferAddress: UnsafeRawPointer { UnsafeRawPointer(arena.baseAddress!) }
}
