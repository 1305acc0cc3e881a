import Backprop
import Foundation
import Testing

@Suite struct StandardizerTests {
    func checkStatistics<T: BLASScalar>(_: T.Type, tolerance: T) {
        let x = Matrix<T>([[1, 10, 5], [2, 20, 5], [3, 30, 5], [6, 60, 5]])
        let s = Standardizer(fitting: x)
        #expect(s.means == [3, 30, 5])
        // Population deviation: √((4 + 1 + 0 + 9)/4) = √3.5.
        #expect(abs(s.deviations[0] - T(3.5).squareRoot()) <= tolerance)
        #expect(abs(s.deviations[1] - 10 * T(3.5).squareRoot()) <= 10 * tolerance)
        #expect(s.deviations[2] == 0)
        let z = s.apply(to: x)
        for j in 0..<2 {
            let column = z.column(j)
            let mean = column.reduce(0, +) / 4
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            #expect(abs(mean) <= tolerance)
            #expect(abs(variance - 1) <= 4 * tolerance)
        }
        // The constant column is centred, not divided by zero.
        #expect(z.column(2) == [0, 0, 0, 0])
        // New data uses the training statistics.
        let fresh = s.apply(to: Matrix<T>([[3, 0, 7]]))
        #expect(fresh[0, 0] == 0)
        #expect(abs(fresh[0, 1] + 30 / (10 * T(3.5).squareRoot())) <= tolerance)
        #expect(fresh[0, 2] == 2)
        // And the inverse gives the data back.
        let back = s.invert(z)
        for (a, b) in zip(back.elements, x.elements) { #expect(abs(a - b) <= 60 * tolerance) }
    }

    @Test func zScoresWithTrainingStatistics() {
        checkStatistics(Float.self, tolerance: 1e-5)
        checkStatistics(Double.self, tolerance: 1e-12)
    }

    @Test func codableRoundTrip() throws {
        let d = Standardizer<Double>(fitting: Matrix([[0.1, 3], [0.7, -2], [1e-3, 8]]))
        let back = try JSONDecoder().decode(Standardizer<Double>.self, from: JSONEncoder().encode(d))
        #expect(back == d)
        let f = Standardizer<Float>(fitting: Matrix([[0.1, 3], [0.7, -2]]))
        #expect(try JSONDecoder().decode(Standardizer<Float>.self, from: JSONEncoder().encode(f)) == f)
    }

    @Test func standardizesALabeledDataSet() {
        let data: LabeledData<Double> = Datasets.elongated(samples: 100, seed: 4)
        let s = Standardizer(fitting: data.features)
        let z = s.apply(to: data)
        #expect(z.classes == data.classes)
        #expect(z.features.rows == 100)
        let refit = Standardizer(fitting: z.features)
        for m in refit.means { #expect(abs(m) < 1e-12) }
        for d in refit.deviations { #expect(abs(d - 1) < 1e-12) }
    }
}
