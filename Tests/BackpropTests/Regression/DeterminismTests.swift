import Backprop
import Testing

/// Determinism: the same training (same seeds, same data, same options) gives byte-identical
/// model files, run after run; another seed gives another file.

/// Trains a 2-8-1 tanh network on seeded moons with `options` (network initialised from
/// `initSeed`) and returns the model file's bytes, with metadata built in `metadataOrder`.
private func trainedModelBytes<T: BLASScalar>(
    _: T.Type, initSeed: UInt64, options: TrainingOptions, metadataOrder: [Int] = Array(0..<12)
) throws -> [UInt8] {
    let data: LabeledData<T> = Datasets.moons(samples: 40, noise: 0.1, seed: 5)
    var net = Network<T>(sizes: [2, 8, 1], hidden: .tanh, loss: .mse, seed: initSeed)
    _ = try Trainer.train(
        &net, inputs: data.features, targets: try data.binaryTargets(), options: options)
    // Caller metadata inserted in a given order: the file must not depend on dictionary order.
    var metadata: [String: String] = [:]
    for k in metadataOrder { metadata["key\(k)"] = "value \(k)" }
    return ModelFile.encode(net, metadata: metadata)
}

private func checkDeterminism<T: BLASScalar>(_: T.Type, backend: Backend) throws {
    let fullBatch = TrainingOptions(steps: 30, learningRate: 0.1, seed: 11, backend: backend)
    let miniBatch = TrainingOptions(
        steps: 30, learningRate: 0.1, batchSize: 7, seed: 11, backend: backend)
    for options in [fullBatch, miniBatch] {
        let first = try trainedModelBytes(T.self, initSeed: 3, options: options)
        let second = try trainedModelBytes(
            T.self, initSeed: 3, options: options, metadataOrder: Array((0..<12).reversed()))
        #expect(first.count > 8 + 8 * (2 * 8 + 8 + 8 + 1))
        #expect(first == second, "same seed, \(T.self), \(backend), batch \(String(describing: options.batchSize))")
        // Another initialisation seed: other weights, other bytes.
        let otherInit = try trainedModelBytes(T.self, initSeed: 4, options: options)
        #expect(otherInit != first)
        #expect(otherInit.count == first.count)  // same architecture, same layout
        // The file read back and written again is the same file.
        let loaded: LoadedModel<T> = try ModelFile.decode(
            try SafetensorsFile.decode(first), allowConversion: false)
        #expect(ModelFile.encode(loaded.network, metadata: loaded.metadata) == first)
    }
    // Mini-batch: the shuffling seed alone changes the result (the batches differ).
    var reshuffled = miniBatch
    reshuffled.seed = 12
    #expect(
        try trainedModelBytes(T.self, initSeed: 3, options: reshuffled)
            != trainedModelBytes(T.self, initSeed: 3, options: miniBatch))
    // Full batch: the shuffling seed is unused, so the file is the same.
    var fullOtherSeed = fullBatch
    fullOtherSeed.seed = 12
    #expect(
        try trainedModelBytes(T.self, initSeed: 3, options: fullOtherSeed)
            == trainedModelBytes(T.self, initSeed: 3, options: fullBatch))
}

@Test(arguments: Backend.allCases)
func sameSeedGivesByteIdenticalModelFiles(backend: Backend) throws {
    try checkDeterminism(Float.self, backend: backend)
    try checkDeterminism(Double.self, backend: backend)
}
