import Backprop
import Foundation

/// The pages of `backprop demo`, in the lecture's order. Each page computes with the library,
/// writes its pictures (PNG and SVG) and appends a section to ``summary``.
struct LectureDemo {
    /// Output folder.
    let folder: String
    /// The Markdown summary, built page by page.
    var summary = "# Backprop: the lecture, replayed\n\nEvery number below was computed by this run, on seeded data.\n"
    /// Files written so far (relative to ``folder``).
    var files: [String] = []

    init(folder: String) { self.folder = folder }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    mutating func run() throws {
        try perceptronAtWork()
        try perceptronVersusNearestMean()
        try workedExample()
        try numericalVersusBackprop()
        try networksAtWork()
        try problematicActivations()
        try stability()
        try blasVersusNaive()
    }

    /// Writes `figure` as `name.png` and `name.svg` and links the PNG in the summary.
    mutating func save(_ figure: Figure, _ name: String, caption: String) throws {
        try figure.writePNG(to: path(name + ".png"))
        try figure.writeSVG(to: path(name + ".svg"))
        files += [name + ".png", name + ".svg"]
        summary += "\n![\(caption)](\(name).png)\n"
    }

    // MARK: 1. The perceptron

    /// Rosenblatt's rule on separable blobs: the boundary after every epoch.
    mutating func perceptronAtWork() throws {
        let data: LabeledData<Double> = Datasets.blobs(samples: 80, separation: 0.6, noise: 1.0, seed: 4)
        let t = try data.binaryTargets()
        var boundaries: [LinearBoundary] = []
        let result = Perceptron<Double>(learningRate: 1, maxEpochs: 100).train(features: data.features, targets: t) { step in
            if step.sample == data.count - 1 {
                boundaries.append(LinearBoundary(w1: step.weights[0], w2: step.weights[1], b: step.bias))
            }
        }
        let picture = Figure.sideBySide([
            Figure.linearBoundaries(
                points: data.features, classes: data.classes, boundaries: boundaries,
                title: "Perceptron: boundary per epoch"),
            Figure.lineChart(
                series: [("updates", result.mistakes.map(Double.init))],
                title: "Updates per epoch", xLabel: "epoch", yLabel: "updates"),
        ])
        summary += """

            ## 1. The perceptron at work

            Rosenblatt's rule (`w ← w + η·x·t`, `b ← b + η·t` on every mistake, `z = 0` counts as a
            mistake) on \(data.count) separable points: \(result.converged ? "converged" : "did not converge") after \
            \(result.epochs) epochs (the last one without a mistake), updates per epoch \(result.mistakes), \
            training accuracy \(percent(result.accuracy)). Final `w = \(format(result.weights))`, `b = \(format(result.bias))`.

            """
        try save(picture, "perceptron-at-work", caption: "Perceptron boundaries, epoch by epoch")
    }

    /// The lecture's observation: on long thin classes the perceptron separates, nearest mean
    /// does not.
    mutating func perceptronVersusNearestMean() throws {
        let data: LabeledData<Double> = Datasets.elongated(samples: 200, seed: 7)
        let t = try data.binaryTargets()
        let nearest = NearestMeanClassifier(features: data.features, targets: t)
        let linear = nearest.linearForm
        let perceptron = Perceptron<Double>(learningRate: 1, maxEpochs: 1000).train(features: data.features, targets: t)
        let nm = LinearBoundary(w1: linear.weights[0, 0], w2: linear.weights[1, 0], b: linear.bias)
        let pc = LinearBoundary(w1: perceptron.weights[0], w2: perceptron.weights[1], b: perceptron.bias)
        let picture = Figure.sideBySide([
            Figure.linearBoundaries(
                points: data.features, classes: data.classes, boundaries: [nm],
                title: "Nearest mean: \(percent(nearest.accuracy(data.features, targets: t)))"),
            Figure.linearBoundaries(
                points: data.features, classes: data.classes, boundaries: [pc],
                title: "Perceptron: \(percent(perceptron.accuracy))"),
        ])
        summary += """

            ## 2. Perceptron versus nearest mean on elongated classes

            Two long, thin, parallel clouds (\(data.count) points, linearly separable). The nearest-mean
            classifier in its linear form `w = 2(μ₊ − μ₋)`, `b = ‖μ₋‖² − ‖μ₊‖²` reaches \
            \(percent(nearest.accuracy(data.features, targets: t))) training accuracy; the perceptron reaches \
            \(percent(perceptron.accuracy)) after \(perceptron.epochs) epochs.

            """
        try save(picture, "perceptron-vs-nearest-mean", caption: "Nearest mean versus perceptron")
    }

