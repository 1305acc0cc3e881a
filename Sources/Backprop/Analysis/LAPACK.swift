/// A LAPACKE call that returned a nonzero `info`, or a matrix LAPACK must not be given.
///
/// LAPACK's convention: `info = 0` success, `info = −i` the `i`-th argument had an illegal value
/// (LAPACKE also reports a NaN in an input matrix this way), `info > 0` a routine-specific
/// numerical failure. LAPACKE adds `−1010` (work memory) and `−1011` (transposition memory) for
/// allocation failures.
public enum LAPACKError: Error, Equatable, CustomStringConvertible {
    /// `info = −i`: argument `i` (1-based, in the routine's argument list) was illegal.
    case illegalArgument(routine: String, argument: Int)
    /// `info > 0` from an eigen- or singular-value routine: the iteration did not converge
    /// (`info` off-diagonal elements of the intermediate tridiagonal/bidiagonal form did not
    /// converge to zero).
    case failedToConverge(routine: String, info: Int)
    /// `info > 0` from `?gels`: the `info`-th diagonal element of the triangular factor of `A` is
    /// exactly zero, so `A` does not have full rank and no least-squares solution was computed.
    case rankDeficient(routine: String, info: Int)
    /// `?gels` succeeded, but `A`'s condition number `σ_max/σ_min` is at least
    /// `1/(max(m, n)·ε_machine)`: `A` is rank deficient up to rounding and the solution is
    /// dominated by rounding noise (typically huge, cancelling entries).
    case numericallyRankDeficient(routine: String, conditionNumber: Double)
    /// LAPACKE could not allocate its work or transposition memory (`info = −1010` or `−1011`).
    case outOfMemory(routine: String, info: Int)
    /// The input held a NaN or an infinity (checked before calling LAPACK).
    case nonFiniteInput(routine: String)

    /// The routine's name, e.g. `"LAPACKE_dsyevd"`.
    public var routine: String {
        switch self {
        case .illegalArgument(let r, _), .failedToConverge(let r, _), .rankDeficient(let r, _),
            .numericallyRankDeficient(let r, _), .outOfMemory(let r, _), .nonFiniteInput(let r):
            return r
        }
    }

    /// One sentence: the routine, what `info` means and what to do.
    public var description: String {
        switch self {
        case .illegalArgument(let r, let i):
            return "\(r): argument \(i) had an illegal value (info = -\(i)); this is a bug in the caller"
        case .failedToConverge(let r, let info):
            return "\(r): the algorithm failed to converge (info = \(info): \(info) intermediate off-diagonal element(s) did not reach zero)"
        case .rankDeficient(let r, let info):
            return "\(r): the matrix is rank deficient (info = \(info): diagonal element \(info) of the triangular factor is exactly zero), so the least-squares problem has no unique solution; remove dependent or constant columns"
        case .numericallyRankDeficient(let r, let c):
            return "\(r): the matrix is numerically rank deficient (condition number \(c)), so the least-squares solution is rounding noise; remove dependent or constant columns"
        case .outOfMemory(let r, let info):
            return "\(r): LAPACKE could not allocate work memory (info = \(info))"
        case .nonFiniteInput(let r):
            return "\(r): the input matrix contains NaN or infinite entries"
        }
    }
}

