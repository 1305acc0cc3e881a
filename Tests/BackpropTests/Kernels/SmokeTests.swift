import Backprop
import Testing

@Test func smallProductOnBothBackends() {
    let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
    let b = Matrix<Double>([[7, 8], [9, 10], [11, 12]])
    for backend in Backend.allCases {
        #expect(backend.matmul(a, b) == Matrix([[58, 64], [139, 154]]))
    }
}
