import Backprop
import Testing

/// Forward code of a test model: records `E` on the tape from the given parameter handles.
typealias GraphBuilder = (Tape<Double>, [Variable<Double>]) -> Variable<Double>

/// Gradient checks for graphs written as forward code on a ``Tape``.
enum AutodiffCheck {
    /// `(E, [∂E/∂θ_k])` by the tape's reverse pass.
    static func autodiff(_ build: GraphBuilder, at parameters: [Matrix<Double>], backend: Backend)
        throws -> (loss: Double, gradients: [Matrix<Double>])
    {
        let tape = Tape<Double>(backend: backend)
        let handles = parameters.map { tape.parameter($0) }
        let e = build(tape, handles)
        try tape.backward(from: e)
        return (e.scalar, handles.map { tape.gradient(of: $0) })
    }

    /// `E(θ)` with the parameters given as one flat vector (in the order of `shapes`).
    static func loss(
        _ build: GraphBuilder, flat theta: [Double], shapes: [Matrix<Double>], tape: Tape<Double>
    ) -> Double {
        tape.reset()
        var offset = 0
        var handles: [Variable<Double>] = []
        for s in shapes {
            let m = Matrix(rows: s.rows, cols: s.cols, elements: Array(theta[offset..<(offset + s.count)]))
            handles.append(tape.parameter(m))
            offset += s.count
        }
        return build(tape, handles).scalar
    }

    /// `[∂E/∂θ_k]` by central differences (``NumericalGradient/of(_:at:epsilon:)``).
    static func numerical(_ build: GraphBuilder, at parameters: [Matrix<Double>], backend: Backend)
        -> [Matrix<Double>]
    {
        let tape = Tape<Double>(backend: backend)
        let flat = parameters.flatMap(\.elements)
        let g = NumericalGradient.of({ loss(build, flat: $0, shapes: parameters, tape: tape) }, at: flat)
        var out: [Matrix<Double>] = []
        var offset = 0
        for p in parameters {
            out.append(Matrix(rows: p.rows, cols: p.cols, elements: Array(g[offset..<(offset + p.count)])))
            offset += p.count
        }
        return out
    }

    /// Expects the autodiff gradient of every parameter to equal the numerical one (relative
    /// error ≤ `tolerance`, ``GradientCheck``'s definition) and returns the largest error.
    @discardableResult
    static func expectMatchesNumerical(
        _ name: String, _ build: GraphBuilder, at parameters: [Matrix<Double>], backend: Backend,
        tolerance: Double = 1e-6, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Double {
        let analytic = try autodiff(build, at: parameters, backend: backend).gradients
        let numerical = numerical(build, at: parameters, backend: backend)
        var worst = 0.0
        for k in 0..<parameters.count {
            #expect(analytic[k].rows == parameters[k].rows && analytic[k].cols == parameters[k].cols,
                    "\(name): gradient \(k) has the wrong shape", sourceLocation: sourceLocation)
            let report = GradientCheck.compare(
                analytic: analytic[k].elements, numerical: numerical[k].elements, name: "\(name) θ\(k)")
            worst = max(worst, report.maxRelativeError)
            #expect(report.passes(tolerance: tolerance), "\(name) on \(backend):\n\(report)",
                    sourceLocation: sourceLocation)
        }
        return worst
    }

    /// `|a − b| / max(|a|, |b|)` (0 when equal): for exact formulas, where no floor is needed.
    static func relativeError(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
    }

    /// Largest relative difference `|a − b| / max(|a|, |b|, floor)` over two equally shaped
    /// matrices (trapping on different shapes would hide the failure; this reports ∞).
    static func relativeDifference<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>, floor: Double = 1e-12)
        -> Double
    {
        if a.rows != b.rows || a.cols != b.cols { return .infinity }
        var worst = 0.0
        for k in 0..<a.count {
            let (x, y) = (Double(a.elements[k]), Double(b.elements[k]))
            if x == y { continue }
            worst = max(worst, abs(x - y) / max(abs(x), abs(y), floor))
        }
        return worst
    }

    /// An `rows × cols` matrix whose entries are `±(low + U(0, spread))` (random signs), so that
    /// every entry keeps a distance `low` from zero: points away from the kinks of ReLU-like
    /// activations and hinge losses.
    static func awayFromZero(
        rows: Int, cols: Int, low: Double = 0.2, spread: Double = 0.6, shift: Double = 0,
        seed: UInt64
    ) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        var m = Matrix<Double>(rows: rows, cols: cols)
        for i in 0..<m.count {
            let magnitude = low + Double.random(in: 0...spread, using: &g)
            m[i / cols, i % cols] = shift + (Bool.random(using: &g) ? magnitude : -magnitude)
        }
        return m
    }

    /// Targets suited to `loss` (`±1`, one-hot rows, or reals).
    static func targets(_ loss: Loss, rows: Int, cols: Int, seed: UInt64) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        var t = Matrix<Double>(rows: rows, cols: cols)
        for i in 0..<rows {
            switch loss {
            case .perceptron, .hinge, .logistic: t[i, 0] = Bool.random(using: &g) ? 1 : -1
            case .softmax: t[i, Int.random(in: 0..<cols, using: &g)] = 1
            case .mse: for j in 0..<cols { t[i, j] = Double.random(in: -1...1, using: &g) }
            }
        }
        return t
    }
}
