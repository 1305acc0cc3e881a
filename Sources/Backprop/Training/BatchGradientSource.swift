/// Where each step of ``Trainer`` gets `E(θ)`, the batch accuracy and `∇E(θ)` for its batch.
///
/// ``BackpropGradientSource`` runs layer-wise backpropagation in a preallocated workspace; the
/// sharded source of `ShardedGradient.swift` sums fixed row shards in shard order, in one process
/// or across MPI ranks. The training loop itself (batches, stopping rules, divergence guard,
/// progress) is written once, in ``Trainer``.
public protocol BatchGradientSource<Scalar> {
    /// The element type.
    associatedtype Scalar: BLASScalar

    /// Evaluates the batch `x` (`n × d_0`), `t` (`n × d_L`) at `network`'s parameters: returns
    /// `E = 1/n Σ E_k` and the fraction of rows classified correctly; afterwards ``gradient``
    /// holds `∇E` (the mean over the batch).
    mutating func evaluate(
        _ network: Network<Scalar>, _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>,
        backend: Backend
    ) throws -> (loss: Scalar, accuracy: Double)

    /// `∇E` of the last ``evaluate(_:_:_:backend:)``.
    var gradient: NetworkGradient<Scalar> { get }
}

/// Layer-wise backpropagation (``Network/backpropagate(_:_:workspace:backend:)``) in one
/// workspace allocated for the largest batch: no heap allocation per step.
public struct BackpropGradientSource<Scalar: BLASScalar>: BatchGradientSource {
    /// The buffers of forward and backward passes.
    public let workspace: BackpropWorkspace<Scalar>

    /// A source for `network`'s shape and batches of up to `batchSize` rows.
    public init(network: Network<Scalar>, batchSize: Int) {
        workspace = BackpropWorkspace(network: network, batchSize: batchSize)
    }

    /// Forward, loss and backward pass of the batch; the accuracy is read from the outputs the
    /// forward pass left in the workspace.
    public mutating func evaluate(
        _ network: Network<Scalar>, _ x: MatrixView<Scalar>, _ t: MatrixView<Scalar>,
        backend: Backend
    ) -> (loss: Scalar, accuracy: Double) {
        let loss = network.backpropagate(x, t, workspace: workspace, backend: backend)
        let output = workspace.activation(workspace.layerCount, rows: x.rows).readOnly
        return (loss, network.loss.accuracy(output, t))
    }

    /// `∇E` of the last batch.
    public var gradient: NetworkGradient<Scalar> { workspace.gradient }
}
