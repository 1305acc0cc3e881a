import Backprop
import Testing

@Suite struct NumericalGradientTests {
    /// f(θ) = θ₀³ + Σ_i sin(θ_i)·θ_{i+1} + exp(θ_last / 2), with its exact gradient.
    static func f(_ t: [Double]) -> Double {
        var s = t[0] * t[0] * t[0]
        for i in 0..<(t.count - 1) { s += Double.sinApprox(t[i]) * t[i + 1] }
        return s + Activation.softplus(t[t.count - 1])
    }

    static func exactGradient(_ t: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: t.count)
        g[0] = 3 * t[0] * t[0]
        for i in 0..<(t.count - 1) {
            g[i] += Double.cosApprox(t[i]) * t[i + 1]
            g[i + 1] += Double.sinApprox(t[i])
        }
        g[t.count - 1] += Activation.logistic(t[t.count - 1])
        return g
    }

    static let theta: [Double] = [0.3, -1.2, 0.7, 2.0, -0.4]

    @Test func matchesAnExactGradientToTenDigits() {
        let numerical = NumericalGradient.of(Self.f, at: Self.theta)
        let exact = Self.exactGradient(Self.theta)
        for (n, e) in zip(numerical, exact) {
            #expect(abs(n - e) <= 1e-9 * max(1, abs(e)), "\(n) vs \(e)")
        }
        let report = GradientCheck.compare(analytic: exact, numerical: numerical)
        #expect(report.passes(tolerance: 1e-6), "\(report)")
        #expect(report.entries.count == 1 && report.entries[0].name == "θ")
    }

    /// Central differences are second order: halving a (large) ε divides the error by about 4.
    @Test func errorIsSecondOrderInEpsilon() {
        let exact = Self.exactGradient(Self.theta)
        func error(_ eps: Double) -> Double {
            zip(NumericalGradient.of(Self.f, at: Self.theta, epsilon: eps), exact).map { abs($0 - $1) }.max()!
        }
        let ratio = error(2e-2) / error(1e-2)
        #expect(ratio > 3.8 && ratio < 4.2, "ratio \(ratio)")
        // The default step is far more accurate than a large one.
        #expect(error(NumericalGradient.defaultEpsilon) < error(1e-2) / 1e4)
    }

    /// The lecture's cost claim: two evaluations of f per parameter, no more.
    @Test(arguments: [1, 4, 37])
    func costsTwoEvaluationsPerParameter(count: Int) {
        var calls = 0
        let theta = (0..<count).map { Double($0) / 10 }
        let g = NumericalGradient.of({ t in calls += 1; return t.reduce(0) { $0 + $1 * $1 } }, at: theta)
        #expect(calls == 2 * count)
        for (gi, ti) in zip(g, theta) { #expect(abs(gi - 2 * ti) <= 1e-9) }
    }

    /// θ itself is left unchanged at every call except for the one coordinate being moved.
    @Test func perturbsOneCoordinateAtATime() {
        let theta = [1.0, 2.0, 3.0]
        var seen: [[Double]] = []
        _ = NumericalGradient.of({ seen.append($0); return $0[0] }, at: theta, epsilon: 0.5)
        #expect(seen == [[1.5, 2, 3], [0.5, 2, 3], [1, 2.5, 3], [1, 1.5, 3], [1, 2, 3.5], [1, 2, 2.5]])
    }

    /// A Float network's numerical gradient is computed on a Double copy: it equals the numerical
    /// gradient of the converted network exactly, and matches the Float backprop to Float precision.
    @Test func floatNetworkIsCheckedInDouble() {
        let c = NetworkFixtures.smoothCase(sizes: [3, 4, 2], hidden: .tanh, loss: .mse, batch: 4, seed: 5)
        let (net, x, t) = NetworkFixtures.convert(c, to: Float.self)
        let fromFloat = net.numericalGradient(x, t)
        let fromDouble = net.converted(to: Double.self).numericalGradient(x.converted(to: Double.self), t.converted(to: Double.self))
        #expect(fromFloat == fromDouble)
        let report = GradientCheck.compare(analytic: net.gradient(x, t).gradient, numerical: fromFloat)
        #expect(report.maxRelativeError < 1e-5, "\(report)")
        #expect(report.maxRelativeError > 1e-12, "Float rounding should be visible")
    }
}

