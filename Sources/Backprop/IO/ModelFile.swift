import Foundation

/// What is wrong with a model file beyond the safetensors container itself (which reports
/// ``SafetensorsError``): missing or invalid architecture metadata, tensors that contradict it.
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required metadata key is absent (the file was not written by Backprop, or was edited).
    case missingMetadata(path: String, key: String)
    /// `backprop.format` names a version this build does not read.
    case unsupportedFormat(path: String, found: String)
    /// A metadata value cannot be parsed.
    case invalidMetadata(path: String, key: String, value: String, expected: String)
    /// An activation name that is not an ``Activation``.
    case unknownActivation(path: String, layer: Int, name: String)
    /// A loss name that is not a ``Loss``.
    case unknownLoss(path: String, name: String)
    /// A tensor the architecture needs is absent.
    case missingTensor(path: String, name: String)
    /// A tensor that the architecture does not have.
    case unexpectedTensor(path: String, name: String)
    /// A tensor's shape differs from the one the layer sizes give.
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// Tensors stored in different dtypes.
    case mixedDTypes(path: String, tensor: String, dtype: String, expected: String)
    /// The stored dtype differs from the requested precision and conversion was not allowed.
    case precisionMismatch(path: String, stored: String, requested: String)
    /// A parameter is NaN or infinite.
    case nonFiniteParameter(path: String, tensor: String, index: Int)
    /// A mask entry other than 0 or 1, or a masked weight that is not zero.
    case invalidMask(path: String, tensor: String, index: Int, detail: String)

    public var description: String {
        switch self {
        case .missingMetadata(let p, let k):
            return "\(p): model metadata has no \"\(k)\" (not a Backprop model file?)"
        case .unsupportedFormat(let p, let f):
            return "\(p): model format version \"\(f)\" is not supported; this Backprop reads version \(ModelFile.formatVersion)"
        case .invalidMetadata(let p, let k, let v, let e):
            return "\(p): metadata \"\(k)\" is \(JSONText.quoted(v)), expected \(e)"
        case .unknownActivation(let p, let l, let n):
            return "\(p): layer \(l) has unknown activation \"\(n)\"; known: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownLoss(let p, let n):
            return "\(p): unknown loss \"\(n)\"; known: \(Loss.allCases.map(\.rawValue).joined(separator: ", "))"
        case .missingTensor(let p, let n): return "\(p): tensor \"\(n)\" is missing"
        case .unexpectedTensor(let p, let n): return "\(p): tensor \"\(n)\" does not belong to the architecture in the metadata"
        case .shapeMismatch(let p, let t, let e, let f):
            return "\(p): tensor \"\(t)\" has shape \(f) but the layer sizes in the metadata need \(e)"
        case .mixedDTypes(let p, let t, let d, let e):
            return "\(p): tensor \"\(t)\" is \(d) but the other tensors are \(e)"
        case .precisionMismatch(let p, let s, let r):
            return "\(p): parameters are stored as \(s) but \(r) was requested"
        case .nonFiniteParameter(let p, let t, let i):
            return "\(p): tensor \"\(t)\" holds a NaN or infinite value at element \(i)"
        case .invalidMask(let p, let t, let i, let d):
            return "\(p): tensor \"\(t)\" element \(i): \(d)"
        }
    }
}

extension ModelFileError: LocalizedError {
    public var errorDescription: String? { description }
}

/// A network read from a model file, with the caller's extra metadata.
public struct LoadedModel<Scalar: BLASScalar>: Sendable {
    /// The network, in the requested precision.
    public var network: Network<Scalar>
    /// The caller-supplied metadata saved with the model (every key not starting with
    /// ``ModelFile/reservedPrefix``).
    public var metadata: [String: String]
    /// The dtype the parameters were stored in (F32 or F64).
    public var storedDType: SafetensorsDType
}

/// Saving and loading a ``Network`` as a safetensors file that other tools can read.
///
/// Tensors (dtype F32 for `Network<Float>`, F64 for `Network<Double>`), for layer `i = 0…L−1`:
/// - `layers.{i}.weight`, shape `[d_i, d_{i+1}]` — `W` as in `z = aW + b` (row-major, so entry
///   `[j, k]` connects input `j` to output `k`);
/// - `layers.{i}.bias`, shape `[d_{i+1}]`;
/// - `layers.{i}.mask`, shape `[d_i, d_{i+1}]`, entries 0/1 — only for layers with a
///   connectivity mask (masked weights are stored as 0).
///
/// Metadata (all values strings, as the format requires):
/// - `backprop.format`: `"1"`;
/// - `backprop.sizes`: JSON array of layer sizes, e.g. `"[2,16,16,1]"`;
/// - `backprop.activations`: JSON array of activation names, one per layer,
///   e.g. `"[\"tanh\",\"tanh\",\"identity\"]"`;
/// - `backprop.loss`: the loss name, e.g. `"mse"`;
/// - plus every caller-supplied key (standardisation statistics, class names, …). Keys starting
///   with `backprop.` are reserved.
///
/// The same network and metadata always give byte-identical files (sorted keys, no
/// timestamps). Saving goes through ``AtomicFile``, so an existing file is replaced only by a
/// complete new one.
public enum ModelFile {
    /// Prefix of the metadata keys Backprop itself writes.
    public static let reservedPrefix = "backprop."
    /// Key of the format version.
    public static let formatKey = "backprop.format"
    /// The format version written and read by this build.
    public static let formatVersion = "1"
    /// Key of the layer sizes.
    public static let sizesKey = "backprop.sizes"
    /// Key of the activations.
    public static let activationsKey = "backprop.activations"
    /// Key of the loss.
    public static let lossKey = "backprop.loss"

