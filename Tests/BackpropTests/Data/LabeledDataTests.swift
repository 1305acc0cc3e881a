import Backprop
import Testing

@Suite struct LabeledDataTests {
    let data = LabeledData<Double>(
        features: Matrix([[1, 2], [3, 4], [5, 6]]), classes: [1, 0, 2],
        classNames: ["a", "b", "c"], featureNames: ["u", "v"])

    @Test func targets() throws {
        #expect(data.oneHotTargets() == Matrix([[0, 1, 0], [1, 0, 0], [0, 0, 1]]))
        #expect(throws: LabeledDataError.notBinary(classNames: ["a", "b", "c"])) {
            _ = try data.binaryTargets()
        }
        #expect(LabeledDataError.notBinary(classNames: ["a", "b", "c"]).description
            == "a binary task needs exactly 2 classes, found 3: 'a', 'b', 'c'")
        var two = data.subset([0, 1])
        two.classNames = ["neg", "pos"]
        #expect(try two.binaryTargets() == Matrix(column: [1, -1]))
        #expect(two.features == Matrix([[1, 2], [3, 4]]))
        #expect(data.classCounts == [1, 1, 1])
        #expect(data.converted(to: Float.self).features == Matrix<Float>([[1, 2], [3, 4], [5, 6]]))
    }
}
