import Backprop
import Testing

@Suite struct NearestMeanClassifierTests {
    @Test(arguments: Backend.allCases)
    func meansAndLinearFormByHand(backend: Backend) {
        let x = Matrix<Double>([[0, 0], [2, 0], [4, 4], [6, 8]])
        let t = Matrix<Double>(column: [-1, -1, 1, 1])
        let c = NearestMeanClassifier(features: x, targets: t, backend: backend)
        #expect(c.negativeMean == [1, 0])
        #expect(c.positiveMean == [5, 6])
        #expect(c.means == [[1, 0], [5, 6]])
        // w = 2(μ₊ − μ₋) = (8, 12), b = ‖μ₋‖² − ‖μ₊‖² = 1 − 61 = −60.
        #expect(c.linearForm == LinearClassifier(weights: [8, 12], bias: -60))
        #expect(c.accuracy(x, targets: t, backend: backend) == 1)
        // The midpoint of the means is on the boundary: predicted 0 both ways.
        #expect(c.predictByDistance(Matrix([[3, 3]])) == [0])
        #expect(c.predictLinear(Matrix([[3, 3]]), backend: backend) == [0])
    }

    func checkBothForms<T: BLASScalar>(_ data: LabeledData<T>, backend: Backend) throws {
        let c = try NearestMeanClassifier(fitting: data, backend: backend)
        let byDistance = c.predictByDistance(data.features)
        let byLinear = c.predictLinear(data.features, backend: backend)
        let distanceScores = c.distanceScores(data.features)
        let linearScores = c.linearForm.scores(data.features, backend: backend).elements
        // The two scores are the same number computed two ways.
        for (a, b) in zip(distanceScores, linearScores) {
            #expect(abs(a - b) <= 1000 * T.ulpOfOne * max(1, abs(a)))
        }
        #expect(byDistance == byLinear)
        #expect(byDistance.allSatisfy { $0 != 0 })
    }

    @Test(arguments: Backend.allCases)
    func linearFormGivesTheNearestMeanRule(backend: Backend) throws {
        let iris = try CSVLoader.load(path: ClassifierFixtures.irisPath, binary: true, as: Double.self)
        try checkBothForms(iris, backend: backend)
        try checkBothForms(iris.converted(to: Float.self), backend: backend)
        for name in Datasets.names {
            let d: LabeledData<Double> = try Datasets.named(name, samples: 300, seed: 12)
            try checkBothForms(d, backend: backend)
            try checkBothForms(d.converted(to: Float.self), backend: backend)
        }
    }

    @Test(arguments: Backend.allCases)
    func irisIsSeparatedByTheMeans(backend: Backend) throws {
        let iris = try CSVLoader.load(path: ClassifierFixtures.irisPath, binary: true, as: Double.self)
        let c = try NearestMeanClassifier(fitting: iris, backend: backend)
        #expect(c.accuracy(iris.features, targets: try iris.binaryTargets(), backend: backend) == 1)
        // setosa sepal length mean (Fisher's data): 5.006; versicolor 5.936.
        #expect(abs(c.negativeMean[0] - 5.006) < 1e-12)
        #expect(abs(c.positiveMean[0] - 5.936) < 1e-12)
    }

    /// The lecture's observation: two long, thin, parallel clouds are linearly separable — the
    /// perceptron reaches 100 % — but the nearest-mean rule misclassifies part of them.
    func checkElongated<T: BLASScalar>(_: T.Type, backend: Backend) throws {
        for seed in UInt64(1)...3 {
            let data: LabeledData<T> = Datasets.elongated(samples: 200, seed: seed)
            let t = try data.binaryTargets()
            let perceptron = try Perceptron<T>(maxEpochs: 10_000).train(data, backend: backend)
            #expect(perceptron.converged, "seed \(seed)")
            #expect(perceptron.accuracy == 1, "seed \(seed)")
            let nearest = try NearestMeanClassifier(fitting: data, backend: backend)
            let accuracy = nearest.accuracy(data.features, targets: t, backend: backend)
            #expect(accuracy < 0.95, "seed \(seed): nearest mean \(accuracy)")
            #expect(accuracy > 0.5, "seed \(seed): still better than chance, \(accuracy)")
        }
    }

    @Test(arguments: Backend.allCases)
    func elongatedCloudsDefeatNearestMeanButNotThePerceptron(backend: Backend) throws {
        try checkElongated(Float.self, backend: backend)
        try checkElongated(Double.self, backend: backend)
    }
}
