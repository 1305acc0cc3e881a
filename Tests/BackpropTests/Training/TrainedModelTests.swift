import Backprop
import Foundation
import Testing

@Suite struct TrainedModelTests {
    func roundTrip<T: BLASScalar>(_: T.Type) throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let data: LabeledData<T> = Datasets.moons(samples: 50, seed: 4)
        let model = TrainedModel(
            network: Network<T>(sizes: [2, 5, 2], hidden: .relu, loss: .softmax, seed: 9),
            standardizer: Standardizer(fitting: data.features), classNames: ["a,b", "c\"d"],
            featureNames: ["x1", "x2"],
            data: DataSettings(source: "moons", samples: 50, seed: 4, positive: "c\"d"))
        try model.save(to: folder.file("m.safetensors"))
        let back = try TrainedModel<T>.load(from: folder.file("m.safetensors"))
        #expect(back == model)  // standardisation statistics bit for bit, names with commas and quotes
        #expect(back.outputs(data.features) == model.network.forward(model.standardizer!.apply(to: data.features)))
        #expect(back.targetEncoding == .oneHot)
        // Saving again gives the same bytes.
        try back.save(to: folder.file("again.safetensors"))
        #expect(folder.bytes("m.safetensors") == folder.bytes("again.safetensors"))
    }

    @Test func savesAndLoadsEverything() throws {
        try roundTrip(Float.self)
        try roundTrip(Double.self)
    }

    @Test func targetEncodings() throws {
        #expect(try TargetEncoding.required(loss: .hinge, outputs: 1, classCount: 2) == .signed)
        #expect(try TargetEncoding.required(loss: .mse, outputs: 1, classCount: 2) == .signed)
        #expect(try TargetEncoding.required(loss: .mse, outputs: 3, classCount: 3) == .oneHot)
        #expect(try TargetEncoding.required(loss: .softmax, outputs: 2, classCount: 2) == .oneHot)
        #expect(throws: TargetEncodingError.binaryLossNeedsTwoClasses(loss: .logistic, classCount: 3)) {
            try TargetEncoding.required(loss: .logistic, outputs: 1, classCount: 3)
        }
        #expect(throws: TargetEncodingError.self) { try TargetEncoding.required(loss: .softmax, outputs: 2, classCount: 3) }
        #expect(throws: TargetEncodingError.self) { try TargetEncoding.required(loss: .mse, outputs: 2, classCount: 3) }
        let t: Matrix<Double> = TargetEncoding.signed.targets([0, 1, 1], classCount: 2)
        #expect(t.elements == [-1, 1, 1])
        let h: Matrix<Float> = TargetEncoding.oneHot.targets([2, 0], classCount: 3)
        #expect(h.elements == [0, 0, 1, 1, 0, 0])
    }

    @Test func predictionsAndClassMatching() throws {
        let model = TrainedModel(
            network: Network<Double>(sizes: [1, 1], loss: .hinge), classNames: ["neg", "pos"], featureNames: ["x"])
        #expect(model.predictedClasses(Matrix(column: [0.5, 0, -2])) == [1, 0, 0])
        let data = LabeledData<Double>(
            features: Matrix(column: [1, 2, 3]), classes: [0, 1, 0], classNames: ["pos", "neg"], featureNames: ["x"])
        #expect(try model.classIndices(of: data) == [1, 0, 1])
        let other = LabeledData<Double>(
            features: Matrix(column: [1]), classes: [0], classNames: ["maybe"], featureNames: ["x"])
        #expect(throws: TrainedModelError.unknownClass(name: "maybe", classes: ["neg", "pos"])) {
            try model.classIndices(of: other)
        }
    }

    @Test func invalidMetadataIsReported() throws {
        let folder = TestFolder()
        defer { folder.remove() }
        let net = Network<Float>(sizes: [2, 1], loss: .hinge, seed: 1)
        func check(_ metadata: [String: String], _ fragment: String) {
            let path = folder.file("bad.safetensors")
            do {
                try ModelFile.save(net, to: path, metadata: metadata)
                _ = try TrainedModel<Float>.load(from: path)
                Issue.record("no error for \(metadata)")
            } catch {
                #expect(String(describing: error).contains(fragment), "\(error)")
            }
        }
        let ok = ["classes": "[\"a\",\"b\"]", "features": "[\"x\",\"y\"]"]
        check([:], "has no \"classes\"")
        check(ok.merging(["classes": "[\"a\"]"]) { $1 }, "at least 2 distinct class names")
        check(ok.merging(["classes": "[\"a\",\"b\",\"c\"]"]) { $1 }, "classes that fit the loss")
        check(ok.merging(["classes": "nope"]) { $1 }, "a JSON array of strings")
        check(ok.merging(["features": "[\"x\"]"]) { $1 }, "a JSON array of 2 strings")
        check(ok.merging(["standardize.means": "[0,0]"]) { $1 }, "has no \"standardize.deviations\"")
        check(ok.merging(["standardize.means": "[0,0]", "standardize.deviations": "[1,-1]"]) { $1 }, "finite numbers ≥ 0")
        check(ok.merging(["standardize.means": "[0,1e999]", "standardize.deviations": "[1,1]"]) { $1 }, "finite numbers")
        check(ok.merging(["data.source": "moons", "data.samples": "x"]) { $1 }, "an integer ≥ 2")
    }
}
