import Backprop
import Foundation
import Testing

/// Accuracy of ``FastActivations`` against glibc (`tanh`, `exp` in Double as the reference),
/// written once and run for Float and Double.
@Suite struct FastActivationTests {
    /// The reference, computed in Double: `tanh` and `1/(1 + e^{−z})` (the latter stable for
    /// both signs).
    static func reference(_ f: String, _ x: Double) -> Double {
        if f == "tanh" { return Foundation.tanh(x) }
        return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// Points: a uniform grid on [−lim, lim] plus log-spaced magnitudes down to 1e-30, both signs.
    static func grid(uniform: Int, lim: Double) -> [Double] {
        var xs: [Double] = []
        for i in 0...uniform { xs.append(-lim + 2 * lim * Double(i) / Double(uniform)) }
        var m = 1e-30
        while m < lim { xs.append(m); xs.append(-m); m *= 1.013 }
        return xs
    }

    /// Largest error of the fast function in ulps of the correctly typed reference value
    /// (`|fast − ref| / ulp(ref)`); the argument is `T(x)`, the reference is evaluated at exactly
    /// that argument.
    static func maxUlpError<T: BLASScalar>(_: T.Type, _ f: String, points: [Double]) -> (ulps: Double, at: Double) {
        var input = points.map { T($0) }
        var out = [T](repeating: 0, count: input.count)
        input.withUnsafeMutableBufferPointer { ip in
            out.withUnsafeMutableBufferPointer { op in
                if f == "tanh" {
                    FastActivations.tanh(ip.baseAddress!, into: op.baseAddress!, count: ip.count)
                } else {
                    FastActivations.sigmoid(ip.baseAddress!, into: op.baseAddress!, count: ip.count)
                }
            }
        }
        var worst = (ulps: 0.0, at: 0.0)
        for (x, y) in zip(input, out) {
            let xd = Double(x)
            let ref = reference(f, xd)
            let refT = T(ref)
            if refT.magnitude < T.leastNormalMagnitude { continue }  // the documented clamp region
            // For Double the reference is glibc's double itself (≤ 1 ulp): compare to it.
            let err = abs(Double(y) - (T.self == Double.self ? Double(refT) : ref)) / Double(refT.ulp)
            if !(err <= worst.ulps) { worst = (err, xd) }
        }
        return worst
    }

    static func checkAccuracy<T: BLASScalar>(_: T.Type, bound: Double) {
        for f in ["tanh", "sigmoid"] {
            let lim = f == "tanh" ? 25.0 : (T.self == Float.self ? 86.0 : 700.0)
            let worst = maxUlpError(T.self, f, points: grid(uniform: 300_000, lim: lim))
            #expect(worst.ulps <= bound, "\(T.self) \(f): \(worst.ulps) ulp at x = \(worst.at)")
        }
    }

    @Test func floatAccuracyIsWithinThreeUlps() { Self.checkAccuracy(Float.self, bound: 3) }
    @Test func doubleAccuracyIsWithinFourUlps() { Self.checkAccuracy(Double.self, bound: 4) }

    static func checkSpecialValues<T: BLASScalar>(_: T.Type) {
        #expect(FastActivations.tanh(T.nan).isNaN)
        #expect(FastActivations.sigmoid(T.nan).isNaN)
        #expect(FastActivations.tanh(T.infinity) == 1)
        #expect(FastActivations.tanh(-T.infinity) == -1)
        #expect(FastActivations.sigmoid(T.infinity) == 1)
        #expect(FastActivations.sigmoid(-T.infinity) <= 8 * T.leastNormalMagnitude)
        #expect(FastActivations.tanh(T(0)) == 0)
        let negativeZero = FastActivations.tanh(-T(0))
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(FastActivations.sigmoid(T(0)) == 0.5)
        // Symmetry: tanh is odd, σ(−z) = 1 − σ(z).
        for x: T in [0.001, 0.3, 1, 2.5, 7] {
            #expect(FastActivations.tanh(-x) == -FastActivations.tanh(x))
            #expect(abs(FastActivations.sigmoid(-x) + FastActivations.sigmoid(x) - 1) <= 2 * T.ulpOfOne)
        }
    }

    @Test func specialValuesFloat() { Self.checkSpecialValues(Float.self) }
    @Test func specialValuesDouble() { Self.checkSpecialValues(Double.self) }

    /// The buffer form may write over its input.
    @Test func inPlaceMatchesOutOfPlace() {
        var g = SeededGenerator(seed: 7)
        let xs = (0..<37).map { _ in Float.random(in: -6...6, using: &g) }
        var copy = xs
        var out = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { FastActivations.tanh($0.baseAddress!, into: &out, count: xs.count) }
        copy.withUnsafeMutableBufferPointer { p in
            FastActivations.tanh(UnsafePointer(p.baseAddress!), into: p.baseAddress!, count: p.count)
        }
        #expect(copy == out)
        #expect(out.enumerated().allSatisfy { abs($1 - tanhf(xs[$0])) <= 3 * $1.magnitude.ulp + 1e-30 })
    }

    /// The scalar form (used by neuron-wise loops and the autodiff of scalars) is the batch
    /// kernel on one element: the same bits at every position of a buffer (vector body and
    /// remainder loop alike).
    static func checkScalarMatchesBatch<T: BLASScalar>(_: T.Type) {
        var g = SeededGenerator(seed: 11)
        let xs = (0..<203).map { _ in T(Double.random(in: -12...12, using: &g)) }
        var tanhOut = [T](repeating: 0, count: xs.count)
        var sigmoidOut = [T](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { p in
            FastActivations.tanh(p.baseAddress!, into: &tanhOut, count: p.count)
            FastActivations.sigmoid(p.baseAddress!, into: &sigmoidOut, count: p.count)
        }
        for (i, x) in xs.enumerated() {
            #expect(FastActivations.tanh(x) == tanhOut[i], "\(T.self) tanh at \(x)")
            #expect(FastActivations.sigmoid(x) == sigmoidOut[i], "\(T.self) sigmoid at \(x)")
            #expect(Activation.tanh.value(x) == tanhOut[i])
        }
    }

    @Test func scalarMatchesBatchFloat() { Self.checkScalarMatchesBatch(Float.self) }
    @Test func scalarMatchesBatchDouble() { Self.checkScalarMatchesBatch(Double.self) }

    /// The clone the loader chose is one of the documented levels, and on a CPU with AVX-512 it is
    /// the AVX-512 one.
    @Test func instructionSetIsReported() throws {
        let isa = FastActivations.isa
        #expect(["x86-64-v4", "x86-64-v3", "baseline"].contains(isa))
        #if arch(x86_64) && os(Linux)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        if cpuinfo.contains(" avx512f ") && cpuinfo.contains(" avx512vl ") && cpuinfo.contains(" avx512bw ")
            && cpuinfo.contains(" avx512dq ")
        {
            #expect(isa == "x86-64-v4")
        }
        #endif
    }
}
