import Backprop
import Testing

// Matrix<Scalar>: initialisers, subscripts, transposes, resize, gatherRows, conversion; written
// once and run for Float and Double.

func checkInitialisers<T: BLASScalar>(_: T.Type) {
    let m = Matrix<T>(rows: 2, cols: 3, elements: [1, 2, 3, 4, 5, 6])
    #expect(m.rows == 2 && m.cols == 3 && m.count == 6)
    #expect(m.shape == (2, 3))
    #expect(m.elements == [1, 2, 3, 4, 5, 6])
    #expect(Matrix<T>([[1, 2, 3], [4, 5, 6]]) == m)
    #expect(m.rowArrays == [[1, 2, 3], [4, 5, 6]])

    let filled = Matrix<T>(rows: 3, cols: 2, repeating: -2.5)
    #expect(filled.count == 6 && filled.elements.allSatisfy { $0 == -2.5 })
    #expect(Matrix<T>(rows: 2, cols: 2).elements == [0, 0, 0, 0])

    let row = Matrix<T>(row: [1, 2, 3])
    #expect(row.rows == 1 && row.cols == 3)
    let column = Matrix<T>(column: [1, 2, 3])
    #expect(column.rows == 3 && column.cols == 1)
    #expect(column.elements == row.elements)

    let empty = Matrix<T>(rows: 0, cols: 5)
    #expect(empty.count == 0 && empty.cols == 5)
    #expect(Matrix<T>([]).shape == (0, 0))

    // Seeded random matrices: reproducible, seed-dependent, inside the range.
    let r1 = Matrix<T>.random(rows: 7, cols: 9, in: -3...2, seed: 42)
    let r2 = Matrix<T>.random(rows: 7, cols: 9, in: -3...2, seed: 42)
    let r3 = Matrix<T>.random(rows: 7, cols: 9, in: -3...2, seed: 43)
    #expect(r1 == r2)
    #expect(r1 != r3)
    #expect(r1.elements.allSatisfy { (-3...2).contains($0) })
    #expect(Set(r1.elements).count > 50)  // not constant
}

func checkSubscripts<T: BLASScalar>(_: T.Type) {
    var m = Matrix<T>(rows: 3, cols: 4)
    for i in 0..<3 { for j in 0..<4 { m[i, j] = T(10 * i + j) } }
    // Row-major layout: (i, j) is elements[i·cols + j].
    #expect(m.elements == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])
    #expect(m[2, 1] == 21)
    #expect(m.row(1) == [10, 11, 12, 13])
    #expect(m.column(2) == [2, 12, 22])
    #expect(m.rows(1..<3) == Matrix([[10, 11, 12, 13], [20, 21, 22, 23]]))
    #expect(m.rows(1..<1).shape == (0, 4))
    #expect(m.map { $0 * 2 }[2, 3] == 46)
}

/// `transposedCopy()` moves elements; `.transposed` is a flag consumed by the kernels. Products
/// through either must agree: bit for bit on the naive backend (same loops over logical indices),
/// and exactly on both backends with small-integer entries.
func checkTransposes<T: BLASScalar>(_: T.Type, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    let a = Matrix<T>.random(rows: 5, cols: 3, in: -1...1, using: &g)
    let t = a.transposedCopy()
    #expect(t.shape == (3, 5))
    for i in 0..<5 { for j in 0..<3 { #expect(t[j, i] == a[i, j]) } }
    #expect(t.transposedCopy() == a)
    #expect(a.transposed.rows == 3 && a.transposed.cols == 5)
    #expect(a.transposed.base == a)

    let b = Matrix<T>.random(rows: 5, cols: 4, in: -1...1, using: &g)
    let c = Matrix<T>.random(rows: 4, cols: 3, in: -1...1, using: &g)
    // Aᵀ (3×5)·B (5×4);  B (5×4)·(Cᵀ as a flag over a copied Cᵀ) = B·C (5×3);  AᵀA (3×3).
    #expect(Backend.naive.matmul(a.transposed, b) == Backend.naive.matmul(t, b))
    #expect(
        Backend.naive.matmul(b, c.transposedCopy().transposed) == Backend.naive.matmul(b, c))
    #expect(
        Backend.naive.matmul(a.transposed, a) == Backend.naive.matmul(t, t.transposed))

    let ai = Matrix<T>(rows: 6, cols: 4, elements: (0..<24).map { T($0 % 7 - 3) })
    let bi = Matrix<T>(rows: 6, cols: 5, elements: (0..<30).map { T($0 % 5 - 2) })
    let expected = Backend.naive.matmul(ai.transposedCopy(), bi)
    for backend in Backend.allCases {
        #expect(backend.matmul(ai.transposed, bi) == expected, "\(backend)")
        #expect(backend.matmul(bi.transposed, ai).transposedCopy() == expected, "\(backend)")
        #expect(
            backend.matmul(ai.transposed, bi.transposedCopy().transposed) == expected, "\(backend)")
    }
    // One entry by hand: (AᵀB)_{0,0} = Σ_p a_p0·b_p0.
    let hand = (0..<6).reduce(T(0)) { $0 + ai[$1, 0] * bi[$1, 0] }
    #expect(expected[0, 0] == hand)
}

