import Backprop
import Testing

/// The tape's contract: errors, accumulation, reuse of buffers, backends, fusion.
@Suite("Autodiff: tape")
struct AutodiffTapeTests {
    // MARK: Errors

    @Test("backward on a non-scalar throws notScalar and leaves the tape usable")
    func nonScalar() throws {
        let tape = Tape<Double>()
        let w = tape.parameter(Matrix<Double>.random(rows: 2, cols: 3, seed: 1))
        let y = w.applying(.tanh)
        #expect(throws: AutodiffError.notScalar(rows: 2, cols: 3)) { try tape.backward(from: y) }
        #expect(!tape.isConsumed)
        let e = y.sum()
        try tape.backward(from: e)
        let expected = tape.value(of: y).map { 1 - $0 * $0 }
        #expect(AutodiffCheck.relativeDifference(tape.gradient(of: w), expected) <= 1e-15)
        #expect("\(AutodiffError.notScalar(rows: 2, cols: 3))".contains("2×3"))
    }

    @Test("backward twice throws tapeConsumed; reset makes the tape usable again")
    func consumed() throws {
        let tape = Tape<Double>()
        var w = tape.parameter(3.0)
        var e = w * w
        try tape.backward(from: e)
        #expect(tape.isConsumed)
        #expect(tape.gradient(of: w)[0, 0] == 6)
        #expect(throws: AutodiffError.tapeConsumed) { try tape.backward(from: e) }
        #expect(tape.gradient(of: w)[0, 0] == 6, "the refused call did not accumulate a second time")
        tape.reset()
        #expect(tape.count == 0 && !tape.isConsumed)
        w = tape.parameter(3.0)
        e = w * w
        try tape.backward(from: e)
        #expect(tape.gradient(of: w)[0, 0] == 6, "no gradient leaks from the previous recording")
    }

    @Test("backward on a value that depends on no parameter throws noParameterDependence")
    func noParameter() throws {
        let tape = Tape<Double>()
        let x = tape.constant(Matrix<Double>.random(rows: 3, cols: 2, seed: 2))
        let unrelated = tape.parameter(Matrix<Double>.random(rows: 2, cols: 2, seed: 3))
        let e = x.matmul(tape.constant(Matrix<Double>.random(rows: 2, cols: 1, seed: 4))).loss(
            .mse, target: tape.constant(Matrix(rows: 3, cols: 1)))
        #expect(!e.requiresGradient)
        #expect(throws: AutodiffError.noParameterDependence(node: e.index)) { try tape.backward(from: e) }
        // A parameter that does not reach E gets an exact zero gradient.
        let e2 = (x.matmul(unrelated).columns(0..<1) * tape.constant(2)).mean() + tape.parameter(1.5)
        _ = unrelated.matmul(unrelated)  // recorded after E: cannot influence it
        try tape.backward(from: e2)
        #expect(tape.gradient(of: unrelated).elements.contains { $0 != 0 })
        #expect(tape.gradient(of: unrelated).rows == 2)
    }

    @Test("a value used in several places receives the sum of all uses")
    func accumulation() throws {
        let w0 = Matrix<Double>.random(rows: 3, cols: 3, seed: 5)
        for backend in Backend.allCases {
            let tape = Tape<Double>(backend: backend)
            let w = tape.parameter(w0)
            // E = Σ w⊙w + Σ w + Σ (w·w) ⇒ dE/dw = 2w + 1 + (1·1ᵀ·wᵀ + wᵀ·1·1ᵀ)
            let e = (w * w).sum() + w.sum() + w.matmul(w).sum()
            try tape.backward(from: e)
            var expected = Matrix<Double>(rows: 3, cols: 3)
            for i in 0..<3 {
                for j in 0..<3 {
                    let rowSum = (0..<3).reduce(0) { $0 + w0[j, $1] }  // Σ_k w_jk
                    let colSum = (0..<3).reduce(0) { $0 + w0[$1, i] }  // Σ_k w_ki
                    expected[i, j] = 2 * w0[i, j] + 1 + rowSum + colSum
                }
            }
            #expect(AutodiffCheck.relativeDifference(tape.gradient(of: w), expected) <= 1e-14)
        }
    }