/// Checked wrappers over the LAPACKE routines bound in ``BLASScalar``: symmetric eigenvalues
/// (`?syevd`), singular values (`?gesdd`) and linear least squares (`?gels`).
///
/// Inputs are copied (LAPACK overwrites its arguments), checked for NaN/∞, and every `info` is
/// turned into a ``LAPACKError``. Shape errors are programmer errors and trap, as in the kernels.
public enum LAPACK {
    /// The eigenvalues `λ_1 ≤ … ≤ λ_n` (ascending) of the symmetric `n × n` matrix `A`
    /// (`LAPACKE_?syevd`, divide and conquer, no eigenvectors). Only the upper triangle of `A` is
    /// read. Traps when `A` is not square.
    public static func symmetricEigenvalues<T: BLASScalar>(_ a: Matrix<T>) throws(LAPACKError) -> [T] {
        if a.rows != a.cols {
            shapeMismatch("LAPACK.symmetricEigenvalues", "A is \(a.rows)×\(a.cols), needs a square matrix")
        }
        let routine = name(T.self, "syevd")
        let n = a.rows
        if n == 0 { return [] }
        try checkFinite(a, routine)
        var work = a.elements
        var w = [T](repeating: 0, count: n)
        let n32 = int32(n, routine)
        let info = work.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                T.lapackSYEVD(vectors: false, n: n32, a: ap.baseAddress!, lda: n32, w: wp.baseAddress!)
            }
        }
        try check(info, routine, positive: { .failedToConverge(routine: routine, info: $0) })
        return w
    }

    /// The singular values `σ_1 ≥ … ≥ σ_k ≥ 0`, `k = min(m, n)`, of the `m × n` matrix `A`
    /// (`LAPACKE_?gesdd`, divide and conquer, no singular vectors).
    public static func singularValues<T: BLASScalar>(_ a: Matrix<T>) throws(LAPACKError) -> [T] {
        let routine = name(T.self, "gesdd")
        let (m, n) = (a.rows, a.cols)
        if m == 0 || n == 0 { return [] }
        try checkFinite(a, routine)
        var work = a.elements
        var s = [T](repeating: 0, count: min(m, n))
        let info = work.withUnsafeMutableBufferPointer { ap in
            s.withUnsafeMutableBufferPointer { sp in
                T.lapackGESDD(
                    m: int32(m, routine), n: int32(n, routine), a: ap.baseAddress!,
                    lda: int32(n, routine), s: sp.baseAddress!)
            }
        }
        try check(info, routine, positive: { .failedToConverge(routine: routine, info: $0) })
        return s
    }

    /// The least-squares solution `X = argmin ‖A·X − B‖_F` (`LAPACKE_?gels`, QR of `A`).
    ///
    /// `A` is `m × n` with full rank, `B` is `m × k`; `X` is `n × k`. When `m ≥ n` this is the
    /// overdetermined least-squares solution `X = (AᵀA)⁻¹AᵀB`; when `m < n` it is the
    /// minimum-norm solution of the underdetermined system. `?gels` only detects *exact* rank
    /// deficiency (a zero on the diagonal of the triangular factor) and then throws
    /// ``LAPACKError/rankDeficient(routine:info:)``; a nearly rank-deficient `A` gives a solution
    /// with huge entries, so after a successful `?gels` the condition number is checked through
    /// ``singularValues(_:)`` and a numerically rank-deficient `A` throws
    /// ``LAPACKError/numericallyRankDeficient(routine:conditionNumber:)``.
    /// Traps when `B` does not have `m` rows.
    public static func leastSquares<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) throws(LAPACKError)
        -> Matrix<T>
    {
        if b.rows != a.rows {
            shapeMismatch("LAPACK.leastSquares", "A is \(a.rows)×\(a.cols), B is \(b.rows)×\(b.cols); B needs \(a.rows) rows")
        }
        let routine = name(T.self, "gels")
        let (m, n, k) = (a.rows, a.cols, b.cols)
        if n == 0 || k == 0 { return Matrix(rows: n, cols: k) }
        if m == 0 {
            // No equations: the minimum-norm solution is zero.
            return Matrix(rows: n, cols: k)
        }
        try checkFinite(a, routine)
        try checkFinite(b, routine)
        var aWork = a.elements
        // gels writes X into the first n rows of B, so B needs max(m, n) rows.
        let bRows = max(m, n)
        var bWork = [T](repeating: 0, count: bRows * k)
        for i in 0..<m { for j in 0..<k { bWork[i * k + j] = b.elements[i * k + j] } }
        let info = aWork.withUnsafeMutableBufferPointer { ap in
            bWork.withUnsafeMutableBufferPointer { bp in
                T.lapackGELS(
                    m: int32(m, routine), n: int32(n, routine), nrhs: int32(k, routine),
                    a: ap.baseAddress!, lda: int32(n, routine), b: bp.baseAddress!,
                    ldb: int32(k, routine))
            }
        }
        try check(info, routine, positive: { .rankDeficient(routine: routine, info: $0) })
        let sigma = try singularValues(a)
        let condition = Double(sigma.first!) / Double(sigma.last!)
        if !(condition < 1 / (Double(max(m, n)) * Double(T.ulpOfOne))) {
            throw .numericallyRankDeficient(routine: routine, conditionNumber: condition)
        }
        return Matrix(rows: n, cols: k, elements: Array(bWork[0..<(n * k)]))
    }

    /// `"LAPACKE_dsyevd"` for `Double`, `"LAPACKE_ssyevd"` for `Float`.
    static func name<T: BLASScalar>(_: T.Type, _ routine: String) -> String {
        "LAPACKE_" + (T.precisionName == "f32" ? "s" : "d") + routine
    }

    private static func checkFinite<T: BLASScalar>(_ a: Matrix<T>, _ routine: String) throws(LAPACKError) {
        if !a.elements.allSatisfy(\.isFinite) { throw .nonFiniteInput(routine: routine) }
    }

    /// Maps LAPACK's `info` to an error (0 passes).
    private static func check(
        _ info: Int32, _ routine: String, positive: (Int) -> LAPACKError
    ) throws(LAPACKError) {
        if info == 0 { return }
        let i = Int(info)
        if i == -1010 || i == -1011 { throw .outOfMemory(routine: routine, info: i) }
        if i < 0 { throw .illegalArgument(routine: routine, argument: -i) }
        throw positive(i)
    }
}