    // MARK: 2. Backpropagation

    /// The worked 7-neuron example: every δ and ∂E/∂w the engine computes.
    mutating func workedExample() throws {
        let net = Network<Double>.lectureExample(
            w13: 0.5, w23: -0.3, w24: 0.8, w35: 1.2, w36: -0.7, w46: 0.4, w57: -1.1, w67: 0.9)
        let x = Matrix<Double>([[1.0, 2.0]])
        summary += """

            ## 3. The worked example: δ by the chain rule

            The lecture's network (`z₃ = a₁w₁₃ + a₂w₂₃`, `z₄ = a₂w₂₄`, `z₅ = a₃w₃₅`, `z₆ = a₃w₃₆ + a₄w₄₆`,
            `z₇ = a₅w₅₇ + a₆w₆₇`, `E = max(0, −z₇t)`, tanh on neurons 3–6) with `x = (1, 2)` and weights
            w₁₃ = 0.5, w₂₃ = −0.3, w₂₄ = 0.8, w₃₅ = 1.2, w₃₆ = −0.7, w₄₆ = 0.4, w₅₇ = −1.1, w₆₇ = 0.9.
            Here `δ_j = ∂E/∂a_j`, computed by `δ_j = Σ_k δ_k g′(z_k) w_jk` (the layer-wise engine).

            | t | z₇ | E | δ₇ | δ₆ | δ₅ | δ₄ | δ₃ | ∂E/∂w₅₇ | ∂E/∂w₆₇ | ∂E/∂w₁₃ |
            |---|---|---|---|---|---|---|---|---|---|---|

            """
        for target in [1.0, -1.0] {
            let t = Matrix<Double>([[target]])
            let workspace = BackpropWorkspace(network: net, batchSize: 1)
            let e = x.withView { xv in t.withView { net.backpropagate(xv, $0, workspace: workspace) } }
            let deltas = workspace.deltas
            let z7 = workspace.preActivations[3][0, 0]
            let g = workspace.gradient
            let row = [
                z7, e, deltas[3][0, 0], deltas[2][0, 1], deltas[2][0, 0], deltas[1][0, 1],
                deltas[1][0, 0], g.weights[2][0, 0], g.weights[2][1, 0], g.weights[0][0, 0],
            ].map { format($0) }
            summary += "| \(Int(target)) | " + row.joined(separator: " | ") + " |\n"
        }
        summary += "\nWith t = +1 the output is on the wrong side only if z₇ ≤ 0; where the hinge is inactive every δ is 0.\n"
    }

    /// Numerical differentiation against backpropagation: agreement and cost as P grows.
    mutating func numericalVersusBackprop() throws {
        summary += """

            ## 4. Numerical gradient versus backpropagation

            Central differences `(E(θ+εe_i) − E(θ−εe_i)) / 2ε` (ε = \(NumericalGradient.defaultEpsilon), Double) need two
            evaluations of E per parameter; backpropagation needs one forward and one backward pass.
            Networks 2-h-h-1 (tanh, mse) on 64 moons points:

            | hidden h | parameters P | max relative error | numerical (ms) | backprop (ms) | ratio |
            |---|---|---|---|---|---|

            """
        let data: LabeledData<Double> = Datasets.moons(samples: 64, seed: 1)
        let t = try data.binaryTargets()
        let clock = ContinuousClock()
        for h in [2, 4, 8, 16, 32] {
            let net = Network<Double>(sizes: [2, h, h, 1], hidden: .tanh, loss: .mse, seed: 3)
            var analytic = net.gradient(data.features, t)
            let repeats = 50
            let backpropTime = clock.measure {
                for _ in 0..<repeats { analytic = net.gradient(data.features, t) }
            }.seconds / Double(repeats)
            var numerical = net.numericalGradient(data.features, t)
            let numericalTime = clock.measure { numerical = net.numericalGradient(data.features, t) }.seconds
            let report = GradientCheck.compare(analytic: analytic.gradient, numerical: numerical)
            summary += "| \(h) | \(net.parameterCount) | \(String(format: "%.1e", report.maxRelativeError)) | "
                + "\(String(format: "%.2f", numericalTime * 1e3)) | \(String(format: "%.3f", backpropTime * 1e3)) | "
                + "\(String(format: "%.0f", numericalTime / backpropTime))× |\n"
        }
        summary += "\nThe ratio grows with P: the numerical gradient costs about 2P loss evaluations, backprop about three.\n"
    }

