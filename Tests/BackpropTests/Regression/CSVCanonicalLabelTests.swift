import Backprop
import Testing

/// Regression (fuzz harness `FuzzCSV`, invariant "every class has a sample"): labels whose bytes
/// differ but that are equal Swift strings — "é" as U+00E9 and as "e" + U+0301 — used to become
/// two classes with equal names, and every row was mapped to the first, so class 1 had no sample
/// (`classNames == ["é", "é"]`, `classes == [0, 0, …]`). They are one class now.
/// Input (the harness's option byte 0x00 — Float, last column, no --positive — then the file):
/// `x,label\n1,\xC3\xA9\n2,e\xCC\x81\n`.
private let precomposed: [UInt8] = [0xC3, 0xA9]  // U+00E9
private let decomposed: [UInt8] = [0x65, 0xCC, 0x81]  // "e" U+0301

private func file(_ rows: [(String, [UInt8])]) -> [UInt8] {
    var bytes = Array("x,label\n".utf8)
    for (x, label) in rows { bytes += Array("\(x),".utf8) + label + [0x0A] }
    return bytes
}

private func checkCanonicalLabels<T: BLASScalar>(_: T.Type) throws {
    // The crashing input: one class, both rows in it.
    let one: LabeledData<T> = try CSVLoader.parse(
        bytes: file([("1", precomposed), ("2", decomposed)]), as: T.self)
    #expect(one.classNames.count == 1)
    #expect(one.classNames[0] == "\u{E9}")
    #expect(Array(one.classNames[0].utf8) == precomposed)  // named by the first occurrence
    #expect(one.classes == [0, 0])
    #expect(one.classCounts == [2])

    // With a second label: a binary task with two populated classes ("a" < "é" by bytes).
    let two: LabeledData<T> = try CSVLoader.parse(
        bytes: file([("1", decomposed), ("2", Array("a".utf8)), ("3", precomposed)]),
        binary: true, as: T.self)
    #expect(two.classNames == ["a", "e\u{301}"])
    #expect(two.classes == [1, 0, 1])
    #expect(two.classCounts == [1, 2])
    #expect(two.features.elements == [1, 2, 3])

    // --positive given in the other normalisation form still names that class.
    let positive: LabeledData<T> = try CSVLoader.parse(
        bytes: file([("1", precomposed), ("2", Array("b".utf8)), ("3", decomposed)]),
        positive: "e\u{301}", as: T.self)
    #expect(positive.classNames.count == 2)
    #expect(positive.classNames[0] == "b")
    #expect(positive.classNames[1] == "\u{E9}")
    #expect(positive.classes == [1, 0, 1])
}

@Test func canonicallyEquivalentLabelsAreOneClass() throws {
    try checkCanonicalLabels(Float.self)
    try checkCanonicalLabels(Double.self)
}
