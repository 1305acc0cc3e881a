import Backprop
import Testing

/// Models written only as forward code: the tape's gradient equals the numerical one (Double,
/// relative error ≤ 1e-6) on both backends.
@Suite("Autodiff: models written as forward code")
struct AutodiffGraphTests {
    static let n = 6

    @Test("MLP (fused dense layers and the unfused matmul/bias/activation chain)",
          arguments: Backend.allCases)
    func mlp(backend: Backend) throws {
        let x = Matrix<Double>.random(rows: Self.n, cols: 3, seed: 11)
        let t = AutodiffCheck.targets(.softmax, rows: Self.n, cols: 2, seed: 12)
        let params = [
            Matrix<Double>.random(rows: 3, cols: 5, seed: 13), .random(rows: 1, cols: 5, seed: 14),
            .random(rows: 5, cols: 4, seed: 15), .random(rows: 1, cols: 4, seed: 16),
            .random(rows: 4, cols: 2, seed: 17), .random(rows: 1, cols: 2, seed: 18),
        ]
        let fused: GraphBuilder = { tape, p in
            var a = tape.constant(x)
            a = tape.dense(a, weight: p[0], bias: p[1], activation: .tanh)
            a = tape.dense(a, weight: p[2], bias: p[3], activation: .sigmoid)
            a = tape.dense(a, weight: p[4], bias: p[5], activation: .identity)
            return a.loss(.softmax, target: tape.constant(t))
        }
        let unfused: GraphBuilder = { tape, p in
            var a = tape.constant(x)
            a = a.matmul(p[0]).addingBias(p[1]).applying(.tanh)
            a = a.matmul(p[2]).addingBias(p[3]).applying(.sigmoid)
            a = a.matmul(p[4]).addingBias(p[5])
            return a.loss(.softmax, target: tape.constant(t))
        }
        try AutodiffCheck.expectMatchesNumerical("fused MLP", fused, at: params, backend: backend)
        try AutodiffCheck.expectMatchesNumerical("unfused MLP", unfused, at: params, backend: backend)
        let f = try AutodiffCheck.autodiff(fused, at: params, backend: backend)
        let u = try AutodiffCheck.autodiff(unfused, at: params, backend: backend)
        #expect(abs(f.loss - u.loss) <= 1e-14)
        for k in 0..<params.count {
            #expect(AutodiffCheck.relativeDifference(f.gradients[k], u.gradients[k]) <= 1e-12)
        }
    }

    @Test("residual network: h₂ = tanh(h₁W₂ + b₂) + h₁", arguments: Backend.allCases)
    func residual(backend: Backend) throws {
        let x = Matrix<Double>.random(rows: Self.n, cols: 3, seed: 21)
        let t = AutodiffCheck.targets(.mse, rows: Self.n, cols: 2, seed: 22)
        let params = [
            Matrix<Double>.random(rows: 3, cols: 4, seed: 23), .random(rows: 1, cols: 4, seed: 24),
            .random(rows: 4, cols: 4, seed: 25), .random(rows: 1, cols: 4, seed: 26),
            .random(rows: 4, cols: 2, seed: 27), .random(rows: 1, cols: 2, seed: 28),
        ]
        let build: GraphBuilder = { tape, p in
            let h1 = tape.dense(tape.constant(x), weight: p[0], bias: p[1], activation: .tanh)
            let h2 = tape.dense(h1, weight: p[2], bias: p[3], activation: .tanh) + h1  // skip
            let h3 = tape.dense(h2, weight: p[2], bias: p[3], activation: .softplus) + h2  // W₂ reused
            let y = h3.matmul(p[4]).addingBias(p[5])
            return y.loss(.mse, target: tape.constant(t))
        }
        try AutodiffCheck.expectMatchesNumerical("residual", build, at: params, backend: backend)
    }

    @Test("two branches over overlapping column slices, merged by concatenation",
          arguments: Backend.allCases)
    func twoBranches(backend: Backend) throws {
        let x = Matrix<Double>.random(rows: Self.n, cols: 3, seed: 31)
        let t = AutodiffCheck.targets(.logistic, rows: Self.n, cols: 1, seed: 32)
        let params = [
            Matrix<Double>.random(rows: 3, cols: 4, seed: 33), .random(rows: 1, cols: 4, seed: 34),
            .random(rows: 2, cols: 3, seed: 35), .random(rows: 1, cols: 3, seed: 36),
            .random(rows: 3, cols: 2, seed: 37), .random(rows: 1, cols: 2, seed: 38),
            .random(rows: 8, cols: 1, seed: 39), .random(rows: 1, cols: 1, seed: 40),
            Matrix(rows: 1, cols: 1, elements: [0.7]),  // a learnable gain (1×1, broadcast)
        ]
        let build: GraphBuilder = { tape, p in
            let h = tape.dense(tape.constant(x), weight: p[0], bias: p[1], activation: .tanh)
            let left = tape.dense(h.columns(0..<2), weight: p[2], bias: p[3], activation: .sigmoid)
            let right = (p[8] * h.columns(1..<4)).matmul(p[4]).addingBias(p[5]).applying(.softplus)
            let merged = tape.concatenateColumns([left, right, left.columns(1..<3), right.columns(0..<1)])
            let y = tape.dense(merged, weight: p[6], bias: p[7], activation: .identity)
            return y.loss(.logistic, target: tape.constant(t))
        }
        try AutodiffCheck.expectMatchesNumerical("two branches", build, at: params, backend: backend)
    }