    // MARK: 3. Networks at work

    /// Gradient descent on data no line can separate.
    mutating func networksAtWork() throws {
        summary += """

            ## 5. Neural networks at work

            Full-batch gradient descent `θ ← θ − γ∇E(θ)` with tanh hidden layers, a linear output and the
            logistic loss, from Glorot initialisation:

            | data | points | layers | γ | steps | final loss | training accuracy |
            |---|---|---|---|---|---|---|

            """
        let cases: [(name: String, sizes: [Int], lr: Double, steps: Int)] = [
            ("xor", [2, 8, 1], 0.5, 2000), ("moons", [2, 16, 16, 1], 0.5, 3000),
            ("spirals", [2, 32, 32, 1], 0.3, 6000),
        ]
        var pictures: [Figure] = []
        var curves: [(name: String, values: [Double])] = []
        for c in cases {
            let data: LabeledData<Float> = try Datasets.named(c.name, samples: 200, seed: 1)
            let t = try data.binaryTargets()
            var net = Network<Float>(sizes: c.sizes, hidden: .tanh, loss: .logistic, seed: 2)
            let result = try Trainer.train(
                &net, inputs: data.features, targets: t,
                options: TrainingOptions(steps: c.steps, learningRate: c.lr))
            let y = net.forward(data.features)
            let accuracy = net.loss.accuracy(y, t)
            summary += "| \(c.name) | \(data.count) | \(c.sizes.map(String.init).joined(separator: "-")) | \(c.lr) | \(result.stepsRun) | \(format(Double(net.loss.value(y, t)))) | \(percent(accuracy)) |\n"
            pictures.append(Figure.decisionRegions(
                points: data.features, classes: data.classes,
                title: "\(c.name): \(percent(accuracy))"
            ) { grid in net.forward(grid.converted(to: Float.self)).elements.map(Double.init) })
            curves.append((c.name, result.history.map(\.loss)))
        }
        try save(Figure.sideBySide(pictures), "networks-at-work", caption: "Decision regions of trained networks")
        try save(
            Figure.lineChart(series: curves, title: "Training loss", xLabel: "step", yLabel: "E"),
            "training-loss", caption: "Training loss per step")
    }

    /// The step and max(0, z − 100) activations have zero gradient: nothing is learned.
    mutating func problematicActivations() throws {
        let data: LabeledData<Float> = Datasets.moons(samples: 200, seed: 1)
        let t = try data.binaryTargets()
        summary += """

            ## 6. Activations that cannot be trained

            The same 2-16-16-1 network and data (moons), trained for 1000 steps with γ = 0.5, hidden
            activation varied. The step 1[z > 0] and max(0, z − 100) have g′ = 0 at every ordinary
            input, so every δ below the output is 0 and the hidden weights never move:

            | hidden activation | ‖∇E‖ at start | final loss | training accuracy |
            |---|---|---|---|

            """
        var curves: [(name: String, values: [Double])] = []
        for activation in [Activation.tanh, .step, .shiftedReLU] {
            var net = Network<Float>(sizes: [2, 16, 16, 1], hidden: activation, loss: .logistic, seed: 2)
            let g0 = net.gradient(data.features, t).gradient
            let hiddenNorm = (0..<2).map { Double(Backend.blas.norm(g0.weights[$0])) }.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let result = try Trainer.train(
                &net, inputs: data.features, targets: t, options: TrainingOptions(steps: 1000, learningRate: 0.5))
            let y = net.forward(data.features)
            summary += "| \(activation.rawValue) | hidden layers: \(format(hiddenNorm)) | \(format(Double(net.loss.value(y, t)))) | \(percent(net.loss.accuracy(y, t))) |\n"
            curves.append((activation.rawValue, result.history.map(\.loss)))
        }
        try save(
            Figure.lineChart(series: curves, title: "Loss: tanh learns, step and relu-minus-100 do not", xLabel: "step", yLabel: "E"),
            "problematic-activations", caption: "Training loss by activation")
    }

