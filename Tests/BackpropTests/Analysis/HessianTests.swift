import Backprop
import Testing

/// `A = Q·diag(λ)·Qᵀ` with the Householder reflection `Q = I − 2uuᵀ/uᵀu`: a dense symmetric matrix
/// with known eigenvalues `λ`.
func symmetricMatrix(eigenvalues lambda: [Double], u: [Double]) -> Matrix<Double> {
    let n = lambda.count
    let uu = u.reduce(0) { $0 + $1 * $1 }
    var q = Matrix<Double>(rows: n, cols: n)
    for i in 0..<n { for j in 0..<n { q[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu } }
    var d = Matrix<Double>(rows: n, cols: n)
    for i in 0..<n { d[i, i] = lambda[i] }
    return Backend.naive.matmul(Backend.naive.matmul(q, d), q.transposed)
}

/// `∇E(θ) = Aθ − b` of the quadratic `E(θ) = ½θᵀAθ − bᵀθ`.
func quadraticGradient(_ a: Matrix<Double>, _ b: [Double]) -> ([Double]) -> [Double] {
    { theta in
        let y = Backend.naive.matvec(a, Matrix(column: theta))
        return (0..<theta.count).map { y[$0, 0] - b[$0] }
    }
}

@Test func hessianOfAQuadraticIsItsMatrix() throws {
    let lambda = [-3, 0.5, 1, 2.5]
    let a = symmetricMatrix(eigenvalues: lambda, u: [1, 2, -1, 1])
    let op = HessianOperator(at: [0.3, -1, 2, 0.5], gradient: quadraticGradient(a, [1, 0, -2, 3]))
    let h = op.dense()
    var maxError = 0.0
    for i in 0..<a.count { maxError = max(maxError, abs(h.matrix.elements[i] - a.elements[i])) }
    #expect(maxError < 1e-9)
    #expect(h.schemes[.central] == 4)
    let w = try h.eigenvalues()
    for (got, want) in zip(w, lambda) { #expect(abs(got - want) < 1e-9) }
    // H·v directly: A·v.
    let v = [1.0, -2, 0.5, 3]
    let hv = op(v)
    let av = Backend.naive.matvec(a, Matrix(column: v))
    for i in 0..<4 { #expect(abs(hv[i] - av[i, 0]) < 1e-9) }
}

/// `E(θ)` of a Double copy of `net` on `(x, t)`, as a function of the flat parameters.
private func lossFunction<T: BLASScalar>(_ net: Network<T>, _ x: Matrix<T>, _ t: Matrix<T>) -> ([Double]) -> Double {
    var copy = net.converted(to: Double.self)
    let xd = x.converted(to: Double.self)
    let td = t.converted(to: Double.self)
    return { theta in
        copy.setParameters(theta)
        return copy.loss(xd, td)
    }
}

/// The fully numerical Hessian: second differences of the loss,
/// `H_ij ≈ [E(θ+he_i+he_j) − E(θ+he_i−he_j) − E(θ−he_i+he_j) + E(θ−he_i−he_j)] / 4h²`.
private func secondDifferenceHessian(_ f: ([Double]) -> Double, at theta: [Double], h: Double) -> Matrix<Double> {
    let p = theta.count
    var out = Matrix<Double>(rows: p, cols: p)
    for i in 0..<p {
        for j in i..<p {
            func e(_ si: Double, _ sj: Double) -> Double {
                var t = theta
                t[i] += si * h
                t[j] += sj * h
                return f(t)
            }
            let v = (e(1, 1) - e(1, -1) - e(-1, 1) + e(-1, -1)) / (4 * h * h)
            out[i, j] = v
            out[j, i] = v
        }
    }
    return out
}

private func backpropHessianMatchesSecondDifferences<T: BLASScalar>(
    _: T.Type, hidden: Activation, loss: Loss, targets: [T]
) {
    var g = SeededGenerator(seed: 21)
    let x = Matrix<T>.random(rows: 5, cols: 2, in: -1...1, using: &g)
    let t = Matrix<T>(column: targets)
    var net = Network<T>(sizes: [2, 3, 1], hidden: hidden, loss: loss, seed: 5)
    // Nonzero biases so that no ReLU input sits at 0.
    var p = net.parameters
    for i in 0..<p.count { p[i] += T(Double.random(in: -0.3...0.3, using: &g)) }
    net.setParameters(p)
    let op = net.hessian(x, t)
    let dense = op.dense()
    let numerical = secondDifferenceHessian(lossFunction(net, x, t), at: op.point, h: 1e-4)
    var maxError = 0.0
    var largest = 0.0
    for i in 0..<numerical.count {
        maxError = max(maxError, abs(dense.matrix.elements[i] - numerical.elements[i]))
        largest = max(largest, abs(numerical.elements[i]))
    }
    #expect(largest > 0.01)
    #expect(maxError < 1e-6 * max(1, largest), "max |H_backprop − H_numerical| = \(maxError), max |H| = \(largest)")
    #expect(dense.asymmetry < 1e-7)
    #expect(dense.schemes[.central] == net.parameterCount)
}

@Test func backpropHessianAgreesWithSecondDifferencesOfTheLoss() {
    let targets: [Double] = [1, -1, 1, 1, -1]
    backpropHessianMatchesSecondDifferences(Double.self, hidden: .tanh, loss: .mse, targets: targets)
    backpropHessianMatchesSecondDifferences(Float.self, hidden: .tanh, loss: .mse, targets: targets.map { Float($0) })
    backpropHessianMatchesSecondDifferences(Double.self, hidden: .sigmoid, loss: .logistic, targets: targets)
    // A piecewise-smooth network, away from its kinks.
    backpropHessianMatchesSecondDifferences(Double.self, hidden: .relu, loss: .mse, targets: targets)
}

@Test func kinksAreNotDifferencedAcross() {
    // ∇E(θ) = θ for θ < 0.3 and 5θ above (H = 1, resp. 5; ∇E jumps by 1.2 at the kink).
    let gradient: ([Double]) -> [Double] = { $0[0] < 0.3 ? [$0[0]] : [5 * $0[0]] }
    let region: ([Double]) -> [Bool] = { [$0[0] < 0.3] }
    let near = 0.3 - 1e-6  // closer to the kink than the first step ε ≈ 1.3e-5
    // Without the region check the central difference straddles the jump: garbage.
    let blind = HessianOperator(at: [near], gradient: gradient).product([1])
    #expect(abs(blind.value[0] - 1) > 1000)
    // With it, ε is halved until both sides are on θ's side.
    let careful = HessianOperator(at: [near], gradient: gradient, region: region).product([1])
    #expect(careful.scheme == .central)
    #expect(careful.epsilon < 1e-6)
    #expect(abs(careful.value[0] - 1) < 1e-6)
    // Exactly on the kink θ belongs to the right piece: a forward difference gives H = 5.
    let on = HessianOperator(at: [0.3], gradient: gradient, region: region).product([1])
    #expect(on.scheme == .forward)
    #expect(abs(on.value[0] - 5) < 1e-6)
}

@Test func reluNetworkHessianShrinksItsStepNearAKink() {
    // One hidden ReLU unit whose input for the single sample is 1e-7 above 0.
    let layer1 = DenseLayer<Double>(weight: Matrix([[1]]), bias: Matrix([[-1 + 1e-7]]), activation: .relu)
    let layer2 = DenseLayer<Double>(weight: Matrix([[2]]), bias: Matrix([[0]]), activation: .identity)
    let net = Network(layers: [layer1, layer2], loss: .mse)
    let x = Matrix<Double>([[1]])
    let t = Matrix<Double>([[3]])
    let op = net.hessian(x, t)
    // Parameters (w1, b1, w2, b2). On the active side y = w2·(w1·x + b1) + b2 and
    // E = ½(y − t)²; the Hessian entry ∂²E/∂b1² = w2² = 4.
    let hv = op.product([0, 1, 0, 0])
    #expect(hv.scheme == .central)
    #expect(abs(hv.value[1] - 4) < 1e-6)
    // The plain central difference would mix in the inactive side.
    let blind = HessianOperator(at: op.point, gradient: op.gradient)
    #expect(abs(blind([0, 1, 0, 0])[1] - 4) > 0.1)
}

private func powerIterationMatchesDense(_ lambda: [Double], u: [Double], seed: UInt64) throws {
    let a = symmetricMatrix(eigenvalues: lambda, u: u)
    let op = HessianOperator(at: [Double](repeating: 0.5, count: lambda.count), gradient: quadraticGradient(a, u))
    let dense = try op.dense().eigenvalues()
    let result = op.largestEigenvalue(seed: seed)
    #expect(result.converged)
    #expect(abs(result.lambdaMax - dense.last!) < 1e-8 * max(1, abs(dense.last!)), "power \(result.lambdaMax) vs dense \(dense)")
    #expect(abs(result.lambdaMax - lambda.max()!) < 1e-8 * max(1, abs(lambda.max()!)))
}

@Test func powerIterationFindsTheAlgebraicallyLargestEigenvalue() throws {
    // Positive dominant eigenvalue: no shift needed.
    try powerIterationMatchesDense([-1, 0.5, 4, 2], u: [1, 1, 0, 2], seed: 1)
    // The most negative eigenvalue is the largest in magnitude: plain power iteration would
    // return −5; the shift finds 2.
    try powerIterationMatchesDense([-5, 0.5, 2, -1, 1], u: [1, -2, 1, 0, 3], seed: 2)
    // ±ρ both eigenvalues (plain power iteration does not converge).
    try powerIterationMatchesDense([-3, 3, 1], u: [2, 1, 1], seed: 3)
    // Negative definite: λ_max = −1.
    try powerIterationMatchesDense([-6, -3, -1], u: [1, 0, 1], seed: 4)
    let a = symmetricMatrix(eigenvalues: [-5, 0.5, 2, -1, 1], u: [1, -2, 1, 0, 3])
    let r = HessianOperator(at: [0, 0, 0, 0, 0], gradient: quadraticGradient(a, [0, 0, 0, 0, 0])).largestEigenvalue()
    #expect(abs(r.dominantEigenvalue + 5) < 1e-6)
    #expect(r.shift > 4.99)
}

@Test func powerIterationMatchesTheDenseSpectrumOfANetworkHessian() throws {
    var g = SeededGenerator(seed: 8)
    let x = Matrix<Double>.random(rows: 12, cols: 2, in: -1...1, using: &g)
    let t = Matrix<Double>(column: (0..<12).map { x[$0, 0] * x[$0, 1] > 0 ? 1 : -1 })
    let net = Network<Double>(sizes: [2, 4, 1], hidden: .tanh, loss: .mse, initialization: .uniform, seed: 4)
    let op = net.hessian(x, t)
    let w = try op.dense().eigenvalues()
    #expect(w.first! < 0)  // an indefinite Hessian away from a minimum
    let result = op.largestEigenvalue(seed: 11)
    #expect(abs(result.lambdaMax - w.last!) < 1e-6 * abs(w.last!), "power \(result.lambdaMax) vs dense \(w.last!)")
}
