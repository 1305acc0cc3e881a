import Backprop
import Foundation
import Testing

extension ClassifierFixtures {
    /// The perceptron loop as a textbook writes it, on plain arrays: no library code involved.
    static func textbookPerceptron<T: BLASScalar>(x: [[T]], t: [T], eta: T, maxEpochs: Int)
        -> (w: [T], b: T, mistakes: [Int])
    {
        var w = [T](repeating: 0, count: x[0].count)
        var b: T = 0
        var mistakes: [Int] = []
        for _ in 0..<maxEpochs {
            var m = 0
            for k in 0..<x.count {
                var z: T = 0
                for j in 0..<w.count { z += w[j] * x[k][j] }
                z += b
                if t[k] * z <= 0 {
                    for j in 0..<w.count { w[j] += eta * x[k][j] * t[k] }
                    b += eta * t[k]
                    m += 1
                }
            }
            mistakes.append(m)
            if m == 0 { break }
        }
        return (w, b, mistakes)
    }

    /// A data set written to CSV with full-precision numbers (labels -1/1).
    static func csvText<T: BLASScalar>(_ d: LabeledData<T>) -> String {
        var s = "x1,x2,label\n"
        for k in 0..<d.count {
            s += "\(d.features[k, 0]),\(d.features[k, 1]),\(d.classNames[d.classes[k]])\n"
        }
        return s
    }
}

@Suite struct PerceptronTests {
    /// Library vs textbook on a file: both read it, both train, the bits must agree.
    func checkTextbook<T: BLASScalar>(
        _: T.Type, path: String, eta: T, maxEpochs: Int, backend: Backend
    ) throws {
        let plain = ClassifierFixtures.plainRead(path)
        let positive = ClassLabels.order(Array(Set(plain.labels)))!.last!
        let t = plain.labels.map { $0 == positive ? T(1) : T(-1) }
        let x = plain.x.map { $0.map { T(String($0))! } }
        let book = ClassifierFixtures.textbookPerceptron(x: x, t: t, eta: eta, maxEpochs: maxEpochs)

        let data = try CSVLoader.load(path: path, binary: true, as: T.self)
        let result = try Perceptron<T>(learningRate: eta, maxEpochs: maxEpochs).train(data, backend: backend)
        #expect(ClassifierFixtures.exactBits(result.weights) == ClassifierFixtures.exactBits(book.w))
        #expect(ClassifierFixtures.exactBits(result.bias) == ClassifierFixtures.exactBits(book.b))
        #expect(result.mistakes == book.mistakes)
        #expect(result.converged == (book.mistakes.last == 0))
    }

    @Test(arguments: Backend.allCases)
    func equalsTheTextbookLoopBitForBit(backend: Backend) throws {
        let iris = ClassifierFixtures.irisPath
        for eta in [1.0, 0.1, 0.37] {
            try checkTextbook(Double.self, path: iris, eta: eta, maxEpochs: 100, backend: backend)
            try checkTextbook(Float.self, path: iris, eta: Float(eta), maxEpochs: 100, backend: backend)
        }
        // Long runs with many updates: elongated (converges late) and XOR (never converges).
        let sets: [LabeledData<Double>] = [
            Datasets.elongated(samples: 300, seed: 3), Datasets.xor(samples: 200, seed: 3),
        ]
        for d in sets {
            try ClassifierFixtures.withFile(ClassifierFixtures.csvText(d)) { path in
                try checkTextbook(Double.self, path: path, eta: 0.1, maxEpochs: 200, backend: backend)
                try checkTextbook(Float.self, path: path, eta: 0.1, maxEpochs: 200, backend: backend)
            }
        }
    }

    @Test func irisSetosaVersusVersicolor() throws {
        let data = try CSVLoader.load(path: ClassifierFixtures.irisPath, binary: true, as: Double.self)
        #expect(data.count == 100)
        #expect(data.classNames == ["setosa", "versicolor"])
        #expect(data.featureNames == ["sepal_length", "sepal_width", "petal_length", "petal_width"])
        let result = try Perceptron<Double>().train(data)
        #expect(result.converged)
        #expect(result.accuracy == 1)
        #expect(result.mistakes.last == 0)
        #expect(result.epochs == result.mistakes.count)
    }

