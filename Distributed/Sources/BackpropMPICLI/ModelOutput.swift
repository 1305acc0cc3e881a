import Backprop
import Foundation

/// Writes the trained parameters (rank 0 only). For now a small JSON file with the network's
/// shape and the flat parameters `θ` (``Network/parameters`` order, each printed with Swift's
/// shortest round-trip representation, so reading it back gives the same bits); to be replaced by
/// the project's model file writer. Written atomically (temporary file, then rename).
enum ModelOutput {
    static func write<T: BLASScalar>(
        _ network: Network<T>, to path: String, metadata: [(String, String)]
    ) throws {
        var json = "{\n  \"format\": \"backprop-flat-parameters-v1\",\n"
        json += "  \"sizes\": [\(network.sizes.map(String.init).joined(separator: ", "))],\n"
        json += "  \"activations\": [\(network.layers.map { "\"\($0.activation.rawValue)\"" }.joined(separator: ", "))],\n"
        json += "  \"loss\": \"\(network.loss.rawValue)\",\n"
        for (k, v) in metadata { json += "  \"\(k)\": \(v),\n" }
        json += "  \"parameters\": [\(network.parameters.map { "\($0)" }.joined(separator: ", "))]\n}\n"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// FNV-1a (64 bit) over the parameters' IEEE bit patterns: equal hashes ⇔ (practically)
    /// bit-identical parameters.
    static func hash<T: BLASScalar>(_ p: [T]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        p.withUnsafeBytes { bytes in
            for b in bytes {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
        }
        return h
    }
}