    /// Step size against curvature: γ just below and above 2/λ_max.
    mutating func stability() throws {
        let x = Matrix<Double>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let t = Matrix<Double>(column: [-1, 1, 1, -1])
        let net = Network<Double>(sizes: [2, 4, 1], hidden: .tanh, loss: .mse, seed: 1)
        let steps = 500
        let near = try StabilityExperiment.run(network: net, inputs: x, targets: t, steps: steps)
        let far = try StabilityExperiment.run(
            network: net, inputs: x, targets: t, steps: steps, belowFactor: 0.5, aboveFactor: 2,
            lambdaMax: near.lambdaMax)
        let runs = [far.below, near.below, near.above, far.above]
        func describe(_ r: StabilityExperiment.Run) -> String {
            let outcome = r.divergedAtStep.map { "diverged at step \($0)" } ?? "final E = \(format(r.finalLoss))"
            let curvature = r.finalLambdaMax.map { ", λ_max at the end \(format($0)) (2/γ = \(format(2 / r.learningRate)))" } ?? ""
            return "| \(r.factor)·2/λ_max | \(format(r.learningRate)) | \(outcome)\(curvature) |\n"
        }
        summary += """

            ## 7. Why gradient descent is stable or not

            XOR (4 points), a 2-4-1 tanh network, squared error. The largest Hessian eigenvalue at the
            start, by shifted power iteration on Hessian-vector products (LAPACKE's dsyevd agrees in the
            tests), is λ_max = \(format(near.lambdaMax)), so plain gradient descent on the local quadratic
            diverges for γ > 2/λ_max = \(format(near.bound)); the suggested learning rate is
            \(format(StepSize.suggestedLearningRate(lambdaMax: near.lambdaMax) ?? .nan)) (half the bound).
            \(steps) full-batch steps from the same start:

            | γ | value | outcome |
            |---|---|---|

            """
        for r in runs { summary += describe(r) }
        summary += "\nThe bound holds where it is computed: just above it, training can still settle in a flatter region (smaller λ_max at the end); at twice the bound it diverges.\n"
        try save(
            Figure.lineChart(
                series: runs.map { r in
                    ("\(r.factor)×", r.losses.map { $0 > 0 && $0.isFinite ? log10($0) : .nan })
                },
                title: "log10 E, gamma vs 2/lambda_max", xLabel: "step", yLabel: "log10 E", firstX: 0),
            "stability", caption: "Loss curves below and above the stable step size")
    }

    // MARK: 4. Speed

    /// One product on both backends.
    mutating func blasVersusNaive() throws {
        let n = 256
        let a = Matrix<Float>.random(rows: n, cols: n, seed: 1)
        let b = Matrix<Float>.random(rows: n, cols: n, seed: 2)
        var c = Matrix<Float>(rows: n, cols: n)
        let clock = ContinuousClock()
        var seconds: [Backend: Double] = [:]
        for backend in Backend.allCases {
            backend.matmul(a, b, into: &c)
            let repeats = backend == .blas ? 50 : 1
            seconds[backend] = clock.measure { for _ in 0..<repeats { backend.matmul(a, b, into: &c) } }.seconds / Double(repeats)
        }
        let flops = 2.0 * Double(n * n * n)
        summary += """

            ## 8. Why BLAS

            One \(n)×\(n) by \(n)×\(n) float32 product: OpenBLAS \(String(format: "%.1f", flops / seconds[.blas]! / 1e9)) GFLOP/s, \
            the plain-loop reference \(String(format: "%.2f", flops / seconds[.naive]! / 1e9)) GFLOP/s: \
            \(String(format: "%.0f", seconds[.naive]! / seconds[.blas]!))× faster, same numbers (checked by the test suite).

            """
    }
}

/// `"97.5 %"`.
func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }

/// A number for a table: 4 significant digits.
func format<T: BinaryFloatingPoint>(_ x: T) -> String { String(format: "%.4g", Double(x)) }

/// A vector for a table.
func format<T: BinaryFloatingPoint>(_ xs: [T]) -> String { "(" + xs.map { format($0) }.joined(separator: ", ") + ")" }
