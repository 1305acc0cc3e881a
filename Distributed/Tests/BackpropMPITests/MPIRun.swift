import Foundation

/// Helpers to run `backprop-mpi` (a product of this package, built next to the test runner)
/// alone or under `mpirun`, with a hard time limit.
enum MPIRun {
    /// The folder holding the built products (`.build/<triple>/debug`).
    static let productsDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static var executable: String { productsDir.appendingPathComponent("backprop-mpi").path }

    /// `mpirun` on `PATH`, if installed.
    static let mpirun: String? = which("mpirun")

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    struct Result {
        var status: Int32
        var output: String
        var seconds: Double
        var timedOut: Bool
    }

    /// `backprop-mpi args` in one process (no MPI launcher variables in its environment).
    static func alone(_ args: [String], timeout: Double = 60) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMI") { env[k] = nil }
        env["OPENBLAS_NUM_THREADS"] = "1"
        return try run(executable, args, env: env, timeout: timeout)
    }

    /// `mpirun --timeout T -np P backprop-mpi args` (as root where needed, oversubscribed, one
    /// OpenBLAS thread per rank, shared memory between ranks).
    static func mpi(
        np: Int, _ args: [String], timeout: Int = 60, btl: String = "self,vader", executable: String? = nil
    ) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_btl"] = btl
        let launcher = [
            "--timeout", "\(timeout)", "--oversubscribe", "--bind-to", "none",
            "-x", "OPENBLAS_NUM_THREADS=1", "-np", "\(np)",
            executable.map { productsDir.appendingPathComponent($0).path } ?? Self.executable,
        ]
        return try run(mpirun!, launcher + args, env: env, timeout: Double(timeout))
    }

    /// Runs a process, collecting stdout+stderr. mpirun enforces its own `--timeout` (rc 110):
    /// a Process-started mpirun ignores SIGTERM, so SIGKILL is only the last resort.
    static func run(_ path: String, _ args: [String], env: [String: String], timeout: Double) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        let start = Date()
        try p.run()
        let box = OutputBox()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.data = pipe.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        var killed = false
        if exited.wait(timeout: .now() + timeout + 30) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            killed = true
            exited.wait()
        }
        drained.wait()
        return Result(
            status: p.terminationStatus, output: String(decoding: box.data, as: UTF8.self),
            seconds: Date().timeIntervalSince(start), timedOut: killed || p.terminationStatus == 110)
    }

    final class OutputBox: @unchecked Sendable { var data = Data() }

    /// A fresh scratch folder for one test.
    static func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-mpi-tests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The `"parameters"` of an output file, as printed (shortest round-trip text: equal strings
    /// ⇔ equal bits).
    static func parameters(_ file: URL) throws -> [String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("\"parameters\"") }),
            let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
        else { return [] }
        return line[line.index(after: open)..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }
}
