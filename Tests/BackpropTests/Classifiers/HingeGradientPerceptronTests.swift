import Backprop
import Testing

@Suite struct HingeGradientPerceptronTests {
    /// Runs both formulations and compares the parameters after every single visit.
    func checkIdentical<T: BLASScalar>(
        _ data: LabeledData<T>, eta: T, epochs: Int, shuffle: Bool, backend: Backend
    ) throws {
        var rosenblatt: [PerceptronStep<T>] = []
        var gradient: [PerceptronStep<T>] = []
        let a = try Perceptron<T>(learningRate: eta, maxEpochs: epochs, shuffle: shuffle, seed: 4)
            .train(data, backend: backend) { rosenblatt.append($0) }
        let b = try HingeGradientPerceptron<T>(learningRate: eta, maxEpochs: epochs, shuffle: shuffle, seed: 4)
            .train(data, backend: backend) { gradient.append($0) }
        #expect(rosenblatt.count == gradient.count)
        #expect(rosenblatt.contains { $0.updated })
        var firstDifference: Int? = nil
        for (i, (p, q)) in zip(rosenblatt, gradient).enumerated() {
            if ClassifierFixtures.exactBits(p.weights) != ClassifierFixtures.exactBits(q.weights)
                || ClassifierFixtures.exactBits(p.bias) != ClassifierFixtures.exactBits(q.bias) || p.updated != q.updated
                || p.sample != q.sample
            {
                firstDifference = i
                break
            }
        }
        #expect(firstDifference == nil, "the formulations differ at visit \(firstDifference ?? -1)")
        #expect(a == b)
    }

    @Test(arguments: Backend.allCases)
    func sameParametersAfterEveryUpdate(backend: Backend) throws {
        let iris = try CSVLoader.load(path: ClassifierFixtures.irisPath, binary: true, as: Double.self)
        try checkIdentical(iris, eta: 0.1, epochs: 100, shuffle: false, backend: backend)
        try checkIdentical(iris.converted(to: Float.self), eta: 0.3, epochs: 100, shuffle: true, backend: backend)
        let xor: LabeledData<Double> = Datasets.xor(samples: 100, seed: 2)
        try checkIdentical(xor, eta: 0.37, epochs: 20, shuffle: true, backend: backend)
        let elongated: LabeledData<Float> = Datasets.elongated(samples: 200, seed: 2)
        try checkIdentical(elongated, eta: 0.01, epochs: 300, shuffle: false, backend: backend)
    }

    @Test func convergedMeansZeroPerceptronError() throws {
        let data: LabeledData<Double> = Datasets.blobs(samples: 100, seed: 6)
        let t = try data.binaryTargets()
        let r = try HingeGradientPerceptron<Double>(learningRate: 0.5).train(data)
        #expect(r.converged)
        #expect(r.model.perceptronError(data.features, targets: t) == 0)
        // Before training (w = 0, b = 0) every point is on the boundary: E = 0 too, but all wrong.
        let zero = LinearClassifier<Double>(dimension: 2)
        #expect(zero.accuracy(data.features, targets: t) == 0)
        // A wrong rule has a positive error: E = 1/N Σ max(0, −z t).
        let flipped = LinearClassifier(weights: r.weights.map { -$0 }, bias: -r.bias)
        let z = flipped.scores(data.features)
        let expected = (0..<data.count).map { max(0, -z[$0, 0] * t[$0, 0]) }.reduce(0, +) / Double(data.count)
        #expect(abs(flipped.perceptronError(data.features, targets: t) - expected) <= 1e-12 * max(1, expected))
        #expect(expected > 0)
    }
}