/// `resize` keeps the storage: shrinking and growing back within the capacity does not
/// reallocate, and the contents are zero afterwards.
func checkResize<T: BLASScalar>(_: T.Type) {
    var m = Matrix<T>.random(rows: 10, cols: 12, seed: 5)
    let capacity = m.elements.capacity
    #expect(capacity >= 120)
    m.resize(rows: 4, cols: 5)
    #expect(m.shape == (4, 5) && m.count == 20)
    #expect(m.elements.allSatisfy { $0 == 0 })
    #expect(m.elements.capacity == capacity)
    m[3, 4] = 9
    m.resize(rows: 12, cols: 10)  // 120 elements again: fits
    #expect(m.shape == (12, 10) && m.count == 120)
    #expect(m.elements.allSatisfy { $0 == 0 })
    #expect(m.elements.capacity == capacity)
    m[0, 0] = 1
    m.resize(rows: 10, cols: 12)  // same count: zeroed in place
    #expect(m.elements.allSatisfy { $0 == 0 } && m.elements.capacity == capacity)
    m.resize(rows: 0, cols: 3)
    #expect(m.count == 0 && m.elements.capacity == capacity)
}

func checkGatherRows<T: BLASScalar>(_: T.Type) {
    let m = Matrix<T>.random(rows: 6, cols: 3, seed: 8)
    let indices = [4, 0, 4, 5]
    let gathered = m.gatherRows(indices)
    #expect(gathered.shape == (4, 3))
    for (r, i) in indices.enumerated() { #expect(gathered.row(r) == m.row(i)) }
    #expect(m.gatherRows(0..<6) == m)
    #expect(m.gatherRows([Int]()).shape == (0, 3))
    var g = SeededGenerator(seed: 9)
    let permutation = g.permutation(6)
    let shuffled = m.gatherRows(permutation)
    #expect(Set(shuffled.rowArrays.map { $0.map { Double($0) } }) == Set(m.rowArrays.map { $0.map { Double($0) } }))
}

func checkConversion<T: BLASScalar>(_: T.Type) {
    let m = Matrix<T>.random(rows: 4, cols: 5, seed: 11)
    let d = m.converted(to: Double.self)
    let f = m.converted(to: Float.self)
    #expect(d.shape == m.shape && f.shape == m.shape)
    for k in 0..<m.count {
        #expect(d.elements[k] == Double(m.elements[k]))
        #expect(f.elements[k] == Float(m.elements[k]))  // round to nearest for Double → Float
    }
    #expect(d.converted(to: T.self) == m)  // widening and back is the identity
    #expect(m.converted(to: T.self) == m)
}

@Suite("Kernels: Matrix basics")
struct MatrixBasicsTests {
    @Test func initialisersFloat() { checkInitialisers(Float.self) }
    @Test func initialisersDouble() { checkInitialisers(Double.self) }
    @Test func subscriptsFloat() { checkSubscripts(Float.self) }
    @Test func subscriptsDouble() { checkSubscripts(Double.self) }
    @Test func transposesFloat() { checkTransposes(Float.self, seed: 401) }
    @Test func transposesDouble() { checkTransposes(Double.self, seed: 402) }
    @Test func resizeKeepsCapacityFloat() { checkResize(Float.self) }
    @Test func resizeKeepsCapacityDouble() { checkResize(Double.self) }
    @Test func gatherRowsFloat() { checkGatherRows(Float.self) }
    @Test func gatherRowsDouble() { checkGatherRows(Double.self) }
    @Test func conversionFloat() { checkConversion(Float.self) }
    @Test func conversionDouble() { checkConversion(Double.self) }

    @Test func doubleToFloatRoundsToNearest() {
        let m = Matrix<Double>(row: [0.1, 1.0 / 3.0, 1e-50, 3.5e38])
        let f = m.converted(to: Float.self)
        #expect(f.elements == [Float(0.1), Float(1.0 / 3.0), 0, .infinity])
    }

    /// Empty shapes print (a failed `#expect` on an `N × 0` matrix must report, not trap).
    @Test func emptyShapesHaveDescriptions() {
        #expect(Matrix<Float>(rows: 3, cols: 0).description == "Matrix<Float> 3×0 [[], [], []]")
        #expect(Matrix<Double>(rows: 0, cols: 2).description == "Matrix<Double> 0×2 []")
        #expect(Matrix<Float>(rows: 2, cols: 0).row(1).isEmpty)
        #expect(Matrix<Float>(rows: 0, cols: 2).column(1).isEmpty)
    }
}

@Suite("Kernels: OpenBLAS threads", .serialized)
struct BLASThreadsTests {
    @Test func threadCountReadsBack() {
        let original = BLASThreads.count
        defer { BLASThreads.count = original }
        #expect(original >= 1)
        BLASThreads.count = 1
        #expect(BLASThreads.count == 1)
        BLASThreads.count = 2
        #expect(BLASThreads.count == 2)
        BLASThreads.count = 0  // clamped to 1
        #expect(BLASThreads.count == 1)
    }

    @Test func coreNameAndConfigurationAreReported() {
        #expect(!BLASThreads.coreName.isEmpty)
        #expect(BLASThreads.configuration.contains("OpenBLAS"))
    }
}
