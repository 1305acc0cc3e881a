// Train a small network on the two-moons data set, report its accuracy and save it.
// Run: swift run -c release TrainMoons [model.safetensors]
import Backprop

// 1. Data: 400 seeded points, two classes, targets t ∈ {−1, +1}.
let train: LabeledData<Float> = Datasets.moons(samples: 400, noise: 0.1, seed: 1)
let test: LabeledData<Float> = Datasets.moons(samples: 400, noise: 0.1, seed: 2)
let t = try train.binaryTargets()

// 2. A 2-16-16-1 network: tanh hidden layers, linear output, logistic loss, Glorot init.
var net = Network<Float>(sizes: [2, 16, 16, 1], hidden: .tanh, loss: .logistic, seed: 7)

// 3. The gradient: backpropagation through BLAS, checked against float64 finite differences.
let check = GradientCheck.compare(
    analytic: net.converted(to: Double.self).gradient(
        train.features.converted(), t.converted()).gradient,
    numerical: net.numericalGradient(train.features, t))
print("gradient check: max relative error \(check.maxRelativeError)")

// 4. Full-batch gradient descent, θ ← θ − γ∇E(θ), 2000 steps.
let result = try Trainer.train(
    &net, inputs: train.features, targets: t,
    options: TrainingOptions(steps: 2000, learningRate: 0.5, backend: .blas))
print("training loss: \(result.history.first!.loss) → \(result.history.last!.loss)")

// 5. Accuracy on held-out points.
let y = net.forward(test.features)
let accuracy = net.loss.accuracy(y, try test.binaryTargets())
print("test accuracy: \(accuracy)")

// 6. Save (safetensors, written atomically) and load back.
let path = CommandLine.arguments.dropFirst().first ?? "moons.safetensors"
try ModelFile.save(net, to: path)
let loaded = try ModelFile.load(Float.self, from: path)
precondition(loaded.network == net, "the saved model must load back identically")
print("saved \(path)")