    @Test("every activation, as an op and fused in a dense layer", arguments: Activation.allCases)
    func activations(g: Activation) throws {
        // Pre-activations stay ≥ 0.2 away from the kinks (0, or 100 for relu-minus-100).
        let shift = g == .shiftedReLU ? 100.0 : 0
        let z = AutodiffCheck.awayFromZero(rows: 4, cols: 3, shift: shift, seed: 41)
        let r = Matrix<Double>.random(rows: 4, cols: 3, seed: 42)
        let asOp: GraphBuilder = { tape, p in (p[0].applying(g) * tape.constant(r)).sum() }
        for backend in Backend.allCases {
            try AutodiffCheck.expectMatchesNumerical("\(g.rawValue) op", asOp, at: [z], backend: backend)
        }
        // Fused: Z = X·W + b with X = I (so Z = W + b stays at the chosen points) and b = 0.
        let eye = Matrix<Double>([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        let fused: GraphBuilder = { tape, p in
            (tape.dense(tape.constant(eye), weight: p[0], bias: p[1], activation: g) * tape.constant(r)).sum()
        }
        for backend in Backend.allCases {
            try AutodiffCheck.expectMatchesNumerical(
                "\(g.rawValue) dense", fused, at: [z, Matrix(rows: 1, cols: 3)], backend: backend)
        }
        let analytic = try AutodiffCheck.autodiff(asOp, at: [z], backend: .blas).gradients[0]
        if g == .step || g == .shiftedReLU && z.elements.allSatisfy({ $0 < 100 }) {
            #expect(analytic.elements.allSatisfy { $0 == 0 }, "the lecture's untrainable activation has zero gradient")
        } else {
            #expect(analytic.elements.contains { $0 != 0 })
        }
    }

    @Test("every loss, with an upstream gradient ≠ 1", arguments: Loss.allCases)
    func losses(loss: Loss) throws {
        let cols = loss.isBinary ? 1 : 3
        // |y| ∈ [0.2, 0.8] keeps y·t away from the kinks at 0 (perceptron) and 1 (hinge).
        let y = AutodiffCheck.awayFromZero(rows: 5, cols: cols, seed: 51)
        let t = AutodiffCheck.targets(loss, rows: 5, cols: cols, seed: 52)
        let build: GraphBuilder = { tape, p in
            let e = p[0].loss(loss, target: tape.constant(t))
            return e * e + 0.5 * e  // dE_total/dE = 2E + 0.5
        }
        for backend in Backend.allCases {
            try AutodiffCheck.expectMatchesNumerical("\(loss.rawValue)", build, at: [y], backend: backend)
        }
        // The loss node's value is the library's loss.
        let tape = Tape<Double>()
        #expect(tape.loss(tape.parameter(y), target: t, loss).scalar == loss.value(y, t))
    }

    @Test("elementwise ops with 1×1 broadcasting, scale, sum, mean, matmul, bias, slices",
          arguments: Backend.allCases)
    func operations(backend: Backend) throws {
        let params = [
            Matrix<Double>.random(rows: 3, cols: 4, seed: 61), .random(rows: 3, cols: 4, seed: 62),
            Matrix(rows: 1, cols: 1, elements: [0.6]), .random(rows: 4, cols: 2, seed: 63),
            .random(rows: 1, cols: 4, seed: 64),
        ]
        let r = Matrix<Double>.random(rows: 3, cols: 4, seed: 65)
        let m = Matrix<Double>.random(rows: 2, cols: 4, seed: 66)
        let cases: [(String, GraphBuilder)] = [
            ("add", { tape, p in ((p[0] + p[1]) * tape.constant(r)).sum() }),
            ("subtract", { tape, p in ((p[0] - p[1]) * tape.constant(r)).sum() }),
            ("multiply", { tape, p in (p[0] * p[1] * tape.constant(r)).sum() }),
            ("x ⊙ x", { tape, p in (p[0] * p[0]).mean() }),
            ("scalar + matrix", { tape, p in ((p[2] + p[0]) * tape.constant(r)).sum() }),
            ("matrix − scalar", { tape, p in ((p[0] - p[2]) * tape.constant(r)).sum() }),
            ("scalar − matrix", { tape, p in ((p[2] - p[0]) * tape.constant(r)).sum() }),
            ("matrix ⊙ scalar", { tape, p in ((p[0] * p[2]) * tape.constant(r)).sum() }),
            ("scale, negate", { tape, p in ((-(2.5 * p[0])) * tape.constant(r)).mean() }),
            ("matmul", { tape, p in (p[0].matmul(p[3]) * p[0].matmul(p[3])).sum() }),
            ("matmul chain reusing W", { tape, p in p[0].matmul(p[3]).matmul(tape.constant(m)).matmul(p[3]).addingBias(p[4].columns(0..<2)).sum() }),
            ("bias", { tape, p in (p[0].addingBias(p[4]) * tape.constant(r)).sum() }),
            ("columns", { tape, p in (p[0].columns(1..<3) * p[1].columns(0..<2)).sum() + p[0].columns(2..<4).mean() }),
            ("concatenate", { tape, p in (tape.concatenateColumns(p[0].columns(0..<1), p[1].columns(1..<4)) * tape.constant(r)).sum() }),
            ("sum of 1×1", { tape, p in (p[2] * p[2]).sum() }),
        ]
        for (name, build) in cases {
            try AutodiffCheck.expectMatchesNumerical(name, build, at: params, backend: backend)
        }
    }
}
