import Backprop
import Testing

// Shape mismatches are programmer errors: the kernels trap (fatalError, also in release builds)
// with a message naming the operation and both shapes. Swift Testing's exit tests run each body
// in a child process and observe how it ends and what it wrote to stderr.

/// The child's stderr as text.
private func standardError(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

@Suite("Kernels: shape mismatches trap")
struct ShapeMismatchTrapTests {
    @Test func gemmWithMismatchedInnerDimensionTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Matrix<Float>(rows: 2, cols: 3)
            let b = Matrix<Float>(rows: 4, cols: 5)
            _ = Backend.blas.matmul(a, b)
        }
        let message = standardError(result)
        #expect(message.contains("gemm: shape mismatch"), "stderr: \(message)")
        #expect(message.contains("A is 2×3"), "stderr: \(message)")
        #expect(message.contains("B is 4×5"), "stderr: \(message)")
    }

    @Test func gemmWithWrongOutputShapeTrapsOnTheNaiveBackendToo() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Matrix<Double>(rows: 2, cols: 3)
            var c = Matrix<Double>(rows: 3, cols: 3)
            Backend.naive.matmul(a.transposed, a, into: &c)  // 3×2 · 2×3 = 3×3: fine
            Backend.naive.matmul(a, a.transposed, into: &c)  // 2×2 into 3×3: traps
        }
        let message = standardError(result)
        #expect(message.contains("A is 2×3"), "stderr: \(message)")
        #expect(message.contains("B is 3×2 (transposed)"), "stderr: \(message)")
        #expect(message.contains("C is 3×3"), "stderr: \(message)")
    }

    @Test func gemvWithWrongVectorLengthTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Matrix<Float>(rows: 4, cols: 3)
            _ = Backend.blas.matvec(a, Matrix(column: [1, 2]))
        }
        let message = standardError(result)
        #expect(message.contains("gemv: shape mismatch"), "stderr: \(message)")
        #expect(message.contains("A is 4×3") && message.contains("x is 2×1"), "stderr: \(message)")
    }

    @Test func dotOfDifferentShapesTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Backend.naive.dot(Matrix<Double>(rows: 2, cols: 2), Matrix<Double>(rows: 1, cols: 4))
        }
        let message = standardError(result)
        #expect(message.contains("x is 2×2") && message.contains("y is 1×4"), "stderr: \(message)")
    }

    @Test func matchingShapesDoNotTrap() async {
        // The control: the same call with compatible shapes exits normally.
        await #expect(processExitsWith: .success) {
            let a = Matrix<Float>(rows: 2, cols: 3)
            let b = Matrix<Float>(rows: 3, cols: 5)
            _ = Backend.blas.matmul(a, b)
        }
    }
}
