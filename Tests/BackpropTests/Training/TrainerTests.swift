import Backprop
import Testing

/// The four XOR points with targets in {−1, +1}.
private func xorData<T: BLASScalar>(_: T.Type) -> (Matrix<T>, Matrix<T>) {
    (Matrix<T>([[0, 0], [0, 1], [1, 0], [1, 1]]), Matrix<T>(column: [-1, 1, 1, -1]))
}

private func trainsXOR<T: BLASScalar>(_: T.Type, backend: Backend) throws {
    let (x, t) = xorData(T.self)
    var net = Network<T>(sizes: [2, 8, 1], hidden: .tanh, loss: .mse, seed: 3)
    let before = net.loss(x, t, backend: backend)
    let result = try Trainer.train(
        &net, inputs: x, targets: t,
        options: TrainingOptions(steps: 2000, learningRate: 0.2, backend: backend))
    #expect(result.stepsRun == 2000)
    #expect(result.stopReason == .completedSteps)
    let y = net.forward(x, backend: backend)
    #expect(net.loss.accuracy(y, t) == 1)
    #expect(net.loss(x, t, backend: backend) < before / 10)
    // Full batch: step t's recorded loss is E(θ_{t−1}), so the first record is the initial loss.
    #expect(result.history[0].loss == Double(before))
}

@Test(arguments: Backend.allCases)
func fullBatchTrainingLearnsXOR(backend: Backend) throws {
    try trainsXOR(Float.self, backend: backend)
    try trainsXOR(Double.self, backend: backend)
}

@Test func fullBatchStepIsExactlyGradientDescent() throws {
    let (x, t) = xorData(Double.self)
    let net0 = Network<Double>(sizes: [2, 3, 1], hidden: .tanh, loss: .hinge, seed: 9)
    var trained = net0
    _ = try Trainer.train(&trained, inputs: x, targets: t, options: TrainingOptions(steps: 1, learningRate: 0.5))
    var manual = net0
    manual.update(by: net0.gradient(x, t).gradient, learningRate: 0.5)
    #expect(trained.parameters == manual.parameters)
}

@Test func miniBatchTrainingIsReproducibleBitForBit() throws {
    var g = SeededGenerator(seed: 5)
    let x = Matrix<Float>.random(rows: 37, cols: 3, in: -1...1, using: &g)
    let t = Matrix<Float>(column: (0..<37).map { x[$0, 0] * x[$0, 1] > 0 ? 1 : -1 })
    func run(seed: UInt64) throws -> [Float] {
        var net = Network<Float>(sizes: [3, 6, 1], hidden: .tanh, loss: .logistic, seed: 1)
        let r = try Trainer.train(
            &net, inputs: x, targets: t,
            options: TrainingOptions(steps: 25, learningRate: 0.3, batchSize: 8, seed: seed))
        #expect(r.stepsRun == 25)
        return net.parameters
    }
    let a = try run(seed: 42)
    let b = try run(seed: 42)
    let c = try run(seed: 43)
    #expect(a == b)
    #expect(a != c)  // the shuffling seed matters
}

@Test func earlyStopWhenAllCorrectIsOffByDefaultAndWorksWhenAsked() throws {
    let (x, t) = xorData(Double.self)
    var net = Network<Double>(sizes: [2, 8, 1], hidden: .tanh, loss: .mse, seed: 3)
    let r = try Trainer.train(
        &net, inputs: x, targets: t,
        options: TrainingOptions(steps: 5000, learningRate: 0.2, stopWhenAllCorrect: true))
    #expect(r.stopReason == .allCorrect)
    #expect(r.stepsRun < 5000)
    #expect(net.loss.accuracy(net.forward(x), t) == 1)
}

@Test func divergenceStopsWithTheStepAndKeepsFiniteParameters() {
    let (x, t) = xorData(Float.self)
    var net = Network<Float>(sizes: [2, 4, 1], hidden: .identity, loss: .mse, seed: 2)
    var caught: TrainingDivergedError?
    do {
        _ = try Trainer.train(&net, inputs: x.map { $0 * 1000 }, targets: t, options: TrainingOptions(steps: 200, learningRate: 1e3))
    } catch {
        caught = error
    }
    #expect(caught != nil)
    #expect(caught.map { $0.step > 1 && $0.description.contains("smaller learning rate") } == true)
    #expect(net.parameters.allSatisfy { $0.isFinite })
}

@Test func interruptionStopsCleanly() throws {
    let (x, t) = xorData(Double.self)
    var net = Network<Double>(sizes: [2, 4, 1], seed: 1)
    var calls = 0
    let r = try Trainer.train(
        &net, inputs: x, targets: t, options: TrainingOptions(steps: 100, learningRate: 0.1),
        progressEvery: 10
    ) { p in
        calls += 1
        #expect(p.step == calls * 10)
        return p.step < 30
    }
    #expect(r.stopReason == .interrupted)
    #expect(r.stepsRun == 30)
}
