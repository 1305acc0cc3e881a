/// The elementwise loops of the activation and dense operations.
///
/// Each public-facing loop switches on the activation *once* and then runs a loop in which `g`
/// is a compile-time constant, so that ``Activation/value(_:)`` and
/// ``Activation/derivative(_:output:)`` (the one definition of every activation) inline into a
/// branch-free body instead of switching per element.
enum ActivationKernels {
    /// `a[k] = g(z[k])` for `k < count`.
    static func forward<T: BLASScalar>(
        _ g: Activation, _ z: UnsafePointer<T>, into a: UnsafeMutablePointer<T>, count: Int
    ) {
        switch g {
        case .identity: forwardLoop(.identity, z, a, count)
        case .tanh: FastActivations.tanh(z, into: a, count: count)
        case .sigmoid: FastActivations.sigmoid(z, into: a, count: count)
        case .relu: forwardLoop(.relu, z, a, count)
        case .leakyReLU: forwardLoop(.leakyReLU, z, a, count)
        case .softplus: forwardLoop(.softplus, z, a, count)
        case .step: forwardLoop(.step, z, a, count)
        case .shiftedReLU: forwardLoop(.shiftedReLU, z, a, count)
        }
    }

    @inline(__always)
    static func forwardLoop<T: BLASScalar>(
        _ g: Activation, _ z: UnsafePointer<T>, _ a: UnsafeMutablePointer<T>, _ count: Int
    ) {
        for k in 0..<count { a[k] = g.value(z[k]) }
    }

    /// `Z ← Z + 1·b` and `A = g(Z)` for an `rows × cols` `Z` and a `1 × cols` bias, in one pass
    /// (for tanh and the sigmoid the vectorised C kernel ``BLASScalar/elementwiseTanhBias(_:_:_:_:_:)``,
    /// the method of ``FastActivations``). `a` may equal `z` only for the identity.
    static func biasForward<T: BLASScalar>(
        _ g: Activation, _ z: UnsafeMutablePointer<T>, bias b: UnsafePointer<T>,
        into a: UnsafeMutablePointer<T>, rows: Int, cols: Int
    ) {
        switch g {
        case .identity: biasLoop(.identity, z, b, a, rows, cols)
        case .tanh: T.elementwiseTanhBias(z, b, a, rows, cols)  // vectorised (C)
        case .sigmoid: T.elementwiseSigmoidBias(z, b, a, rows, cols)
        case .relu: biasLoop(.relu, z, b, a, rows, cols)
        case .leakyReLU: biasLoop(.leakyReLU, z, b, a, rows, cols)
        case .softplus: biasLoop(.softplus, z, b, a, rows, cols)
        case .step: biasLoop(.step, z, b, a, rows, cols)
        case .shiftedReLU: biasLoop(.shiftedReLU, z, b, a, rows, cols)
        }
    }

    @inline(__always)
    static func biasLoop<T: BLASScalar>(
        _ g: Activation, _ z: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>,
        _ a: UnsafeMutablePointer<T>, _ rows: Int, _ cols: Int
    ) {
        for r in 0..<rows {
            let zr = z + r &* cols
            let ar = a + r &* cols
            for j in 0..<cols {
                let v = zr[j] + b[j]
                zr[j] = v
                ar[j] = g.value(v)
            }
        }
    }