    /// The safetensors contents for `network` and the caller's `metadata`. Traps when a
    /// metadata key starts with ``reservedPrefix`` (a programmer error).
    public static func container<Scalar: BLASScalar>(
        _ network: Network<Scalar>, metadata: [String: String] = [:]
    ) -> SafetensorsFile {
        if let bad = metadata.keys.first(where: { $0.hasPrefix(reservedPrefix) }) {
            fatalError("ModelFile: metadata key \"\(bad)\" uses the reserved prefix \"\(reservedPrefix)\"")
        }
        var meta = metadata
        meta[formatKey] = formatVersion
        meta[sizesKey] = JSONText.integers(network.sizes)
        meta[activationsKey] = JSONText.strings(network.layers.map(\.activation.rawValue))
        meta[lossKey] = network.loss.rawValue
        var tensors: [String: SafetensorsTensor] = [:]
        for (i, layer) in network.layers.enumerated() {
            tensors["layers.\(i).weight"] = SafetensorsTensor(layer.weight)
            tensors["layers.\(i).bias"] = SafetensorsTensor(shape: [layer.outputSize], values: layer.bias.elements)
            if let mask = layer.mask { tensors["layers.\(i).mask"] = SafetensorsTensor(mask) }
        }
        return SafetensorsFile(metadata: meta, tensors: tensors)
    }

    /// The file's bytes for `network` (see ``container(_:metadata:)``).
    public static func encode<Scalar: BLASScalar>(
        _ network: Network<Scalar>, metadata: [String: String] = [:]
    ) -> [UInt8] {
        container(network, metadata: metadata).encoded()
    }

    /// Saves `network` to `path` atomically. Throws ``AtomicFileError``.
    public static func save<Scalar: BLASScalar>(
        _ network: Network<Scalar>, to path: String, metadata: [String: String] = [:]
    ) throws {
        try AtomicFile.write(encode(network, metadata: metadata), to: path)
    }

    /// Loads the model at `path` as a `Network<Scalar>`.
    ///
    /// Parameters stored in the other precision are converted (F32 → `Double` exactly, F64 →
    /// `Float` rounded to nearest) unless `allowConversion` is false, in which case a
    /// ``ModelFileError/precisionMismatch(path:stored:requested:)`` is thrown. Throws
    /// ``SafetensorsError`` for a damaged container and ``ModelFileError`` for a container whose
    /// contents do not describe a valid network.
    public static func load<Scalar: BLASScalar>(
        _: Scalar.Type = Scalar.self, from path: String, allowConversion: Bool = true
    ) throws -> LoadedModel<Scalar> {
        let file = try SafetensorsFile.read(from: path)
        return try decode(file, source: path, allowConversion: allowConversion)
    }

