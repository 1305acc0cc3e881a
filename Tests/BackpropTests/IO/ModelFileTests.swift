import Backprop
import Foundation
import Testing

/// Expects `body` to throw a ``ModelFileError`` for which `matches` holds; returns its message.
@discardableResult
func expectModelError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void,
    _ matches: (ModelFileError) -> Bool
) -> String {
    do {
        try body()
        Issue.record("no error thrown", sourceLocation: sourceLocation)
        return ""
    } catch let error as ModelFileError {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        return error.description
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

@Suite struct ModelFileTests {
    func sampleNetwork<T: BLASScalar>(_: T.Type) -> Network<T> {
        var net = Network<T>(sizes: [2, 5, 3, 1], hidden: .tanh, output: .identity, loss: .hinge, seed: 42)
        // Non-zero biases so that they are really stored, and a mask on the middle layer.
        for l in net.layers.indices {
            net.layers[l].bias = Matrix.random(rows: 1, cols: net.layers[l].outputSize, seed: UInt64(l + 7))
        }
        var mask = Matrix<T>(rows: 5, cols: 3, repeating: 1)
        mask[0, 1] = 0
        mask[4, 2] = 0
        net.layers[1].setMask(mask)
        net.layers[2].activation = .sigmoid
        return net
    }

    func roundTrip<T: BLASScalar>(_: T.Type) throws {
        let dir = TestFolder()
        defer { dir.remove() }
        let net = sampleNetwork(T.self)
        let extra = ["standardize.mean": "[0.5,-1]", "classes": "[\"no\",\"yes\"]"]
        let path = dir.file("m.safetensors")
        try ModelFile.save(net, to: path, metadata: extra)
        let loaded = try ModelFile.load(T.self, from: path)
        #expect(loaded.network == net)
        #expect(loaded.metadata == extra)
        #expect(loaded.storedDType == SafetensorsDType.of(T.self))
        #expect(loaded.network.layers[1].mask == net.layers[1].mask)
        #expect(loaded.network.layers[0].mask == nil)
        // Bit-identical parameters: re-encoding gives the same bytes as the file on disk.
        #expect(ModelFile.encode(loaded.network, metadata: loaded.metadata) == dir.bytes("m.safetensors"))
        // The stored tensors have the documented names, shapes and dtype.
        let raw = try SafetensorsFile.read(from: path)
        #expect(raw.tensors.keys.sorted() == [
            "layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.mask", "layers.1.weight",
            "layers.2.bias", "layers.2.weight",
        ])
        #expect(raw.tensors["layers.0.weight"]!.shape == [2, 5])
        #expect(raw.tensors["layers.2.bias"]!.shape == [1])
        #expect(raw.tensors["layers.0.weight"]!.values(as: T.self) == net.layers[0].weight.elements)
        #expect(raw.metadata["backprop.format"] == "1")
        #expect(raw.metadata["backprop.sizes"] == "[2,5,3,1]")
        #expect(raw.metadata["backprop.activations"] == #"["tanh","tanh","sigmoid"]"#)
        #expect(raw.metadata["backprop.loss"] == "hinge")
    }

    @Test func roundTripFloat() throws { try roundTrip(Float.self) }
    @Test func roundTripDouble() throws { try roundTrip(Double.self) }

    @Test func sameNetworkGivesSameBytes() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        var m1: [String: String] = [:]
        var m2: [String: String] = [:]
        for i in 0..<20 { m1["k\(i)"] = "\(i)" }
        for i in (0..<20).reversed() { m2["k\(i)"] = "\(i)" }
        try ModelFile.save(sampleNetwork(Double.self), to: dir.file("a"), metadata: m1)
        try ModelFile.save(sampleNetwork(Double.self), to: dir.file("b"), metadata: m2)
        #expect(dir.bytes("a") == dir.bytes("b"))
        #expect(dir.bytes("a")!.count > 200)
    }

    @Test func convertsPrecisionOnRequest() throws {
        let net = sampleNetwork(Double.self)
        let file = ModelFile.container(net)
        let asFloat: LoadedModel<Float> = try ModelFile.decode(file)
        #expect(asFloat.storedDType == .f64)
        #expect(asFloat.network.layers[0].weight.elements == net.layers[0].weight.elements.map { Float($0) })
        let floatNet = sampleNetwork(Float.self)
        let asDouble: LoadedModel<Double> = try ModelFile.decode(ModelFile.container(floatNet))
        #expect(asDouble.network.layers[2].bias.elements == floatNet.layers[2].bias.elements.map { Double($0) })
        expectModelError({ let _: LoadedModel<Float> = try ModelFile.decode(file, allowConversion: false) }) {
            $0 == .precisionMismatch(path: "<memory>", stored: "F64", requested: "F32")
        }
    }

    /// A valid container for a small network, for corrupting.
    func valid() -> SafetensorsFile {
        ModelFile.container(Network<Float>(sizes: [2, 3, 1], loss: .logistic, seed: 3), metadata: ["user": "x"])
    }

    func decodes(_ file: SafetensorsFile) throws {
        let _: LoadedModel<Float> = try ModelFile.decode(file, source: "m.safetensors")
    }

    @Test func rejectsBadMetadata() {
        for key in ["backprop.format", "backprop.sizes", "backprop.activations", "backprop.loss"] {
            var f = valid()
            f.metadata[key] = nil
            let message = expectModelError({ try decodes(f) }) { $0 == .missingMetadata(path: "m.safetensors", key: key) }
            #expect(message.contains("m.safetensors") && message.contains(key))
        }
        var f = valid()
        f.metadata["backprop.format"] = "2"
        expectModelError({ try decodes(f) }) { $0 == .unsupportedFormat(path: "m.safetensors", found: "2") }
        for sizes in ["[2,3]", "[2,0,1]", "2,3,1", "[2,3,1.5]", "[2]", "[\"2\",3,1]", "[2,3,99999999999]"] {
            f = valid()
            f.metadata["backprop.sizes"] = sizes
            expectModelError({ try decodes(f) }) {
                if case .invalidMetadata(_, "backprop.sizes", sizes, _) = $0 { true }
                else if case .invalidMetadata(_, "backprop.activations", _, _) = $0 { sizes == "[2,3]" }
                else { false }
            }
        }
        f = valid()
        f.metadata["backprop.activations"] = #"["tanh","swish"]"#
        let act = expectModelError({ try decodes(f) }) { $0 == .unknownActivation(path: "m.safetensors", layer: 1, name: "swish") }
        #expect(act.contains("swish") && act.contains("tanh"))
        f.metadata["backprop.activations"] = #"["tanh"]"#
        expectModelError({ try decodes(f) }) { if case .invalidMetadata(_, "backprop.activations", _, _) = $0 { true } else { false } }
        // A loss that contradicts the output count would trap later, so it is rejected here.
        f = valid()
        f.metadata["backprop.loss"] = "softmax"
        let softmax = expectModelError({ try decodes(f) }) { if case .invalidMetadata(_, "backprop.sizes", "[2,3,1]", _) = $0 { true } else { false } }
        #expect(softmax.contains("softmax"))
        var wide = ModelFile.container(Network<Float>(sizes: [2, 3], loss: .mse, seed: 1))
        wide.metadata["backprop.loss"] = "hinge"
        expectModelError({ try decodes(wide) }) { if case .invalidMetadata(_, "backprop.sizes", "[2,3]", _) = $0 { true } else { false } }
        f = valid()
        f.metadata["backprop.loss"] = "cross-entropy"
        expectModelError({ try decodes(f) }) { $0 == .unknownLoss(path: "m.safetensors", name: "cross-entropy") }
    }

    @Test func rejectsTensorsThatContradictTheArchitecture() {
        var f = valid()
        f.metadata["backprop.sizes"] = "[2,4,1]"
        let shape = expectModelError({ try decodes(f) }) {
            $0 == .shapeMismatch(path: "m.safetensors", tensor: "layers.0.bias", expected: [4], found: [3])
        }
        #expect(shape.contains("[4]") && shape.contains("[3]"))
        f = valid()
        f.tensors["layers.0.weight"] = SafetensorsTensor(shape: [3, 2], values: [Float](repeating: 0, count: 6))
        expectModelError({ try decodes(f) }) {
            $0 == .shapeMismatch(path: "m.safetensors", tensor: "layers.0.weight", expected: [2, 3], found: [3, 2])
        }
        f = valid()
        f.tensors["layers.1.bias"] = nil
        expectModelError({ try decodes(f) }) { $0 == .missingTensor(path: "m.safetensors", name: "layers.1.bias") }
        f = valid()
        f.tensors["layers.2.weight"] = SafetensorsTensor(shape: [1, 1], values: [Float(1)])
        expectModelError({ try decodes(f) }) { $0 == .unexpectedTensor(path: "m.safetensors", name: "layers.2.weight") }
        f = valid()
        f.tensors["layers.1.bias"] = SafetensorsTensor(shape: [1], values: [Double(1)])
        expectModelError({ try decodes(f) }) { if case .mixedDTypes(_, "layers.1.bias", "F64", "F32") = $0 { true } else { false } }
        f = valid()
        f.tensors["layers.0.weight"] = SafetensorsTensor(shape: [2, 3], values: [Float](arrayLiteral: 0, 1, 2, .nan, 4, 5))
        expectModelError({ try decodes(f) }) { $0 == .nonFiniteParameter(path: "m.safetensors", tensor: "layers.0.weight", index: 3) }
        f = valid()
        f.tensors["layers.1.mask"] = SafetensorsTensor(shape: [3, 1], values: [Float](arrayLiteral: 1, 0.5, 1))
        expectModelError({ try decodes(f) }) { if case .invalidMask(_, "layers.1.mask", 1, _) = $0 { true } else { false } }
        f = valid()
        f.tensors["layers.1.mask"] = SafetensorsTensor(shape: [3, 1], values: [Float](arrayLiteral: 1, 0, 1))
        expectModelError({ try decodes(f) }) { if case .invalidMask(_, "layers.1.weight", 1, _) = $0 { true } else { false } }
        // F64 values too large for Float are non-finite after the requested conversion.
        var big = ModelFile.container(Network<Double>(sizes: [1, 1], seed: 1))
        big.tensors["layers.0.bias"] = SafetensorsTensor(shape: [1], values: [1e300])
        expectModelError({ let _: LoadedModel<Float> = try ModelFile.decode(big) }) {
            if case .nonFiniteParameter(_, "layers.0.bias", 0) = $0 { true } else { false }
        }
    }

    @Test func corruptFilesOnDiskGiveContainerErrors() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        let path = dir.file("m.safetensors")
        try ModelFile.save(Network<Double>(sizes: [2, 4, 1], seed: 5), to: path)
        let good = dir.bytes("m.safetensors")!
        dir.write(Array(good.dropLast(5)), "m.safetensors")
        #expect(throws: SafetensorsError.truncated(path: path, expectedDataBytes: 136, actualDataBytes: 131)) {
            try ModelFile.load(Double.self, from: path)
        }
        #expect(throws: SafetensorsError.fileMissing(path: dir.file("none"))) { try ModelFile.load(Double.self, from: dir.file("none")) }
        // A failed save (folder missing) leaves nothing behind and changes nothing.
        #expect(throws: AtomicFileError.self) {
            try ModelFile.save(Network<Double>(sizes: [2, 1], seed: 5), to: dir.file("missing/m.safetensors"))
        }
        #expect(dir.entries() == ["m.safetensors"])
        #expect(dir.bytes("m.safetensors") == Array(good.dropLast(5)))
    }
}

