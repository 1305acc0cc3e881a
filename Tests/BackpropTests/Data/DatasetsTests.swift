import Backprop
import Testing

@Suite struct DatasetsTests {
    func checkShapeAndDeterminism<T: BLASScalar>(_: T.Type) throws {
        for name in Datasets.names {
            let a: LabeledData<T> = try Datasets.named(name, samples: 101, seed: 5)
            let b: LabeledData<T> = try Datasets.named(name, samples: 101, seed: 5)
            let c: LabeledData<T> = try Datasets.named(name, samples: 101, seed: 6)
            #expect(a.features.rows == 101 && a.features.cols == 2, "\(name)")
            #expect(a.features == b.features, "\(name): same seed, same data")
            #expect(a.features != c.features, "\(name): another seed, other data")
            #expect(a.classes == (0..<101).map { $0 % 2 }, "\(name)")
            #expect(a.classNames == ["-1", "1"] && a.featureNames == ["x1", "x2"])
            #expect(a.features.elements.allSatisfy { $0.isFinite })
        }
    }

    @Test func everyGeneratorIsSeededAndShaped() throws {
        try checkShapeAndDeterminism(Float.self)
        try checkShapeAndDeterminism(Double.self)
    }

    @Test func floatDataIsTheDoubleDataRounded() throws {
        for name in Datasets.names {
            let d: LabeledData<Double> = try Datasets.named(name, samples: 50, seed: 9)
            let f: LabeledData<Float> = try Datasets.named(name, samples: 50, seed: 9)
            #expect(f.features == d.features.converted(to: Float.self), "\(name)")
        }
    }

    @Test func blobsAreSeparatedWithTheDocumentedMargin() {
        for seed in UInt64(0)..<5 {
            let d: LabeledData<Double> = Datasets.blobs(samples: 300, separation: 3, noise: 1, seed: seed)
            let t = try! d.binaryTargets()
            var margin = Double.infinity
            for k in 0..<d.count {
                margin = min(margin, t[k, 0] * (0.8 * d.features[k, 0] + 0.6 * d.features[k, 1] - 1.4))
            }
            #expect(margin >= 3.0 / 4 - 1e-12, "seed \(seed): margin \(margin)")
        }
    }

    @Test func elongatedCloudsAreSeparatedAndLong() {
        let d: LabeledData<Double> = Datasets.elongated(samples: 400, seed: 2)
        let t = try! d.binaryTargets()
        var margin = Double.infinity
        var along: [Double] = []
        var across: [Double] = []
        for k in 0..<d.count {
            let (x, y) = (d.features[k, 0], d.features[k, 1])
            margin = min(margin, t[k, 0] * (-0.6 * x + 0.8 * y))
            along.append(0.8 * x + 0.6 * y)
            across.append(-0.6 * x + 0.8 * y - t[k, 0] * 0.5)
        }
        func sd(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        #expect(margin >= 0.1 - 1e-12)
        #expect(sd(along) > 10 * sd(across), "long and thin: \(sd(along)) vs \(sd(across))")
    }

    @Test func shapesOfTheNonlinearSets() {
        let circles: LabeledData<Double> = Datasets.circles(samples: 200, noise: 0, factor: 0.5, seed: 1)
        for k in 0..<circles.count {
            let r = (circles.features[k, 0] * circles.features[k, 0] + circles.features[k, 1] * circles.features[k, 1]).squareRoot()
            #expect(abs(r - (circles.classes[k] == 0 ? 1 : 0.5)) < 1e-12)
        }
        let xor: LabeledData<Double> = Datasets.xor(samples: 200, noise: 0, seed: 1)
        for k in 0..<xor.count {
            let positive = (xor.features[k, 0] > 0) != (xor.features[k, 1] > 0)
            #expect(positive == (xor.classes[k] == 1))
            #expect(abs(xor.features[k, 0]) == 1 && abs(xor.features[k, 1]) == 1)
        }
        let moons: LabeledData<Double> = Datasets.moons(samples: 200, noise: 0, seed: 1)
        for k in 0..<moons.count {
            let (x, y) = (moons.features[k, 0], moons.features[k, 1])
            let (cx, cy) = moons.classes[k] == 0 ? (0.0, 0.0) : (1.0, 0.5)
            #expect(abs(((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot() - 1) < 1e-12)
        }
    }

    @Test func unknownNamesAndTooFewSamples() {
        #expect(throws: DatasetError.unknown(name: "moonz")) {
            let _: LabeledData<Double> = try Datasets.named("moonz", samples: 10, seed: 0)
        }
        #expect(DatasetError.unknown(name: "moonz").description
            == "'moonz' is not a built-in dataset (built-in: blobs, elongated, xor, moons, circles, spirals)")
        #expect(throws: DatasetError.tooFewSamples(1)) {
            let _: LabeledData<Float> = try Datasets.named("xor", samples: 1, seed: 0)
        }
    }
}
