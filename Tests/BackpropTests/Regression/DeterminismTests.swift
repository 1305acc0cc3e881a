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

/// `bytes` as lower-case hex.
private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var s = ""
    s.reserveCapacity(2 * bytes.count)
    for b in bytes {
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 15)])
    }
    return s
}

/// The model file of a fixed mini-batch training, as one line of hex (run in exit-test children).
private func miniBatchModelHex() throws -> String {
    let options = TrainingOptions(steps: 30, learningRate: 0.1, batchSize: 7, seed: 11)
    return hex(try trainedModelBytes(Double.self, initSeed: 3, options: options))
}

/// "Run after run": two separate processes (each with its own random `Hasher` seed, so its own
/// dictionary orders) write the same bytes as this one.
@Test func sameSeedGivesByteIdenticalModelFilesAcrossProcesses() async throws {
    let expected = try miniBatchModelHex() + "\n"
    var outputs: [String] = []
    for _ in 0..<2 {
        let result = await #expect(
            processExitsWith: .success, observing: [\.standardOutputContent]
        ) {
            print(try miniBatchModelHex())
        }
        outputs.append(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self))
    }
    #expect(expected.count > 1000)
    #expect(outputs == [expected, expected])
}
