import Foundation

/// Helpers to run `backprop-mpi` (a product of this package, built next to the test runner)
/// alone or under `mpirun`, and the root package's `backprop`, with a hard time limit.
enum MPIRun {
    /// The folder holding the built products (`.build/<triple>/debug`).
    static let productsDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static var executable: String { productsDir.appendingPathComponent("backprop-mpi").path }

    /// The root package's `backprop` (`../.build/debug/backprop` from this package; built by
    /// `swift build --product backprop` in the repository root, as scripts/test-distributed does).
    static let rootBackprop: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/backprop").path

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

    /// `backprop-mpi args` (or another executable) in one process, with no MPI launcher
    /// variables in its environment and one OpenBLAS thread.
    static func alone(_ args: [String], executable: String? = nil, timeout: Double = 60) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMI") || k.hasPrefix("BACKPROP_MPI_") { env[k] = nil }
        env["OPENBLAS_NUM_THREADS"] = "1"
        return try run(executable ?? Self.executable, args, env: env, timeout: timeout)
    }

    /// The root package's `backprop args` in one process (one OpenBLAS thread).
    static func root(_ args: [String]) throws -> Result {
        try alone(args, executable: rootBackprop)
    }

    /// `mpirun --timeout T -np P backprop-mpi args` (as root where needed, oversubscribed, one
    /// OpenBLAS thread per rank, shared memory between ranks).
    static func mpi(
        np: Int, _ args: [String], timeout: Int = 60, btl: String = "self,vader", executable: String? = nil,
        exporting extra: [String: String] = [:]
    ) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_btl"] = btl
        // Only the settings a test asks for (`exporting`), not the caller's.
        for k in env.keys where k.hasPrefix("BACKPROP_MPI_") { env[k] = nil }
        // A session folder of its own: concurrent mpiruns (parallel tests, other users) race to
        // create the shared /tmp/ompi.<host>.<uid> and one fails with "mkdir … File exists".
        let session = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-mpi-session-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: session, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: session) }
        env["OMPI_MCA_orte_tmpdir_base"] = session.path
        let launcher = [
            "--timeout", "\(timeout)", "--oversubscribe", "--bind-to", "none",
            "-x", "OPENBLAS_NUM_THREADS=1",
        ] + extra.sorted(by: { $0.key < $1.key }).flatMap { ["-x", "\($0.key)=\($0.value)"] } + [
            "-np", "\(np)",
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

    /// The regular files in `dir` (names, sorted).
    static func files(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    /// Whether every rank called `MPI_Finalize` and none `MPI_Abort` (Open MPI's launcher says
    /// "exiting improperly" or "MPI_ABORT was invoked" otherwise).
    static func endedCleanly(_ r: Result) -> Bool {
        !r.output.contains("exiting improperly") && !r.output.contains("MPI_ABORT was invoked") && !r.timedOut
    }

    /// The lines of `output` that are `backprop` errors.
    static func errorLines(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains("backprop: error:") }
    }
}
