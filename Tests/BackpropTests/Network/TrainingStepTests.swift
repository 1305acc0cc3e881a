import Backprop
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Gradient descent steps: they reduce the loss and reuse their buffers (no heap allocation after
/// the first step). That a step equals `backpropagate` + `update` is `FusedTrainingStepTests`.
@Suite struct TrainingStepTests {
    static func checkTrainingReducesLoss<T: BLASScalar>(_: T.Type, backend: Backend) {
        // XOR-like data: 4 points, tanh hidden layer, logistic loss.
        var net = Network<T>(sizes: [2, 8, 1], hidden: .tanh, output: .identity, loss: .logistic, initialization: .glorot, seed: 3)
        let x = Matrix<T>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let t = Matrix<T>(column: [-1, 1, 1, -1])
        let ws = BackpropWorkspace(network: net, batchSize: 4)
        var losses: [T] = []
        for _ in 0..<400 {
            losses.append(x.withView { xv in t.withView { tv in net.trainingStep(xv, tv, learningRate: 0.5, workspace: ws, backend: backend) } })
        }
        // Small steps reduce E at first, and training solves XOR.
        #expect(losses[1] < losses[0])
        #expect(losses.last! < losses[0] / 4, "\(T.self) \(backend): \(losses[0]) → \(losses.last!)")
        #expect(net.loss.accuracy(net.forward(x, backend: backend), t) == 1)
    }

    @Test(arguments: Backend.allCases)
    func trainingReducesTheLoss(backend: Backend) {
        Self.checkTrainingReducesLoss(Double.self, backend: backend)
        Self.checkTrainingReducesLoss(Float.self, backend: backend)
    }

    /// A step of size γ along −∇E lowers E by about γ‖∇E‖² (first-order Taylor).
    @Test func smallStepDecreasesLossToFirstOrder() {
        let c = NetworkFixtures.smoothCase(sizes: [4, 5, 3], hidden: .softplus, loss: .softmax, batch: 6, seed: 71)
        var net = c.network
        let (e0, g) = net.gradient(c.x, c.t)
        let norm2 = g.flattened.reduce(0) { $0 + $1 * $1 }
        let rate = 1e-4
        net.update(by: g, learningRate: rate)
        let e1 = net.loss(c.x, c.t)
        let predicted = e0 - rate * norm2
        #expect(e1 < e0)
        #expect(abs(e1 - predicted) <= 1e-2 * rate * norm2, "E0 \(e0) E1 \(e1) predicted \(predicted)")
    }

    /// The parameter vector round-trips and follows `NetworkGradient.flattened`'s order.
    @Test func parametersRoundTripInGradientOrder() {
        var net = NetworkFixtures.network(sizes: [2, 3, 2], hidden: .relu, output: .identity, loss: .mse, seed: 81)
        let p = net.parameters
        #expect(p.count == net.parameterCount && p.count == 2 * 3 + 3 + 3 * 2 + 2)
        #expect(Array(p[0..<6]) == net.layers[0].weight.elements)
        #expect(Array(p[6..<9]) == net.layers[0].bias.elements)
        #expect(Array(p[9..<15]) == net.layers[1].weight.elements)
        let q = p.indices.map { Double($0) }
        net.setParameters(q)
        #expect(net.parameters == q)
        let g = NetworkGradient(flattened: q, like: net)
        #expect(g.flattened == q)
        #expect(g.weights[1][2, 1] == 14 && g.biases[1][0, 1] == 16)
        #expect(g.namedTensors.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        // setParameters and update respect masks.
        net.layers[0].setMask(Matrix([[1, 0, 1], [1, 1, 0]]))
        net.setParameters(q)
        #expect(net.layers[0].weight == Matrix([[0, 0, 2], [3, 4, 0]]))
        net.update(by: NetworkGradient(flattened: q.map { _ in 1 }, like: net), learningRate: 1)
        #expect(net.layers[0].weight == Matrix([[-1, 0, 1], [2, 3, 0]]))
    }

    /// A workspace serves batches smaller than its size (the last mini-batch of an epoch).
    @Test func smallerBatchInALargerWorkspace() {
        let c = NetworkFixtures.smoothCase(sizes: [3, 4, 2], hidden: .tanh, loss: .mse, batch: 3, seed: 91)
        let ws = BackpropWorkspace(network: c.network, batchSize: 10)
        let e = c.x.withView { xv in c.t.withView { tv in c.network.backpropagate(xv, tv, workspace: ws) } }
        let (loss, g) = c.network.gradient(c.x, c.t)
        #expect(e == loss && ws.gradient == g && ws.rowsInUse == 3)
        #expect(ws.activations[0] == c.x)
    }

    /// Custom optimisers write the parameters in place through views; masks still hold, and the
    /// result equals `update(by:learningRate:)` for plain gradient descent.
    @Test func inPlaceParameterTensorsMatchUpdate() {
        var net = NetworkFixtures.network(sizes: [3, 4, 2], hidden: .tanh, output: .identity, loss: .mse, seed: 97)
        net.layers[0].setMask(Matrix([[1, 0, 1, 1], [1, 1, 1, 0], [0, 1, 1, 1]]))
        let x = Matrix<Double>.random(rows: 5, cols: 3, seed: 98)
        let t = NetworkFixtures.targets(.mse, rows: 5, outputs: 2, seed: 99)
        let g = net.gradient(x, t).gradient
        var viaUpdate = net
        viaUpdate.update(by: g, learningRate: 0.5)
        var viaViews = net
        var seen: [Int] = []
        let tensors = g.namedTensors.map(\.tensor)
        viaViews.withMutableParameterTensors { index, theta in
            seen.append(index)
            #expect(theta.rows == tensors[index].rows && theta.cols == tensors[index].cols)
            for i in 0..<theta.rows { for j in 0..<theta.cols { theta[i, j] -= 0.5 * tensors[index][i, j] } }
        }
        #expect(seen == [0, 1, 2, 3])
        #expect(viaViews == viaUpdate)
        viaViews.withMutableParameterTensors { index, theta in
            if index == 0 { for i in 0..<theta.rows { for j in 0..<theta.cols { theta[i, j] = 7 } } }
        }
        #expect(viaViews.layers[0].weight[0, 1] == 0 && viaViews.layers[0].weight[0, 0] == 7)
    }

    /// An empty batch has zero loss and zero gradient (and a step leaves θ unchanged).
    @Test(arguments: Backend.allCases)
    func emptyBatch(backend: Backend) {
        var net = NetworkFixtures.network(sizes: [3, 4, 2], hidden: .tanh, output: .identity, loss: .mse, seed: 95)
        let x = Matrix<Double>(rows: 0, cols: 3), t = Matrix<Double>(rows: 0, cols: 2)
        let (e, g) = net.gradient(x, t, backend: backend)
        #expect(e == 0 && g == NetworkGradient(zerosLike: net))
        #expect(net.forward(x, backend: backend).rows == 0)
        let before = net
        let ws = BackpropWorkspace(network: net, batchSize: 4)
        x.withView { xv in t.withView { tv in _ = net.trainingStep(xv, tv, learningRate: 1, workspace: ws, backend: backend) } }
        #expect(net == before)
    }

    /// Buffers are reused: after the first step, neither the workspace's memory, the gradient's
    /// storage nor the parameters' storage moves (a copy-on-write or a reallocation would move
    /// them). When the test process runs with a malloc-counting preload that exports
    /// `backprop_malloc_count` (see the report of the engine's branch), the number of heap
    /// allocations of ten further steps is checked to be exactly zero as well.
    static func checkBuffersAreReused<T: BLASScalar>(_: T.Type, backend: Backend, batch: Int) {
        var net = Network<T>(sizes: [5, 16, 8, 3], hidden: .relu, output: .identity, loss: .softmax, initialization: .he, seed: 4)
        net.layers[1].setMask(Matrix<T>.random(rows: 16, cols: 8, in: 0...1, seed: 5).map { $0 > 0.3 ? 1 : 0 })
        let x = Matrix<T>.random(rows: batch, cols: 5, seed: 6)
        let t = NetworkFixtures.targets(.softmax, rows: batch, outputs: 3, seed: 7).converted(to: T.self)
        let ws = BackpropWorkspace(network: net, batchSize: batch)
        func addresses() -> [UInt] {
            var out: [UInt] = [UInt(bitPattern: ws.bufferAddress)]
            for l in 0..<net.layers.count {
                out.append(net.layers[l].weight.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
                out.append(net.layers[l].bias.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
                out.append(ws.gradient.weights[l].withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
                out.append(ws.gradient.biases[l].withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
            }
            return out
        }
        x.withView { xv in
            t.withView { tv in
                _ = net.trainingStep(xv, tv, learningRate: 0.05, workspace: ws, backend: backend)
                let before = addresses()
                var losses: [T] = []
                losses.reserveCapacity(10)
                let mallocsBefore = MallocCounter.count()
                for _ in 0..<10 {
                    losses.append(net.trainingStep(xv, tv, learningRate: 0.05, workspace: ws, backend: backend))
                }
                let mallocsAfter = MallocCounter.count()
                #expect(addresses() == before, "\(T.self) \(backend) N=\(batch): a buffer moved")
                if let mallocsBefore, let mallocsAfter {
                    #expect(mallocsAfter - mallocsBefore == 0, "\(T.self) \(backend) N=\(batch): \(mallocsAfter - mallocsBefore) heap allocations in 10 steps")
                }
                #expect(losses.last! < losses.first!)
            }
        }
    }

    @Test(arguments: Backend.allCases, [1, 32])
    func stepsReuseTheirBuffers(backend: Backend, batch: Int) {
        Self.checkBuffersAreReused(Float.self, backend: backend, batch: batch)
        Self.checkBuffersAreReused(Double.self, backend: backend, batch: batch)
    }
}

/// The calling thread's heap-allocation count, when a counting `malloc` is preloaded; `nil`
/// otherwise (then the allocation check is skipped and only buffer addresses are checked).
///
/// The counter is this C file, built with `gcc -O2 -shared -fPIC count.c -o libcount.so`:
///
/// ```c
/// #include <stddef.h>
/// extern void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t);
/// extern void *__libc_realloc(void *, size_t), *__libc_memalign(size_t, size_t);
/// static __thread long count __attribute__((tls_model("initial-exec")));
/// long backprop_malloc_count(void) { return count; }
/// void *malloc(size_t n) { count++; return __libc_malloc(n); }
/// void *calloc(size_t a, size_t b) { count++; return __libc_calloc(a, b); }
/// void *realloc(void *p, size_t n) { count++; return __libc_realloc(p, n); }
/// int posix_memalign(void **p, size_t a, size_t n) { count++; *p = __libc_memalign(a, n); return *p ? 0 : 12; }
/// void *aligned_alloc(size_t a, size_t n) { count++; return __libc_memalign(a, n); }
/// void *memalign(size_t a, size_t n) { count++; return __libc_memalign(a, n); }
/// ```
///
/// and the tests built optimised and run as
/// `swift build -c release --build-tests -Xswiftc -enable-testing --build-path .build-reltest`, then
/// `LD_PRELOAD=$PWD/libcount.so .build-reltest/release/BackpropPackageTests.xctest --testing-library swift-testing --filter stepsReuseTheirBuffers`
/// (passes: 0 allocations). A debug build allocates 3 times per step (unoptimised Swift boxes
/// closure contexts), so the count only means something in an optimised build.
enum MallocCounter {
    typealias Counter = @convention(c) () -> Int
    /// The preloaded counter, looked up once (`dlsym` itself may allocate).
    static let counter: Counter? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "backprop_malloc_count") else { return nil }
        return unsafeBitCast(symbol, to: Counter.self)
        #else
        return nil
        #endif
    }()
    static func count() -> Int? { counter?() }
}
