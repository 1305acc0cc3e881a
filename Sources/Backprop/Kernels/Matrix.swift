/// A dense, row-major matrix of `Float` or `Double` with value semantics.
///
/// Element `(i, j)` is `elements[i·cols + j]`. Rows are samples throughout Backprop: a batch of
/// `N` inputs with `d` features is an `N × d` matrix, and a layer computes `Z = A·W + b` with `W`
/// of shape `d_in × d_out`.
///
/// A vector is a matrix with one row or one column; there is no separate vector type and no
/// separate vector algorithm.
///
/// ```swift
/// let a = Matrix<Float>([[1, 2, 3], [4, 5, 6]])      // 2×3
/// let b = Matrix<Float>.random(rows: 3, cols: 2, in: -1...1, seed: 7)
/// let c = Backend.blas.matmul(a, b)                   // 2×2, through cblas_sgemm
/// let d = Backend.naive.matmul(a.transposed, a)       // 3×3, AᵀA without copying A
/// ```
public struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    /// Number of rows.
    public internal(set) var rows: Int
    /// Number of columns.
    public internal(set) var cols: Int
    /// The elements in row-major order; `count == rows · cols`.
    public internal(set) var elements: [Scalar]

    /// The shape `(rows, cols)`.
    @inlinable public var shape: (rows: Int, cols: Int) { (rows, cols) }

    /// Total number of elements, `rows · cols`.
    @inlinable public var count: Int { elements.count }

    /// A `rows × cols` matrix from row-major `elements`. Traps when the count does not match.
    public init(rows: Int, cols: Int, elements: [Scalar]) {
        if rows < 0 || cols < 0 || elements.count != rows * cols {
            fatalError(
                "Matrix(rows: \(rows), cols: \(cols)): needs \(max(0, rows) * max(0, cols)) elements, got \(elements.count)"
            )
        }
        self.rows = rows
        self.cols = cols
        self.elements = elements
    }

    /// A `rows × cols` matrix with every element equal to `value`.
    public init(rows: Int, cols: Int, repeating value: Scalar = 0) {
        if rows < 0 || cols < 0 {
            fatalError("Matrix(rows: \(rows), cols: \(cols)): negative shape")
        }
        self.init(rows: rows, cols: cols, elements: Array(repeating: value, count: rows * cols))
    }

    /// A matrix from an array of rows. Traps when rows have different lengths.
    public init(_ rowArrays: [[Scalar]]) {
        let cols = rowArrays.first?.count ?? 0
        var elements: [Scalar] = []
        elements.reserveCapacity(rowArrays.count * cols)
        for (i, row) in rowArrays.enumerated() {
            if row.count != cols {
                fatalError("Matrix(rows): row \(i) has \(row.count) elements, row 0 has \(cols)")
            }
            elements.append(contentsOf: row)
        }
        self.init(rows: rowArrays.count, cols: cols, elements: elements)
    }

    /// A `1 × n` row vector.
    public init(row: [Scalar]) { self.init(rows: 1, cols: row.count, elements: row) }

    /// An `n × 1` column vector.
    public init(column: [Scalar]) { self.init(rows: column.count, cols: 1, elements: column) }

    /// A matrix of independent uniform samples in `range`, drawn from `generator`.
    public static func random<G: RandomNumberGenerator>(
        rows: Int, cols: Int, in range: ClosedRange<Scalar>, using generator: inout G
    ) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.elements.count {
            m.elements[i] = Scalar.random(in: range, using: &generator)
        }
        return m
    }

    /// A matrix of independent uniform samples in `range`, reproducible from `seed`.
    public static func random(
        rows: Int, cols: Int, in range: ClosedRange<Scalar> = -1...1, seed: UInt64
    ) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return random(rows: rows, cols: cols, in: range, using: &g)
    }

    /// Element `(i, j)`. Traps with the index and the shape when out of range.
    public subscript(i: Int, j: Int) -> Scalar {
        get {
            checkIndex(i, j)
            return elements[i &* cols &+ j]
        }
        set {
            checkIndex(i, j)
            elements[i &* cols &+ j] = newValue
        }
    }

    func checkIndex(_ i: Int, _ j: Int) {
        if i < 0 || i >= rows || j < 0 || j >= cols {
            fatalError("Matrix index (\(i), \(j)) out of range for shape \(rows)×\(cols)")
        }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Scalar] {
        if i < 0 || i >= rows { fatalError("Matrix row \(i) out of range for shape \(rows)×\(cols)") }
        return Array(elements[(i * cols)..<((i + 1) * cols)])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Scalar] {
        if j < 0 || j >= cols { fatalError("Matrix column \(j) out of range for shape \(rows)×\(cols)") }
        return (0..<rows).map { elements[$0 * cols + j] }
    }

    /// The rows as nested arrays.
    public var rowArrays: [[Scalar]] { (0..<rows).map { row($0) } }

    /// A transposed *operand*: consumed by ``Backend/matmul(_:_:)`` and friends through the BLAS
    /// transpose flag; the elements are not copied.
    public var transposed: Transposed<Scalar> { Transposed(self) }

    /// A new matrix holding `Aᵀ` (this one *does* copy; use ``transposed`` for products).
    public func transposedCopy() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { t.elements[j * rows + i] = elements[i * cols + j] } }
        return t
    }

    /// Reshape in place to `rows × cols`, reusing the existing capacity (no allocation when the
    /// new size fits). The contents are zero afterwards.
    public mutating func resize(rows: Int, cols: Int) {
        if rows < 0 || cols < 0 { fatalError("Matrix.resize: negative shape \(rows)×\(cols)") }
        self.rows = rows
        self.cols = cols
        let n = rows * cols
        if elements.count == n {
            elements.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            elements.removeAll(keepingCapacity: true)
            elements.append(contentsOf: repeatElement(0, count: n))
        }
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        if range.lowerBound < 0 || range.upperBound > rows {
            fatalError("Matrix.rows(\(range)) outside \(rows)×\(cols)")
        }
        return Matrix(
            rows: range.count, cols: cols,
            elements: Array(elements[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// The rows at `indices`, in that order, as a new matrix (a mini-batch gather).
    public func gatherRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var out = Matrix(rows: indices.count, cols: cols)
        out.withMutableView { gatherRows(indices, into: $0) }
        return out
    }

    /// Copies the rows at `indices`, in that order, into `destination` (`indices.count × cols`,
    /// any leading dimension) without allocating. Traps on a bad index or shape.
    func gatherRows<C: Collection>(_ indices: C, into destination: MutableMatrixView<Scalar>)
    where C.Element == Int {
        if destination.rows != indices.count || destination.cols != cols {
            shapeMismatch("gatherRows", "\(indices.count) rows of \(rows)×\(cols) into \(destination.shapeDescription)")
        }
        elements.withUnsafeBufferPointer { src in
            var r = 0
            for i in indices {
                checkIndex(i, 0)
                (destination.base + r &* destination.ld).update(from: src.baseAddress! + i &* cols, count: cols)
                r += 1
            }
        }
    }

    /// Converts the scalar type (Float ↔ Double).
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> Matrix<T> {
        Matrix<T>(rows: rows, cols: cols, elements: elements.map { T($0) })
    }

    /// Applies `f` to every element.
    public func map(_ f: (Scalar) throws -> Scalar) rethrows -> Matrix {
        Matrix(rows: rows, cols: cols, elements: try elements.map(f))
    }

    /// Calls `body` with a read-only view of the whole matrix.
    @inlinable
    public func withView<R>(_ body: (MatrixView<Scalar>) throws -> R) rethrows -> R {
        let (r, c) = (rows, cols)
        return try elements.withUnsafeBufferPointer { buffer in
            // An empty array may have no base address; BLAS never reads it (some size is 0).
            let base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Scalar>.alignment)!
            return try body(MatrixView(base, rows: r, cols: c))
        }
    }

    /// Calls `body` with a writable view of the whole matrix.
    public mutating func withMutableView<R>(_ body: (MutableMatrixView<Scalar>) throws -> R) rethrows
        -> R
    {
        let (r, c) = (rows, cols)
        return try elements.withUnsafeMutableBufferPointer { buffer in
            let base =
                buffer.baseAddress
                ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!
            return try body(MutableMatrixView(base, rows: r, cols: c))
        }
    }

    /// Calls `body` with the elements as a mutable buffer (row-major).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer(body)
    }

    /// Calls `body` with the elements as a buffer (row-major).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R)
        rethrows -> R
    {
        try elements.withUnsafeBufferPointer(body)
    }
}