    @Test("deep graphs: the reverse pass is a loop, not a recursion")
    func deepGraph() throws {
        let tape = Tape<Double>(backend: .naive)
        let w = tape.parameter(0.5)
        var h = w
        for _ in 0..<20_000 { h = h + w }  // h = 20 001·w
        try tape.backward(from: h)
        #expect(tape.gradient(of: w)[0, 0] == 20_001)
        #expect(tape.count == 20_001)
    }

    @Test("using a handle after reset, or recording on a consumed tape, stops with a message")
    func trapsOnMisuse() async {
        await #expect(processExitsWith: .failure) {
            let tape = Tape<Double>()
            let w = tape.parameter(1.0)
            tape.reset()
            _ = w + w
        }
        await #expect(processExitsWith: .failure) {
            let tape = Tape<Double>()
            let w = tape.parameter(1.0)
            try? tape.backward(from: w * w)
            _ = w + w
        }
    }

    // MARK: Reuse

    /// Records one MLP training step; returns every handle.
    static func record<T: BLASScalar>(
        _ tape: Tape<T>, _ x: Matrix<T>, _ t: Matrix<T>, _ p: [Matrix<T>]
    ) -> [Variable<T>] {
        let params = p.map { tape.parameter($0) }
        let h1 = tape.dense(tape.constant(x), weight: params[0], bias: params[1], activation: .relu)
        let h2 = h1.matmul(params[2]).addingBias(params[3]).applying(.tanh) + h1
        let y = tape.concatenateColumns(h2.columns(0..<2), h1.columns(2..<4)).matmul(params[4])
        let e = y.loss(.softmax, target: tape.constant(t))
        return params + [h1, h2, y, e]
    }

    /// Addresses of every op node's value and of every gradient.
    static func addresses<T: BLASScalar>(_ tape: Tape<T>, _ vs: [Variable<T>]) -> [UnsafeRawPointer] {
        var out: [UnsafeRawPointer] = []
        for v in vs.dropFirst(5) { tape.withValue(of: v) { out.append(UnsafeRawPointer($0.base)) } }
        for v in vs { tape.withGradient(of: v) { out.append(UnsafeRawPointer($0.base)) } }
        return out
    }

    @Test("reset and replay with the same shapes reuses every buffer (same addresses)")
    func buffersAreReused() throws {
        let p = [
            Matrix<Double>.random(rows: 5, cols: 4, seed: 6), .random(rows: 1, cols: 4, seed: 7),
            .random(rows: 4, cols: 4, seed: 8), .random(rows: 1, cols: 4, seed: 9),
            .random(rows: 4, cols: 3, seed: 10),
        ]
        let tape = Tape<Double>()
        var seen: [[UnsafeRawPointer]] = []
        var grads: [Matrix<Double>] = []
        for step in 0..<3 {
            tape.reset()
            // A different batch each step (same shape): new values, same buffers.
            let x = Matrix<Double>.random(rows: 8, cols: 5, seed: 20 + UInt64(step))
            let t = AutodiffCheck.targets(.softmax, rows: 8, cols: 3, seed: 30 + UInt64(step))
            let vs = Self.record(tape, x, t, p)
            try tape.backward(from: vs.last!)
            seen.append(Self.addresses(tape, vs))
            grads.append(tape.gradient(of: vs[0]))

            // Same numbers as a fresh tape.
            let fresh = Tape<Double>()
            let fv = Self.record(fresh, x, t, p)
            try fresh.backward(from: fv.last!)
            #expect(fresh.gradient(of: fv[0]) == grads[step])
            #expect(fresh.scalar(of: fv.last!) == tape.scalar(of: vs.last!))
        }
        #expect(seen[0] == seen[1] && seen[1] == seen[2])
        #expect(Set(seen[0]).count == seen[0].count, "no two live buffers share memory")
        #expect(grads[0] != grads[1], "the steps really used different batches")

        // A larger batch grows the buffers once; a smaller one then fits in them.
        tape.reset()
        let big = Self.record(tape, .random(rows: 64, cols: 5, seed: 40), AutodiffCheck.targets(.softmax, rows: 64, cols: 3, seed: 41), p)
        try tape.backward(from: big.last!)
        let grown = Self.addresses(tape, big)
        tape.reset()
        let small = Self.record(tape, .random(rows: 8, cols: 5, seed: 42), AutodiffCheck.targets(.softmax, rows: 8, cols: 3, seed: 43), p)
        try tape.backward(from: small.last!)
        #expect(Self.addresses(tape, small) == grown)
    }

    // MARK: Backends and fusion (Float and Double)

    static func composite<T: BLASScalar>(_ tape: Tape<T>, _ p: [Variable<T>], x: Matrix<T>, t: Matrix<T>) -> Variable<T> {
        let h = tape.dense(tape.constant(x), weight: p[0], bias: p[1], activation: .sigmoid)
        let r = h.matmul(p[2]).addingBias(p[3]).applying(.softplus) + h
        let m = tape.concatenateColumns(r.columns(0..<3), h)
        return (m.matmul(p[4]).loss(.mse, target: tape.constant(t)) * p[5]) + 0.25 * (p[4] * p[4]).mean()
    }

    static func checkBackends<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
        let p: [Matrix<T>] = [
            .random(rows: 6, cols: 5, seed: 50), .random(rows: 1, cols: 5, seed: 51),
            .random(rows: 5, cols: 5, seed: 52), .random(rows: 1, cols: 5, seed: 53),
            .random(rows: 8, cols: 2, seed: 54), Matrix(rows: 1, cols: 1, elements: [1.5]),
        ]
        let x = Matrix<T>.random(rows: 33, cols: 6, seed: 55)
        let t = Matrix<T>.random(rows: 33, cols: 2, seed: 56)
        var results: [(T, [Matrix<T>])] = []
        for backend in Backend.allCases {
            let tape = Tape<T>(backend: backend)
            let vs = p.map { tape.parameter($0) }
            let e = composite(tape, vs, x: x, t: t)
            try tape.backward(from: e)
            results.append((e.scalar, vs.map { tape.gradient(of: $0) }))
        }
        let (blas, naive) = (results[0], results[1])
        #expect(abs(Double(blas.0 - naive.0)) <= tolerance * abs(Double(naive.0)))
        for k in 0..<p.count {
            let d = AutodiffCheck.relativeDifference(blas.1[k], naive.1[k], floor: 1e-3)
            #expect(d <= tolerance, "\(T.self) gradient \(k): blas vs naive differ by \(d)")
        }
    }

    @Test("BLAS = naive (Double)") func backendsDouble() throws { try Self.checkBackends(Double.self, tolerance: 1e-12) }
    @Test("BLAS = naive (Float)") func backendsFloat() throws { try Self.checkBackends(Float.self, tolerance: 1e-4) }

    static func checkFusion<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
        let x = Matrix<T>.random(rows: 9, cols: 4, seed: 60)
        let w = Matrix<T>.random(rows: 4, cols: 3, seed: 61)
        let b = Matrix<T>.random(rows: 1, cols: 3, seed: 62)
        let r = Matrix<T>.random(rows: 9, cols: 3, seed: 63)
        for g in Activation.allCases {
            var out: [(Matrix<T>, [Matrix<T>])] = []
            for fused in [true, false] {
                let tape = Tape<T>()
                let (xv, wv, bv) = (tape.parameter(x), tape.parameter(w), tape.parameter(b))
                let a = fused ? tape.dense(xv, weight: wv, bias: bv, activation: g) : xv.matmul(wv).addingBias(bv).applying(g)
                try tape.backward(from: (a * tape.constant(r)).sum())
                out.append((a.value, [xv, wv, bv].map { tape.gradient(of: $0) }))
            }
            #expect(AutodiffCheck.relativeDifference(out[0].0, out[1].0) <= tolerance, "\(g) value")
            for k in 0..<3 {
                #expect(AutodiffCheck.relativeDifference(out[0].1[k], out[1].1[k], floor: 1e-3) <= tolerance, "\(g) gradient \(k)")
            }
        }
    }

    @Test("fused dense = matmul, bias, activation (Double)") func fusionDouble() throws { try Self.checkFusion(Double.self, tolerance: 1e-14) }
    // Float: the fused tanh/sigmoid backward (C, FMA) adds the bias-gradient rows in blocks of
    // four, the unfused path row by row; a column sum of 9 terms that nearly cancels then moves by
    // ~1e-5 relative (sigmoid, bias).
    @Test("fused dense = matmul, bias, activation (Float)") func fusionFloat() throws { try Self.checkFusion(Float.self, tolerance: 1e-4) }
}