@Suite struct ModelFileMutationTests {
    /// Seeded random damage to a valid model file (byte flips, truncation, insertions, header
    /// digit edits) must always end in a typed error or a valid network — never a trap.
    @Test func randomlyDamagedFilesNeverTrap() {
        let good = ModelFile.encode(Network<Float>(sizes: [2, 4, 1], loss: .hinge, seed: 8), metadata: ["k": "v"])
        var g = SeededGenerator(seed: 2024)
        var containerErrors = 0, modelErrors = 0, accepted = 0
        for _ in 0..<4000 {
            var b = good
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                switch Int.random(in: 0..<4, using: &g) {
                case 0: b[Int.random(in: 0..<b.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                case 1: b.removeLast(Int.random(in: 0..<min(b.count, 64), using: &g))
                case 2: b.insert(UInt8.random(in: 0...255, using: &g), at: Int.random(in: 0...b.count, using: &g))
                default:
                    // Replace a header digit by another digit (offsets, shapes, sizes).
                    let digits = (8..<min(b.count, 300)).filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
                    if let k = digits.randomElement(using: &g) { b[k] = UInt8.random(in: 0x30...0x39, using: &g) }
                }
                if b.isEmpty { break }
            }
            do {
                let file = try SafetensorsFile.decode(b)
                do {
                    let _: LoadedModel<Double> = try ModelFile.decode(file)
                    accepted += 1
                } catch is ModelFileError {
                    modelErrors += 1
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            } catch {
                containerErrors += 1
            }
        }
        #expect(containerErrors > 1000)
        #expect(modelErrors > 10)
        #expect(accepted > 10)  // flips inside the tensor data still give a valid file
    }
}