extension Matrix: CustomStringConvertible {
    /// `Matrix<Float> 2×3 [[1, 2, 3], [4, 5, 6]]` (large matrices are abbreviated).
    public var description: String {
        let shown = rows * cols <= 64 ? rowArrays.map { "\($0)" }.joined(separator: ", ") : "…"
        return "Matrix<\(Scalar.self)> \(rows)×\(cols) [\(shown)]"
    }
}

/// A matrix used as its transpose in a product. Holds the matrix (no element copy) and hands BLAS
/// a transposed ``MatrixView``.
public struct Transposed<Scalar: BLASScalar>: Sendable {
    /// The stored (untransposed) matrix.
    public let base: Matrix<Scalar>
    /// Wraps `base`.
    public init(_ base: Matrix<Scalar>) { self.base = base }
    /// Logical rows (`base.cols`).
    public var rows: Int { base.cols }
    /// Logical columns (`base.rows`).
    public var cols: Int { base.rows }
}

/// Anything that can be handed to a kernel as a read-only (possibly transposed) view.
public protocol MatrixOperand<Scalar> {
    /// The element type.
    associatedtype Scalar: BLASScalar
    /// Calls `body` with the operand's logical view.
    func withView<R>(_ body: (MatrixView<Scalar>) throws -> R) rethrows -> R
}

extension Matrix: MatrixOperand {}

extension Transposed: MatrixOperand {
    /// Calls `body` with the transposed view of ``base``.
    @inlinable
    public func withView<R>(_ body: (MatrixView<Scalar>) throws -> R) rethrows -> R {
        try base.withView { try body($0.transposed) }
    }
}
