import Backprop
import Testing

/// Relative agreement `|a − b| ≤ tol·max(1, |b|)`.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

private func singularValuesOfKnownMatrix<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    let s = try LAPACK.singularValues(Matrix<T>([[1, 2, 3], [4, 5, 6]]))
    #expect(s.count == 2)
    #expect(close(Double(s[0]), 9.508032000695723, tolerance))
    #expect(close(Double(s[1]), 0.7728696356734838, tolerance))
    // The transpose has the same singular values.
    let st = try LAPACK.singularValues(Matrix<T>([[1, 4], [2, 5], [3, 6]]))
    #expect(close(Double(st[0]), 9.508032000695723, tolerance))
    #expect(close(Double(st[1]), 0.7728696356734838, tolerance))
}

@Test func singularValuesOfAKnownMatrix() throws {
    try singularValuesOfKnownMatrix(Float.self, tolerance: 1e-6)
    try singularValuesOfKnownMatrix(Double.self, tolerance: 1e-13)
}

private func eigenvaluesOfKnownMatrix<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    // The 1-D Laplacian: eigenvalues 2 − 2cos(kπ/4), k = 1, 2, 3, i.e. 2 − √2, 2, 2 + √2.
    let a = Matrix<T>([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
    let w = try LAPACK.symmetricEigenvalues(a)
    let r = 2.0.squareRoot()
    #expect(w.count == 3)
    #expect(close(Double(w[0]), 2 - r, tolerance))
    #expect(close(Double(w[1]), 2, tolerance))
    #expect(close(Double(w[2]), 2 + r, tolerance))
    // Indefinite, ascending order: [[0, 1], [1, 0]] has −1 and 1.
    let b = try LAPACK.symmetricEigenvalues(Matrix<T>([[0, 1], [1, 0]]))
    #expect(close(Double(b[0]), -1, tolerance) && close(Double(b[1]), 1, tolerance))
}

@Test func symmetricEigenvaluesOfKnownMatrices() throws {
    try eigenvaluesOfKnownMatrix(Float.self, tolerance: 1e-6)
    try eigenvaluesOfKnownMatrix(Double.self, tolerance: 1e-14)
}

private func handSolvedLeastSquares<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    // Line through (0, 1), (1, 3), (2, 4): normal equations [[3, 3], [3, 5]]·[c, m] = [8, 11]
    // give intercept c = 7/6 and slope m = 3/2.
    let a = Matrix<T>([[1, 0], [1, 1], [1, 2]])
    let x = try LAPACK.leastSquares(a, Matrix<T>(column: [1, 3, 4]))
    #expect(x.rows == 2 && x.cols == 1)
    #expect(close(Double(x[0, 0]), 7.0 / 6.0, tolerance))
    #expect(close(Double(x[1, 0]), 1.5, tolerance))
    // Two right-hand sides at once; the second is fitted exactly (t = 2 − x).
    let x2 = try LAPACK.leastSquares(a, Matrix<T>([[1, 2], [3, 1], [4, 0]]))
    #expect(close(Double(x2[0, 1]), 2, tolerance) && close(Double(x2[1, 1]), -1, tolerance))
    // Underdetermined x + y = 2: the minimum-norm solution (1, 1).
    let u = try LAPACK.leastSquares(Matrix<T>([[1, 1]]), Matrix<T>([[2]]))
    #expect(u.rows == 2)
    #expect(close(Double(u[0, 0]), 1, tolerance) && close(Double(u[1, 0]), 1, tolerance))
}

@Test func leastSquaresAgainstHandSolvedSystems() throws {
    try handSolvedLeastSquares(Float.self, tolerance: 1e-5)
    try handSolvedLeastSquares(Double.self, tolerance: 1e-13)
}

private func rankDeficientIsReported<T: BLASScalar>(_: T.Type, routine: String) {
    // The second column is zero: R[1][1] = 0 exactly, gels returns info = 2.
    let a = Matrix<T>([[1, 0], [2, 0], [3, 0]])
    do {
        _ = try LAPACK.leastSquares(a, Matrix<T>(column: [1, 2, 3]))
        Issue.record("gels on a rank-deficient matrix did not throw")
    } catch {
        #expect(error == .rankDeficient(routine: routine, info: 2))
        #expect(error.routine == routine)
        #expect(error.description.contains(routine))
        #expect(error.description.contains("rank deficient"))
        #expect(error.description.contains("info = 2"))
    }
}

@Test func lapackErrorsAreTyped() throws {
    rankDeficientIsReported(Float.self, routine: "LAPACKE_sgels")
    rankDeficientIsReported(Double.self, routine: "LAPACKE_dgels")
    #expect(throws: LAPACKError.nonFiniteInput(routine: "LAPACKE_dsyevd")) {
        try LAPACK.symmetricEigenvalues(Matrix<Double>([[1, .nan], [.nan, 1]]))
    }
    #expect(throws: LAPACKError.nonFiniteInput(routine: "LAPACKE_sgesdd")) {
        try LAPACK.singularValues(Matrix<Float>([[1, .infinity]]))
    }
    let illegal = LAPACKError.illegalArgument(routine: "LAPACKE_dgesdd", argument: 5)
    #expect(illegal.description.contains("argument 5"))
    #expect(LAPACKError.failedToConverge(routine: "LAPACKE_dsyevd", info: 3).description.contains("failed to converge"))
    // Empty inputs need no LAPACK call.
    #expect(try LAPACK.symmetricEigenvalues(Matrix<Double>(rows: 0, cols: 0)).isEmpty)
    #expect(try LAPACK.singularValues(Matrix<Double>(rows: 3, cols: 0)).isEmpty)
}