    /// `d[k] = dA[k]·g′(z[k], a[k])` (or `+=` when `accumulate`) for `k < count`. `d` may be
    /// the same memory as `z` (each element is read before it is written).
    static func backward<T: BLASScalar>(
        _ g: Activation, z: UnsafePointer<T>, a: UnsafePointer<T>, dA: UnsafePointer<T>,
        into d: UnsafeMutablePointer<T>, count: Int, accumulate: Bool
    ) {
        switch g {
        case .identity: backwardLoop(.identity, z, a, dA, d, count, accumulate)
        case .tanh: backwardLoop(.tanh, z, a, dA, d, count, accumulate)
        case .sigmoid: backwardLoop(.sigmoid, z, a, dA, d, count, accumulate)
        case .relu: backwardLoop(.relu, z, a, dA, d, count, accumulate)
        case .leakyReLU: backwardLoop(.leakyReLU, z, a, dA, d, count, accumulate)
        case .softplus: backwardLoop(.softplus, z, a, dA, d, count, accumulate)
        case .step: backwardLoop(.step, z, a, dA, d, count, accumulate)
        case .shiftedReLU: backwardLoop(.shiftedReLU, z, a, dA, d, count, accumulate)
        }
    }

    @inline(__always)
    static func backwardLoop<T: BLASScalar>(
        _ g: Activation, _ z: UnsafePointer<T>, _ a: UnsafePointer<T>, _ dA: UnsafePointer<T>,
        _ d: UnsafeMutablePointer<T>, _ count: Int, _ accumulate: Bool
    ) {
        if accumulate {
            for k in 0..<count { d[k] += dA[k] * g.derivative(z[k], output: a[k]) }
        } else {
            for k in 0..<count { d[k] = dA[k] * g.derivative(z[k], output: a[k]) }
        }
    }

    /// `D = dA ⊙ g′(Z, A)` for an `rows × cols` matrix and, in the same pass, its column sums
    /// `db = 1ᵀ·D` (overwritten): the bias gradient of a dense layer without a second sweep. For
    /// tanh and the sigmoid (`g′` from the output `A`) the sweep is the vectorised C kernel
    /// (``BLASScalar/elementwiseTanhBackward(_:_:_:_:_:_:)``), the same formula as
    /// ``Activation/derivative(_:output:)``.
    /// `d` may be the same memory as `z`.
    static func backwardWithColumnSums<T: BLASScalar>(
        _ g: Activation, z: UnsafePointer<T>, a: UnsafePointer<T>, dA: UnsafePointer<T>,
        into d: UnsafeMutablePointer<T>, columnSums db: UnsafeMutablePointer<T>, rows: Int,
        cols: Int
    ) {
        switch g {
        case .identity: columnSumsLoop(.identity, z, a, dA, d, db, rows, cols)
        case .tanh: T.elementwiseTanhBackward(a, dA, d, db, rows, cols)  // vectorised (C)
        case .sigmoid: T.elementwiseSigmoidBackward(a, dA, d, db, rows, cols)
        case .relu: columnSumsLoop(.relu, z, a, dA, d, db, rows, cols)
        case .leakyReLU: columnSumsLoop(.leakyReLU, z, a, dA, d, db, rows, cols)
        case .softplus: columnSumsLoop(.softplus, z, a, dA, d, db, rows, cols)
        case .step: columnSumsLoop(.step, z, a, dA, d, db, rows, cols)
        case .shiftedReLU: columnSumsLoop(.shiftedReLU, z, a, dA, d, db, rows, cols)
        }
    }

    @inline(__always)
    static func columnSumsLoop<T: BLASScalar>(
        _ g: Activation, _ z: UnsafePointer<T>, _ a: UnsafePointer<T>, _ dA: UnsafePointer<T>,
        _ d: UnsafeMutablePointer<T>, _ db: UnsafeMutablePointer<T>, _ rows: Int, _ cols: Int
    ) {
        if cols == 1 {
            // One column (an output layer with one unit): the sum in a register, not in memory.
            var sum: T = 0
            for r in 0..<rows {
                let v = dA[r] * g.derivative(z[r], output: a[r])
                d[r] = v
                sum += v
            }
            db[0] = sum
            return
        }
        db.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let o = r &* cols
            for j in 0..<cols {
                let v = dA[o &+ j] * g.derivative(z[o &+ j], output: a[o &+ j])
                d[o &+ j] = v
                db[j] += v
            }
        }
    }
}
