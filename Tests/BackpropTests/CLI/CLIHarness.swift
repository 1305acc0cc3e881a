import Backprop
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `backprop` executable in a folder, with stdout and stderr going to files
/// (no pipe can fill up and block the child), for the CLI tests.
///
/// The executable is the one beside the test bundle (`swift build` links it; `swift test` alone
/// may leave an older one in place — build first).
enum CLIHarness {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `backprop` binary: beside the test bundle, else `.build/debug/backprop`.
    static let executable: URL? = {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            bundleFolder.appendingPathComponent("backprop"),
            bundleFolder.deletingLastPathComponent().appendingPathComponent("backprop"),
            root.appendingPathComponent(".build/debug/backprop"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// A started child process and the files its output goes to.
    final class Running {
        let process: Process
        let stdoutPath: String
        let stderrPath: String

        init(process: Process, stdoutPath: String, stderrPath: String) {
            self.process = process
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        var stderrSoFar: String {
            String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
        }

        /// Waits for the child and returns its output (status −1000 − signal if it was killed).
        func wait() -> Output {
            process.waitUntilExit()
            let out = Output(
                status: process.terminationReason == .exit
                    ? process.terminationStatus : -1000 - process.terminationStatus,
                stdout: String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self),
                stderr: stderrSoFar)
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
            return out
        }
    }

    /// Starts `backprop arguments…` with `folder` as the working directory.
    static func start(_ arguments: [String], in folder: String) throws -> Running {
        guard let executable else {
            throw CLIHarnessError.noExecutable
        }
        let base = NSTemporaryDirectory() + "/backprop-cli-\(UUID().uuidString)"
        let (outPath, errPath) = (base + ".out", base + ".err")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, stdoutPath: outPath, stderrPath: errPath)
    }

    /// Runs `backprop arguments…` in `folder` to the end.
    static func run(_ arguments: [String], in folder: String) throws -> Output {
        try start(arguments, in: folder).wait()
    }

    /// The numbers of a JSON text in order, each read with `Double(String)` (so the bits of the
    /// printed shortest representation are checked, not a JSON library's conversion).
    static func numbers(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inString = false
        for c in text {
            if c == "\"" { inString.toggle() }
            if !inString && (c.isNumber || c == "." || c == "-" || c == "e" || c == "E" || c == "+") {
                current.append(c)
            } else {
                if !current.isEmpty { out.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The top-level object of a one-line JSON result.
    static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}

enum CLIHarnessError: Error, CustomStringConvertible {
    case noExecutable
    var description: String { "the backprop executable was not found; run `swift build` before `swift test`" }
}