    /// Convergence on separable data within the classical bound: with `w, b` starting at 0, the
    /// number of updates is at most `(R/γ)²`, `R = max‖(x, 1)‖` and `γ` the margin of any unit
    /// separator `u` of the augmented points, `γ = min_k t_k·uᵀ(x_k, 1)`.
    func checkBound<T: BLASScalar>(_: T.Type, backend: Backend, seed: UInt64, shuffle: Bool) {
        let data: LabeledData<T> = Datasets.blobs(samples: 200, separation: 2, noise: 0.8, seed: seed)
        let t = try! data.binaryTargets()
        // The documented separator of blobs: 0.8·x1 + 0.6·x2 − 1.4 = 0.
        let u = [0.8, 0.6, -1.4]
        let norm = (u.map { $0 * $0 }.reduce(0, +)).squareRoot()
        var gamma = Double.infinity
        var radius = 0.0
        for k in 0..<data.count {
            let x = [Double(data.features[k, 0]), Double(data.features[k, 1]), 1]
            gamma = min(gamma, Double(t[k, 0]) * zip(u, x).map { $0 * $1 }.reduce(0, +) / norm)
            radius = max(radius, x.map { $0 * $0 }.reduce(0, +).squareRoot())
        }
        #expect(gamma > 0)
        let bound = (radius / gamma) * (radius / gamma)
        let result = Perceptron<T>(learningRate: 1, maxEpochs: 100_000, shuffle: shuffle, seed: seed)
            .train(features: data.features, targets: t, backend: backend)
        #expect(result.converged)
        #expect(result.accuracy == 1)
        #expect(Double(result.updates) <= bound, "updates \(result.updates), bound \(bound)")
        #expect(Double(result.epochs) <= bound + 1)
        #expect(result.mistakes.dropLast().allSatisfy { $0 > 0 } && result.mistakes.last == 0)
    }

    @Test(arguments: Backend.allCases)
    func convergesOnSeparableDataWithinTheBound(backend: Backend) {
        for seed in UInt64(1)...4 {
            checkBound(Double.self, backend: backend, seed: seed, shuffle: false)
            checkBound(Float.self, backend: backend, seed: seed, shuffle: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func reportsNonConvergenceOnXOR(backend: Backend) throws {
        // The four XOR points: no line separates them.
        let x = Matrix<Double>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let t = Matrix<Double>(column: [-1, 1, 1, -1])
        let r = Perceptron<Double>(maxEpochs: 50).train(features: x, targets: t, backend: backend)
        #expect(!r.converged)
        #expect(r.epochs == 50)
        #expect(r.mistakes.count == 50 && r.mistakes.allSatisfy { $0 > 0 })
        #expect(r.accuracy <= 0.75)
        // And the noisy XOR data set.
        let data: LabeledData<Float> = Datasets.xor(samples: 200, seed: 8)
        let noisy = try Perceptron<Float>(maxEpochs: 30, shuffle: true, seed: 2).train(data, backend: backend)
        #expect(!noisy.converged && noisy.epochs == 30 && noisy.mistakes.allSatisfy { $0 > 0 })
        #expect(noisy.accuracy < 0.8)
    }

    @Test func shufflingIsSeeded() throws {
        let data: LabeledData<Double> = Datasets.elongated(samples: 200, seed: 1)
        let a = try Perceptron<Double>(shuffle: true, seed: 7).train(data)
        let b = try Perceptron<Double>(shuffle: true, seed: 7).train(data)
        let c = try Perceptron<Double>(shuffle: true, seed: 8).train(data)
        #expect(a == b)
        #expect(a.weights != c.weights)
        var firstEpochOrder: [Int] = []
        _ = try Perceptron<Double>(maxEpochs: 1, shuffle: true, seed: 7).train(data) { step in
            firstEpochOrder.append(step.sample)
        }
        #expect(firstEpochOrder.sorted() == Array(0..<200))
        #expect(firstEpochOrder != Array(0..<200))
    }

    @Test func boundaryPointCountsAsMistake() {
        // w = 0, b = 0 at the start: z = 0 for the first point, which must trigger an update.
        let x = Matrix<Double>([[2, 0]])
        var steps: [PerceptronStep<Double>] = []
        let r = Perceptron<Double>(learningRate: 0.5).train(features: x, targets: Matrix(column: [-1])) {
            steps.append($0)
        }
        #expect(steps.first == PerceptronStep(epoch: 1, sample: 0, updated: true, weights: [-1, 0], bias: -0.5))
        #expect(r.mistakes == [1, 0])
        #expect(r.converged && r.epochs == 2 && r.accuracy == 1)
    }

    @Test func requiresTwoClasses() {
        let three = LabeledData<Double>(
            features: Matrix([[1], [2], [3]]), classes: [0, 1, 2], classNames: ["a", "b", "c"],
            featureNames: ["x"])
        #expect(throws: LabeledDataError.notBinary(classNames: ["a", "b", "c"])) {
            _ = try Perceptron<Double>().train(three)
        }
    }
}
