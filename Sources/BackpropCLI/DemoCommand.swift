import ArgumentParser
import Backprop
import Foundation

/// `backprop demo`: the lecture end to end (for now: gemm on both backends and the speed-up).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Replay the lecture and write pictures and a summary.")

    @Option(help: "Folder for the pictures and summary (created if missing).")
    var out: String = "demo-out"

    func run() throws {
        let n = 256
        let a = Matrix<Float>.random(rows: n, cols: n, seed: 1)
        let b = Matrix<Float>.random(rows: n, cols: n, seed: 2)
        var times: [Backend: Double] = [:]
        for backend in Backend.allCases {
            _ = backend.matmul(a, b)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = backend.matmul(a, b)
            times[backend] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let flops = 2.0 * Double(n * n * n)
        for backend in Backend.allCases {
            print("\(backend.rawValue): sgemm \(n)³ in \(times[backend]!) s, \(flops / times[backend]! / 1e9) GFLOP/s")
        }
        print("speed-up blas/naive: \(times[.naive]! / times[.blas]!)")
    }
}