    /// Builds a network from an already read container (see ``load(_:from:allowConversion:)``).
    public static func decode<Scalar: BLASScalar>(
        _ file: SafetensorsFile, source p: String = "<memory>", allowConversion: Bool = true
    ) throws -> LoadedModel<Scalar> {
        let meta = file.metadata
        func value(_ key: String) throws -> String {
            guard let v = meta[key] else { throw ModelFileError.missingMetadata(path: p, key: key) }
            return v
        }
        let format = try value(formatKey)
        if format != formatVersion { throw ModelFileError.unsupportedFormat(path: p, found: format) }

        let sizesText = try value(sizesKey)
        let sizesExpected = "a JSON array of at least two positive integers such as \"[2,16,1]\""
        guard case .array(let sizeValues)? = try? JSONParser.parse(Array(sizesText.utf8)), sizeValues.count >= 2
        else { throw ModelFileError.invalidMetadata(path: p, key: sizesKey, value: sizesText, expected: sizesExpected) }
        var sizes: [Int] = []
        for v in sizeValues {
            guard let n = v.unsignedInteger, n >= 1, n <= UInt64(Int32.max) else {
                throw ModelFileError.invalidMetadata(path: p, key: sizesKey, value: sizesText, expected: sizesExpected)
            }
            sizes.append(Int(n))
        }

        let actText = try value(activationsKey)
        let actExpected = "a JSON array of \(sizes.count - 1) activation names such as [\"tanh\",\"identity\"]"
        guard case .array(let actValues)? = try? JSONParser.parse(Array(actText.utf8)), actValues.count == sizes.count - 1
        else { throw ModelFileError.invalidMetadata(path: p, key: activationsKey, value: actText, expected: actExpected) }
        var activations: [Activation] = []
        for (l, v) in actValues.enumerated() {
            guard case .string(let name) = v else {
                throw ModelFileError.invalidMetadata(path: p, key: activationsKey, value: actText, expected: actExpected)
            }
            guard let a = Activation(rawValue: name) else { throw ModelFileError.unknownActivation(path: p, layer: l, name: name) }
            activations.append(a)
        }

        let lossName = try value(lossKey)
        guard let loss = Loss(rawValue: lossName) else { throw ModelFileError.unknownLoss(path: p, name: lossName) }
        if loss.isBinary && sizes.last != 1 || loss == .softmax && sizes.last! < 2 {
            throw ModelFileError.invalidMetadata(
                path: p, key: sizesKey, value: sizesText,
                expected: loss == .softmax ? "at least 2 outputs for the softmax loss" : "1 output for the binary loss \(loss.rawValue)")
        }

        // Tensors: every expected one present with the right shape, nothing else.
        let layerCount = sizes.count - 1
        var expected: [String: [Int]] = [:]
        for l in 0..<layerCount {
            expected["layers.\(l).weight"] = [sizes[l], sizes[l + 1]]
            expected["layers.\(l).bias"] = [sizes[l + 1]]
        }
        for name in file.tensors.keys.sorted(by: utf8Precedes) where expected[name] == nil {
            let isMask = (0..<layerCount).contains { name == "layers.\($0).mask" }
            if !isMask { throw ModelFileError.unexpectedTensor(path: p, name: name) }
            expected[name] = [sizes[Int(name.split(separator: ".")[1])!], sizes[Int(name.split(separator: ".")[1])! + 1]]
        }
        var storedDType: SafetensorsDType?
        for name in expected.keys.sorted(by: utf8Precedes) {
            guard let t = file.tensors[name] else {
                if name.hasSuffix(".mask") { continue }
                throw ModelFileError.missingTensor(path: p, name: name)
            }
            if t.shape != expected[name]! {
                throw ModelFileError.shapeMismatch(path: p, tensor: name, expected: expected[name]!, found: t.shape)
            }
            if let d = storedDType, d != t.dtype {
                throw ModelFileError.mixedDTypes(path: p, tensor: name, dtype: t.dtype.rawValue, expected: d.rawValue)
            }
            storedDType = t.dtype
        }
        let dtype = storedDType!
        let requested = SafetensorsDType.of(Scalar.self)
        if dtype != requested && !allowConversion {
            throw ModelFileError.precisionMismatch(path: p, stored: dtype.rawValue, requested: requested.rawValue)
        }

        func parameters(_ name: String) throws -> [Scalar] {
            let t = file.tensors[name]!
            // Check finiteness in the stored precision (conversion could overflow F64 → Float;
            // that is reported too, below).
            let v: [Scalar] = t.values()
            if let i = v.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError.nonFiniteParameter(path: p, tensor: name, index: i)
            }
            return v
        }
        var layers: [DenseLayer<Scalar>] = []
        for l in 0..<layerCount {
            let (din, dout) = (sizes[l], sizes[l + 1])
            let w = Matrix(rows: din, cols: dout, elements: try parameters("layers.\(l).weight"))
            let b = Matrix(rows: 1, cols: dout, elements: try parameters("layers.\(l).bias"))
            var mask: Matrix<Scalar>?
            let maskName = "layers.\(l).mask"
            if file.tensors[maskName] != nil {
                let m = Matrix(rows: din, cols: dout, elements: try parameters(maskName))
                for i in 0..<m.count {
                    if m.elements[i] != 0 && m.elements[i] != 1 {
                        throw ModelFileError.invalidMask(path: p, tensor: maskName, index: i, detail: "mask entries must be 0 or 1, found \(m.elements[i])")
                    }
                    if m.elements[i] == 0 && w.elements[i] != 0 {
                        throw ModelFileError.invalidMask(path: p, tensor: "layers.\(l).weight", index: i, detail: "weight is masked out but not zero")
                    }
                }
                mask = m
            }
            layers.append(DenseLayer(weight: w, bias: b, activation: activations[l], mask: mask))
        }
        let extra = meta.filter { !$0.key.hasPrefix(reservedPrefix) }
        return LoadedModel(network: Network(layers: layers, loss: loss), metadata: extra, storedDType: dtype)
    }
}
