import ArgumentParser
import Backprop
import Foundation

/// `backprop train`: the lecture's gradient descent on labelled data; saves the model and prints
/// a summary as one JSON object on stdout:
///
///     {"model": path, "steps": s, "stop_reason": r, "loss": E, "accuracy": a, "n": N,
///      "seconds": t[, "plot": path]}
///
/// `loss` and `accuracy` are those of the saved parameters on the whole training set.
///
/// Guarantees:
/// - `--out` (and `--plot`, `--init`) are checked before any work; every write is atomic
///   (temporary file + rename), so an existing file is replaced only by a complete new one.
/// - Divergence (NaN/∞ loss or parameter): the error names the step and suggests a smaller
///   learning rate; nothing is written at `--out` (checkpoints written earlier hold finite
///   parameters), exit status 1.
/// - Ctrl-C (SIGINT) or SIGTERM: training stops at the next step boundary, the parameters of the
///   last completed step are saved like a normal result (summary with `"stop_reason":
///   "interrupted"`), and the exit status is 130.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network by gradient descent and save it as a safetensors model file.",
        discussion: """
            Every step is θ ← θ − γ∇E(θ) over all rows (full batch) unless --batch is given. Exit \
            status: 0 done, 1 error (nothing written), 130 interrupted by Ctrl-C (model saved).
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp(
        "Layer sizes, input first, e.g. 2,16,16,1 (required unless --init is given).", valueName: "sizes"))
    var layers: String?

    @Option(help: "Hidden-layer activation (the output layer is identity). Default: tanh, or the --init model's.")
    var activation: Activation?

    @Option(help: "Loss. Default: mse, or the --init model's.")
    var loss: Loss?

    @Option(name: .customLong("lr"), help: ArgumentHelp("The learning rate γ > 0.", valueName: "γ"))
    var learningRate: String = "0.1"

    @Option(help: "Number of gradient steps T (≥ 1).")
    var steps: Int = 1000

    @Option(help: "Rows per mini-batch (≥ 1; reshuffled each epoch from --seed). Default: full batch.")
    var batch: Int?

    @Option(help: "Seed of the initial weights and of the mini-batch shuffling.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp(
        "Compute each batch gradient as the sum of S fixed row shards added in shard order (the same bits alone or under mpirun with backprop-mpi, for any rank count ≤ S).",
        valueName: "S"))
    var shards: Int?

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start from the parameters (and standardisation) of this model file.", valueName: "model"))
    var initModel: String?

    @Option(help: "Random initialisation of the weights (biases start at 0).")
    var initialization: Initialization = .glorot

    @Option(help: "f32 or f64.")
    var precision: Precision = .f32

    @Option(help: "blas or naive.")
    var backend: Backend = .blas

    @Flag(help: "Standardise the features (statistics saved with the model and used by eval/predict/grad).")
    var standardize = false

    @Flag(help: "Stop as soon as every training point is classified correctly.")
    var stopWhenCorrect = false

    @Option(help: ArgumentHelp("Stop as soon as the training loss is below x.", valueName: "x"))
    var lossTolerance: Double?

    @Option(help: ArgumentHelp("Rewrite --out (atomically) every K steps.", valueName: "K"))
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp(
        "Steps between progress lines when stderr is not a terminal (default: steps/10).", valueName: "K"))
    var progressEvery: Int?

    @Flag(help: "Progress as one JSON object per line on stderr.")
    var json = false

    @Option(help: ArgumentHelp("The model file to write.", valueName: "model.safetensors"))
    var out: String

    @Option(help: ArgumentHelp(
        "Also draw the decision regions of 2-D data (.png or .svg).", valueName: "file.png|file.svg"))
    var plot: String?

    func validate() throws {
        if let layers { _ = try CommandArguments.layers(layers) }
        if layers == nil && initModel == nil {
            throw ValidationError("give --layers (e.g. --layers 2,16,1) or --init MODEL")
        }
        _ = try CommandArguments.positiveNumber(learningRate, option: "--lr")
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, got \(shards)") }
        if let k = checkpointEvery, k < 1 { throw ValidationError("--checkpoint-every must be at least 1, got \(k)") }
        if let k = progressEvery, k < 1 { throw ValidationError("--progress-every must be at least 1, got \(k)") }
        if let x = lossTolerance, !(x.isFinite && x >= 0) {
            throw ValidationError("--loss-tolerance must be a finite number ≥ 0, got \(x)")
        }
        if let plot {
            let ext = plot.split(separator: ".").last.map { $0.lowercased() }
            if plot.split(separator: "/").last?.contains(".") != true || (ext != "png" && ext != "svg") {
                throw ValidationError("--plot must name a .png or .svg file, got '\(plot)'")
            }
            if plot == out { throw ValidationError("--plot and --out must be different files") }
        }
        if let samples = dataOptions.samples, samples < 2 {
            throw ValidationError("--samples must be at least 2, got \(samples)")
        }
    }

    func run() throws {
        try CommandOutput.run {
            switch precision {
            case .f32: try train(Float.self)
            case .f64: try train(Double.self)
            }
        }
    }

    private func train<T: BLASScalar>(_: T.Type) throws {
        let clock = ContinuousClock()
        let started = clock.now
        // Under MPI every rank prepares the same run; a problem on any rank ends them all here,
        // before the first collective, and rank 0 alone writes and prints.
        let cluster = Cluster.current
        if let shards, shards < cluster.size {  // the same on every rank: no collective needed
            throw CLIError(
                "--shards \(shards) is less than the \(cluster.size) ranks; use --shards S with S ≥ ranks (a multiple of every rank count you use, e.g. 4)")
        }
        let prepared: Prepared<T>
        do {
            prepared = try prepare(T.self, leader: cluster.isLeader)
        } catch {
            if cluster.size == 1 { throw error }
            try cluster.agree(on: "\(error)")
            throw error
        }
        if cluster.size > 1 { try cluster.agree(on: nil) }
        let (gamma, data, classes, x, t, model) = (
            prepared.gamma, prepared.data, prepared.classes, prepared.x, prepared.t, prepared.model)
        var network = prepared.network

        // 5. Train, reporting progress, checkpointing and watching for Ctrl-C.
        let options = TrainingOptions(
            steps: steps, learningRate: gamma, batchSize: batch, seed: seed,
            stopWhenAllCorrect: stopWhenCorrect, lossTolerance: lossTolerance, backend: backend)
        let reporter = ProgressReporter(
            mode: ProgressReporter.mode(json: json), every: progressEvery ?? max(1, steps / 10))
        InterruptSignal.install()
        var checkpointError: Error?
        var lastCheckpoint: Int?
        let observe = { (progress: TrainingProgress, current: Network<T>) -> Bool in
            guard cluster.isLeader else { return true }
            reporter.report(progress)
            if let k = checkpointEvery, progress.step % k == 0, progress.step < steps {
                do {
                    try model(current).save(to: out)
                    lastCheckpoint = progress.step
                } catch {
                    checkpointError = error
                    return false
                }
            }
            return !InterruptSignal.requested
        }
        let result: TrainingResult
        do {
            if let shards {
                func sharded<C: GradientCombiner>(_ combiner: C) throws -> TrainingResult {
                    var source = ShardedGradientSource(
                        network: network, batchSize: min(batch ?? x.rows, x.rows), shards: shards,
                        combiner: combiner)
                    return try Trainer.train(
                        &network, inputs: x, targets: t, options: options, source: &source,
                        progressEvery: 1, observe: observe)
                }
                result = try sharded(cluster.combiner)
            } else {
                result = try Trainer.train(
                    &network, inputs: x, targets: t, options: options, progressEvery: 1,
                    observe: observe)
            }
        } catch let diverged as TrainingDivergedError {
            reporter.finish()
            let kept = lastCheckpoint.map { "\(out) holds the checkpoint of step \($0) (finite parameters)" }
                ?? "nothing was written to \(out)"
            throw CLIError(
                "training diverged at step \(diverged.step): \(diverged.what) became NaN or infinite with learning rate \(learningRate); try a smaller --lr (e.g. \(String(format: "%g", gamma / 10))); \(kept)")
        }
        reporter.finish()
        if let checkpointError { throw checkpointError }

        // 6. Final figures on the whole training set; refuse to save an overflowed model.
        let y = network.forward(x, backend: backend)
        let finalLoss = network.loss.value(y, t)
        if !finalLoss.isFinite {
            throw CLIError(
                "training diverged after step \(result.stepsRun): the loss of the final parameters is NaN or infinite with learning rate \(learningRate); try a smaller --lr (e.g. \(String(format: "%g", gamma / 10))); "
                    + (lastCheckpoint.map { "\(out) holds the checkpoint of step \($0) (finite parameters)" } ?? "nothing was written to \(out)"))
        }
        guard cluster.isLeader else { return }
        let accuracy = network.loss.accuracy(y, t)
        let trained = model(network)
        try trained.save(to: out)
        if let plot { try Self.drawPlot(trained, data: data, classes: classes, to: plot, accuracy: accuracy) }

        let elapsed = (clock.now - started).seconds
        var summary: [(String, JSONValue)] = [
            ("model", .string(out)), ("steps", .int(result.stepsRun)),
            ("stop_reason", .string(result.stopReason.rawValue)),
            ("loss", try .number(finalLoss, "the final loss")), ("accuracy", try .number(accuracy)),
            ("n", .int(data.count)),
            ("seconds", try .number(elapsed)),
        ]
        if let plot { summary.append(("plot", .string(plot))) }
        CommandOutput.print(.object(summary))
        if result.stopReason == .interrupted {
            FileHandle.standardError.write(Data(
                "backprop: interrupted after step \(result.stepsRun); the model of that step was saved to \(out)\n".utf8))
            throw ExitCode(InterruptSignal.exitStatus)
        }
    }

    /// What a run needs before its first step.
    private struct Prepared<T: BLASScalar> {
        var gamma: Double
        var data: LabeledData<T>
        var classes: [Int]
        var x: Matrix<T>
        var t: Matrix<T>
        var network: Network<T>
        var model: (Network<T>) -> TrainedModel<T>
    }

    /// Steps 1–4: output paths (on the leader, who writes), the starting model, the data checked
    /// against the architecture, inputs and targets.
    private func prepare<T: BLASScalar>(_: T.Type, leader: Bool) throws -> Prepared<T> {
        // 1. Every output path before any work.
        if leader {
            try AtomicFile.checkWritable(out)
            if let plot { try AtomicFile.checkWritable(plot) }
        }
        let gamma = try CommandArguments.positiveNumber(learningRate, option: "--lr")

        // 2. The starting model, if any, and the architecture.
        let initial: TrainedModel<T>? = try initModel.map { try TrainedModel<T>.load(from: $0) }
        let sizes: [Int]
        if let initial {
            let initSizes = initial.network.sizes
            if let layers, try CommandArguments.layers(layers) != initSizes {
                throw CLIError(
                    "--init \(initModel!) has layers \(CommandArguments.layersText(initSizes)) but --layers is \(layers); drop --layers or make it match")
            }
            let hidden = initial.network.layers.dropLast().map(\.activation)
            if let activation, let other = hidden.first(where: { $0 != activation }) {
                throw CLIError(
                    "--init \(initModel!) uses the activation \(other.rawValue) but --activation is \(activation.rawValue); drop --activation or make it match")
            }
            sizes = initSizes
        } else {
            sizes = try CommandArguments.layers(layers!)
        }
        let lossFunction = loss ?? initial?.network.loss ?? .mse

        // 3. Data, checked against the architecture.
        let data: LabeledData<T> = try dataOptions.load(binary: lossFunction.isBinary && initial == nil)
        if data.dimension != sizes[0] {
            throw CLIError(
                "the data \(dataOptions.dataName) has \(data.dimension) feature\(data.dimension == 1 ? "" : "s") but the first layer size is \(sizes[0]); make --layers start with \(data.dimension)")
        }
        let classNames = initial?.classNames ?? data.classNames
        let classes = try initial?.classIndices(of: data) ?? data.classes
        let encoding = try TargetEncoding.required(loss: lossFunction, outputs: sizes.last!, classCount: classNames.count)
        if plot != nil && sizes[0] != 2 {
            throw CLIError("--plot draws 2-D data, but the data has \(sizes[0]) features; drop --plot")
        }

        // 4. Model, inputs and targets.
        let standardizer = initial?.standardizer ?? (standardize ? Standardizer(fitting: data.features) : nil)
        var network: Network<T>
        if var start = initial?.network {
            start.loss = lossFunction
            network = start
        } else {
            network = Network(
                sizes: sizes, hidden: activation ?? .tanh, output: .identity, loss: lossFunction,
                initialization: initialization, seed: seed)
        }
        let settings: DataSettings
        switch dataOptions.source {
        case .builtin(let name):
            settings = DataSettings(
                source: name, samples: dataOptions.samples ?? DataOptions.defaultSamples,
                seed: dataOptions.dataSeed ?? DataOptions.defaultDataSeed, positive: dataOptions.positive)
        case .csv(let path):
            settings = DataSettings(source: path, labelColumn: dataOptions.label, positive: dataOptions.positive)
        }
        func model(_ net: Network<T>) -> TrainedModel<T> {
            TrainedModel(
                network: net, standardizer: standardizer, classNames: classNames,
                featureNames: data.featureNames, data: settings)
        }
        let x = standardizer?.apply(to: data.features) ?? data.features
        let t: Matrix<T> = encoding.targets(classes, classCount: classNames.count)
        return Prepared(gamma: gamma, data: data, classes: classes, x: x, t: t, network: network, model: model)
    }

    /// Decision regions (two classes) or class regions (more) of a 2-D model, in the data's units.
    static func drawPlot<T: BLASScalar>(
        _ model: TrainedModel<T>, data: LabeledData<T>, classes: [Int], to path: String, accuracy: Double
    ) throws {
        let title = "\(CommandArguments.layersText(model.network.sizes)) \(model.network.loss.rawValue): training accuracy \(String(format: "%.1f", accuracy * 100)) %"
        let figure: Figure
        if model.classNames.count == 2 {
            figure = Figure.decisionRegions(points: data.features, classes: classes, title: title) { grid in
                let y = model.outputs(grid.converted(to: T.self))
                return (0..<y.rows).map { y.cols == 1 ? Double(y[$0, 0]) : Double(y[$0, 1] - y[$0, 0]) }
            }
        } else {
            figure = Figure.classRegions(points: data.features, classes: classes, title: title) { grid in
                model.predictedClasses(model.outputs(grid.converted(to: T.self)))
            }
        }
        if path.lowercased().hasSuffix(".svg") {
            try figure.writeSVG(to: path)
        } else {
            try figure.writePNG(to: path)
        }
    }
}