@Suite struct GradientCheckTests {
    static func gradient() -> NetworkGradient<Double> {
        let net = NetworkFixtures.network(sizes: [2, 3, 1], hidden: .tanh, output: .identity, loss: .mse, seed: 1)
        return NetworkGradient(flattened: (0..<net.parameterCount).map { 0.1 * Double($0 + 1) }, like: net)
    }

    @Test func identicalGradientsPass() {
        let g = Self.gradient()
        let report = GradientCheck.compare(analytic: g, numerical: g)
        #expect(report.maxRelativeError == 0 && report.maxAbsoluteError == 0)
        #expect(report.passes())
        #expect(report.entries.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        #expect(report.entries.map(\.count) == [6, 3, 3, 1])
    }

    @Test func reportsTheTensorAndEntryThatDiffer() {
        let g = Self.gradient()
        var wrong = g
        wrong.weights[1][2, 0] *= 1 + 1e-4  // 1.2 → 1.20012
        let report = GradientCheck.compare(analytic: wrong, numerical: g)
        #expect(!report.passes(tolerance: 1e-6))
        #expect(report.passes(tolerance: 1e-3))
        let entry = report["layers.1.weight"]!
        #expect(entry.worstIndex == 2)
        #expect(abs(entry.maxAbsoluteError - 1.2e-4) <= 1e-12)
        #expect(abs(entry.maxRelativeError - 1.2e-4 / (1.2 * (1 + 1e-4))) <= 1e-12)
        #expect(report["layers.0.weight"]!.maxRelativeError == 0)
        #expect(report.description.contains("layers.1.weight"))
    }

    /// Error relative to the tensor's scale; the floor applies to tensors that are ≈ 0.
    @Test func relativeErrorUsesTheTensorScaleAndTheFloor() {
        let a: [Float] = [1, 1e-6]
        let n: [Double] = [1, 2e-6]
        // Elementwise that would be a 50 % error; relative to the tensor's scale it is 1e-6.
        let r = GradientCheck.compare(analytic: a, numerical: n).maxRelativeError
        #expect(abs(r - 1e-6) <= 1e-12)
        // A tensor that is zero analytically and noise numerically is judged against the floor.
        let z = GradientCheck.compare(analytic: [0.0, 0.0], numerical: [1e-11, -5e-12]).maxRelativeError
        #expect(abs(z - 1e-11 / GradientCheck.defaultFloor) <= 1e-20)
        #expect(GradientCheck.compare(analytic: [0.0], numerical: [1e-3]).maxRelativeError == 1)
    }

    @Test func nanFails() {
        let report = GradientCheck.compare(analytic: [1.0, .nan], numerical: [1.0, 2.0])
        #expect(report.maxRelativeError.isNaN)
        #expect(!report.passes(tolerance: 1))
        // A NaN in one tensor is not hidden by the others.
        var g = GradientCheckTests.gradient()
        let good = g
        g.biases[0][0, 1] = .nan
        let full = GradientCheck.compare(analytic: g, numerical: good)
        #expect(full.maxRelativeError.isNaN && !full.passes(tolerance: 1))
        #expect(full["layers.0.bias"]!.worstIndex == 1)
    }
}

extension Double {
    /// sin and cos from the Taylor series (|x| ≤ 2.5 here, 30 terms: exact to rounding); the
    /// tests avoid depending on any particular libm.
    fileprivate static func sinApprox(_ x: Double) -> Double {
        var term = x, sum = x
        for k in 1..<30 { term *= -x * x / Double((2 * k) * (2 * k + 1)); sum += term }
        return sum
    }
    fileprivate static func cosApprox(_ x: Double) -> Double {
        var term = 1.0, sum = 1.0
        for k in 1..<30 { term *= -x * x / Double((2 * k - 1) * (2 * k)); sum += term }
        return sum
    }
}
