import Backprop
import Testing

/// Programmer errors trap with a message (checked in a child process).
@Suite struct NetworkShapeTrapTests {
    @Test func workspaceForAnotherNetworkTraps() async {
        await #expect(processExitsWith: .failure) {
            let a = Network<Double>(sizes: [2, 3, 1])
            let b = Network<Double>(sizes: [2, 4, 1])
            let ws = BackpropWorkspace(network: a, batchSize: 2)
            let x = Matrix<Double>(rows: 2, cols: 2), t = Matrix<Double>(rows: 2, cols: 1)
            x.withView { xv in t.withView { tv in _ = b.backpropagate(xv, tv, workspace: ws) } }
        }
    }

    @Test func batchLargerThanTheWorkspaceTraps() async {
        await #expect(processExitsWith: .failure) {
            let net = Network<Float>(sizes: [2, 3, 1])
            let ws = BackpropWorkspace(network: net, batchSize: 2)
            let x = Matrix<Float>(rows: 3, cols: 2), t = Matrix<Float>(rows: 3, cols: 1)
            x.withView { xv in t.withView { tv in _ = net.backpropagate(xv, tv, workspace: ws) } }
        }
    }

    @Test func wrongTargetShapeTraps() async {
        await #expect(processExitsWith: .failure) {
            let net = Network<Double>(sizes: [2, 3, 2])
            _ = net.gradient(Matrix(rows: 4, cols: 2), Matrix(rows: 4, cols: 1))
        }
    }

    @Test func wrongParameterCountTraps() async {
        await #expect(processExitsWith: .failure) {
            var net = Network<Double>(sizes: [2, 3, 1])
            net.setParameters([1, 2, 3])
        }
    }
}
