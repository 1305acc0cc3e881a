/// Destination of one gradient contribution during the backward pass: the gradient buffer of
/// an input node, and whether this is the first contribution to it since gradients were zeroed.
///
/// The first contribution *writes* (BLAS `β = 0`), every later one *adds* (`β = 1`). Together
/// with the single zeroing point in ``Tape/backward(from:)`` this is exactly "zero once, then
/// accumulate with `+=`", without a separate zero-filling pass over every buffer.
struct GradientSink<Scalar: BLASScalar> {
    /// The gradient buffer (contiguous, the input's shape).
    let view: MutableMatrixView<Scalar>
    /// Whether nothing has been written yet (the buffer holds garbage, meaning zero).
    let first: Bool

    /// BLAS's `β`: 0 for the first contribution, 1 afterwards.
    @inline(__always) var beta: Scalar { first ? 0 : 1 }

    /// First element.
    @inline(__always) var base: UnsafeMutablePointer<Scalar> { view.base }

    /// `d[k] (+)= term(k)` for `k < count`: elementwise accumulation.
    @inline(__always)
    func accumulate(_ count: Int, _ term: (Int) -> Scalar) {
        let d = view.base
        if first {
            for k in 0..<count { d[k] = term(k) }
        } else {
            for k in 0..<count { d[k] += term(k) }
        }
    }

    /// `d[0] (+)= Σ_k term(k)`: the gradient of a 1×1 value that was broadcast over `count`
    /// elements is the sum over them.
    @inline(__always)
    func accumulateSum(_ count: Int, _ term: (Int) -> Scalar) {
        var s: Scalar = 0
        for k in 0..<count { s += term(k) }
        if first { view.base[0] = s } else { view.base[0] += s }
    }
}
