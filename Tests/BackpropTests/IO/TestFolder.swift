import Foundation

/// A fresh, uniquely named folder under the system temporary folder, removed by `remove()`.
struct TestFolder {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/backprop-io-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let p else { fatalError("mkdtemp failed") }
        path = String(cString: p)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the folder, sorted.
    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func bytes(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { Array($0) }
    }

    func write(_ bytes: [UInt8], _ name: String) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
