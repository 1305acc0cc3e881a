import Backprop
import Foundation
import Testing

@Suite struct CSVLoaderTests {
    let plain = "a,b,label\n1.5,-2,no\n3e2,0.25,yes\n-0.5,+4,no\n"

    func checkPlain<T: BLASScalar>(_: T.Type) throws {
        let data = try ClassifierFixtures.withFile(plain) { path in
            try CSVLoader.load(path: path, as: T.self)
        }
        #expect(data.features == Matrix<T>([[1.5, -2], [300, 0.25], [-0.5, 4]]))
        #expect(data.classNames == ["no", "yes"])
        #expect(data.classes == [0, 1, 0])
        #expect(data.featureNames == ["a", "b"])
        #expect(data.count == 3)
        #expect(try data.binaryTargets() == Matrix<T>(column: [-1, 1, -1]))
    }

    @Test func loadsAPlainFile() throws {
        try checkPlain(Float.self)
        try checkPlain(Double.self)
    }

    func checkSpreadsheetForms<T: BLASScalar>(_: T.Type) throws {
        let reference: LabeledData<T> = try CSVLoader.parse(text: plain)
        let crlf = plain.replacingOccurrences(of: "\n", with: "\r\n")
        let variants: [[UInt8]] = [
            [0xEF, 0xBB, 0xBF] + Array(plain.utf8),  // BOM
            Array(crlf.utf8),  // CRLF
            [0xEF, 0xBB, 0xBF] + Array(crlf.utf8),  // both
            Array(plain.dropLast().utf8),  // no newline at the end
            Array(crlf.dropLast().utf8),  // CRLF, no newline at the end ("\r\n" is one Character)
            Array("\n\(plain)\n\n  \n".utf8),  // blank lines around
            Array("\"a\", \"b\" ,label\n 1.5 ,\"-2\",\"no\"\n3e2,0.25,yes\r\n-0.5,+4,\"n\"\"o\"\n".utf8)
                .map { $0 },
        ]
        for (i, bytes) in variants.enumerated() {
            let data = try ClassifierFixtures.withFile(bytes) { try CSVLoader.load(path: $0, as: T.self) }
            if i == variants.count - 1 {
                // The quoted variant: same numbers, and the escaped quote is kept in the label.
                #expect(data.features == reference.features)
                #expect(data.classNames == ["n\"o", "no", "yes"])
                continue
            }
            #expect(data.features == reference.features, "variant \(i)")
            #expect(data.classes == reference.classes, "variant \(i)")
            #expect(data.classNames == reference.classNames, "variant \(i)")
            #expect(data.featureNames == reference.featureNames, "variant \(i)")
        }
    }

    @Test func bomCRLFAndMissingLastNewlineLoadLikeThePlainFile() throws {
        try checkSpreadsheetForms(Float.self)
        try checkSpreadsheetForms(Double.self)
    }

    @Test func numbersReadBackBitForBit() throws {
        var g = SeededGenerator(seed: 11)
        var doubles: [Double] = []
        for _ in 0..<500 {
            let m = Double.random(in: -1...1, using: &g)
            let e = Int.random(in: -300...300, using: &g)
            doubles.append(m * Double(sign: .plus, exponent: e, significand: 1))
        }
        doubles += [0, -0.0, 0.1, 1 / 3, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]
        let text = "x,label\n" + doubles.map { "\($0),c" }.joined(separator: "\n")
        let d: LabeledData<Double> = try CSVLoader.parse(text: text)
        #expect(d.features.elements.map(\.bitPattern) == doubles.map(\.bitPattern))
        let floats = doubles.prefix(200).map { Float($0) }.filter(\.isFinite)
        let ftext = "x,label\n" + floats.map { "\($0),c" }.joined(separator: "\n")
        let f: LabeledData<Float> = try CSVLoader.parse(text: ftext)
        #expect(f.features.elements.map(\.bitPattern) == floats.map(\.bitPattern))
        // %.17g-style text and underflow.
        let e: LabeledData<Double> = try CSVLoader.parse(
            text: "x,y\n0.30000000000000004,a\n1e-999,b\n.5,a\n5.,b\n-1E+3,a\n")
        #expect(e.features.elements == [0.30000000000000004, 0, 0.5, 5, -1000])
    }

    @Test func labelColumnByNameIndexAndNegativeIndex() throws {
        let text = "id,x,kind,y\n1,2,a,3\n4,5,b,6\n"
        for spec in ["kind", "2", "-2"] {
            let d: LabeledData<Double> = try CSVLoader.parse(text: text, labelColumn: spec)
            #expect(d.featureNames == ["id", "x", "y"], "label \(spec)")
            #expect(d.features == Matrix([[1, 2, 3], [4, 5, 6]]))
            #expect(d.classNames == ["a", "b"])
        }
        let first: LabeledData<Double> = try CSVLoader.parse(
            text: "c,x\nq,1\nr,2\n", labelColumn: "0")
        #expect(first.features == Matrix(column: [1, 2]))
        // A column named like a number is found by name first.
        let named: LabeledData<Double> = try CSVLoader.parse(
            text: "0,1\n5,a\n6,b\n", labelColumn: "1")
        #expect(named.classNames == ["a", "b"])
    }

    @Test func binaryLabelRule() throws {
        func names(_ labels: [String], positive: String? = nil) throws -> [String] {
            let text = "x,t\n" + labels.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n")
            let d: LabeledData<Double> = try CSVLoader.parse(text: text, positive: positive, binary: true)
            #expect(d.classes.map { d.classNames[$0] } == labels)
            return d.classNames
        }
        #expect(try names(["10", "9", "9"]) == ["9", "10"])  // numeric, not "10" < "9"
        #expect(try names(["1", "-1", "1"]) == ["-1", "1"])
        #expect(try names(["1", "0"]) == ["0", "1"])
        #expect(try names(["yes", "no"]) == ["no", "yes"])
        #expect(try names(["b", "10"]) == ["10", "b"])  // mixed: by text
        #expect(try names(["yes", "no"], positive: "no") == ["yes", "no"])
        #expect(try names(["1", "0"], positive: "0") == ["1", "0"])
        // Multi-class, same sorted order.
        let m: LabeledData<Double> = try CSVLoader.parse(text: "x,t\n1,c\n2,a\n3,b\n4,a\n")
        #expect(m.classNames == ["a", "b", "c"])
        #expect(m.classes == [2, 0, 1, 0])
        #expect(m.oneHotTargets() == Matrix([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]))
        #expect(ClassLabels.order(["2", "10", "1.5"]) == ["1.5", "2", "10"])
    }

    // MARK: The catalogue of bad input

    @Test func missingFileAndFolder() throws {
        let folder = ClassifierFixtures.makeFolder()
        defer { ClassifierFixtures.removeFolder(folder) }
        let missing = folder.appendingPathComponent("absent.csv").path
        #expect(throws: CSVError.fileNotFound(path: missing)) {
            _ = try CSVLoader.load(path: missing, as: Double.self)
        }
        #expect(throws: CSVError.fileNotFound(path: missing + "/x.csv")) {
            _ = try CSVLoader.load(path: missing + "/x.csv", as: Double.self)
        }
        #expect(throws: CSVError.notAFile(path: folder.path)) {
            _ = try CSVLoader.load(path: folder.path, as: Double.self)
        }
        // A named pipe is refused without blocking on it.
        let fifo = folder.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: CSVError.notAFile(path: fifo)) {
            _ = try CSVLoader.load(path: fifo, as: Double.self)
        }
        #expect(CSVError.notAFile(path: "d").description == "d: is a folder (or another special file), not a CSV file")
    }

    @Test func emptyAndHeaderOnly() {
        #expect(ClassifierFixtures.csvError("") == .empty(path: "F"))
        #expect(ClassifierFixtures.csvError("\n\r\n  \n") == .empty(path: "F"))
        #expect(ClassifierFixtures.csvError([0xEF, 0xBB, 0xBF]) == .empty(path: "F"))
        #expect(ClassifierFixtures.csvError("a,b") == .noRows(path: "F"))
        #expect(ClassifierFixtures.csvError("a,b\n\n") == .noRows(path: "F"))
        #expect(ClassifierFixtures.csvError("label\nx\n") == .noFeatureColumns(path: "F"))
    }

    @Test func shortAndLongRowsNameTheLine() {
        #expect(ClassifierFixtures.csvError("a,b,t\n1,2,x\n3,4\n")
            == .wrongCellCount(path: "F", line: 3, expected: 3, found: 2))
        // Blank lines count: the header is line 1.
        #expect(ClassifierFixtures.csvError("a,b,t\n1,2,x\n\n3,4,y,5\n")
            == .wrongCellCount(path: "F", line: 4, expected: 3, found: 4))
        #expect(ClassifierFixtures.csvError("a,b,t\r\n1,2,x\r\n3,4,y,\r\n")
            == .wrongCellCount(path: "F", line: 3, expected: 3, found: 4))
        let message = CSVError.wrongCellCount(path: "d.csv", line: 3, expected: 3, found: 2).description
        #expect(message == "d.csv: line 3: expected 3 cells like the header, found 2")
    }

    @Test func emptyCells() {
        #expect(ClassifierFixtures.csvError("a,b,t\n1,,x\n") == .emptyCell(path: "F", line: 2, column: "b"))
        #expect(ClassifierFixtures.csvError("a,b,t\n1,2,x\n1,2, \n") == .emptyCell(path: "F", line: 3, column: "t"))
        #expect(ClassifierFixtures.csvError("a,b,t\n1,\"\",x\n") == .emptyCell(path: "F", line: 2, column: "b"))
    }

    @Test func nonNumericCells() {
        for bad in ["abc", "0x10", "1e", "--1", "1.2.3", "1,5", "1 000", "e5", ".", "+", "1e+", "½"] {
            let text = "a,b,t\n1,2,x\n3,\"\(bad)\",y\n"
            #expect(ClassifierFixtures.csvError(text)
                == .notANumber(path: "F", line: 3, column: "b", text: bad), "cell \(bad)")
        }
        let message = CSVError.notANumber(path: "d.csv", line: 3, column: "b", text: "abc").description
        #expect(message == "d.csv: line 3, column 'b': expected a number, found \"abc\"")
    }

    @Test func nanInfinityAndOverflow() {
        for bad in ["NaN", "nan", "-nan", "inf", "-inf", "+Inf", "Infinity", "-INFINITY"] {
            #expect(ClassifierFixtures.csvError("a,t\n\(bad),x\n")
                == .notFinite(path: "F", line: 2, column: "a", text: bad), "cell \(bad)")
        }
        for bad in ["1e999", "-1e999", "1e309", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"] {
            #expect(ClassifierFixtures.csvError("a,t\n1,x\n\(bad),y\n", as: Double.self)
                == .overflow(path: "F", line: 3, column: "a", text: bad, precision: "f64"), "cell \(bad)")
        }
        // Finite in f64, too large for f32.
        #expect(ClassifierFixtures.csvError("a,t\n1e39,x\n", as: Double.self) == nil)
        #expect(ClassifierFixtures.csvError("a,t\n1e39,x\n", as: Float.self)
            == .overflow(path: "F", line: 2, column: "a", text: "1e39", precision: "f32"))
    }

    @Test func bytesThatAreNotUTF8() {
        let head = Array("a,t\n1,x\n".utf8)
        #expect(ClassifierFixtures.csvError(head + [0x32, 0xFF, 0x2C, 0x79, 0x0A])
            == .notUTF8(path: "F", line: 3, byte: 0xFF))
        // Latin-1 "é" in a label, an overlong "/", a surrogate, a truncated sequence at the end.
        #expect(ClassifierFixtures.csvError(head + Array("2,caf".utf8) + [0xE9, 0x0A])
            == .notUTF8(path: "F", line: 3, byte: 0xE9))
        #expect(ClassifierFixtures.csvError(head + [0xC0, 0xAF]) == .notUTF8(path: "F", line: 3, byte: 0xC0))
        #expect(ClassifierFixtures.csvError(head + [0xED, 0xA0, 0x80]) == .notUTF8(path: "F", line: 3, byte: 0xED))
        #expect(ClassifierFixtures.csvError(head + Array("2,y".utf8) + [0xE2, 0x82])
            == .notUTF8(path: "F", line: 3, byte: 0xE2))
        // Real UTF-8 is fine, in names and labels.
        #expect(ClassifierFixtures.csvError("größe,tier\n1,kätzchen\n2,🐕\n") == nil)
    }

    @Test func labelColumnErrors() {
        let text = "a,b,t\n1,2,x\n3,4,y\n"
        #expect(ClassifierFixtures.csvError(text, label: "kind")
            == .unknownLabelColumn(path: "F", name: "kind", columns: ["a", "b", "t"]))
        #expect(ClassifierFixtures.csvError(text, label: "3")
            == .labelIndexOutOfRange(path: "F", index: 3, columns: 3))
        #expect(ClassifierFixtures.csvError(text, label: "-4")
            == .labelIndexOutOfRange(path: "F", index: -4, columns: 3))
        #expect(ClassifierFixtures.csvError("a,a,t\n1,2,x\n", label: "a")
            == .ambiguousLabelColumn(path: "F", name: "a"))
        #expect(CSVError.unknownLabelColumn(path: "d", name: "k", columns: ["a", "t"]).description
            == "d: no column named 'k' for the label; the columns are 'a', 't'")
    }

    @Test func positiveClassAndClassCounts() {
        let two = "a,t\n1,x\n2,y\n"
        #expect(ClassifierFixtures.csvError(two, positive: "z")
            == .positiveNotFound(path: "F", positive: "z", column: "t", labels: ["x", "y"]))
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,x\n", binary: true)
            == .notBinary(path: "F", column: "t", labels: ["x"]))
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,x\n", positive: "x")
            == .notBinary(path: "F", column: "t", labels: ["x"]))
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,z\n3,y\n", binary: true)
            == .notBinary(path: "F", column: "t", labels: ["x", "y", "z"]))
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,z\n3,y\n", positive: "y")
            == .notBinary(path: "F", column: "t", labels: ["x", "z", "y"]))
        // Without a binary task, three classes are fine.
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,z\n3,y\n") == nil)
        // A two-row, two-class file loads.
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n2,y", binary: true) == nil)
    }

    @Test func quotingErrors() {
        #expect(ClassifierFixtures.csvError("a,t\n1,x\n\"2,y\n3,z\n") == .unterminatedQuote(path: "F", line: 3))
        #expect(ClassifierFixtures.csvError("a,t\n\"1\"2,x\n") == .textAfterQuote(path: "F", line: 2, column: "a"))
        // A quoted line break is part of the cell; later lines keep their numbers.
        #expect(ClassifierFixtures.csvError("a,t\n1,\"x\ny\"\n2,\n")
            == .emptyCell(path: "F", line: 4, column: "t"))
    }

    @Test func errorsNameTheFile() {
        let e = CSVError.notFinite(path: "data/x.csv", line: 7, column: "w", text: "NaN")
        #expect(e.description.hasPrefix("data/x.csv: line 7, column 'w': \"NaN\""))
        #expect(!e.description.contains("\n"))
    }

    @Test func largeFileLoadsFast() throws {
        let rows = 200_000
        var text = "x1,x2,x3,x4,label\n"
        text.reserveCapacity(rows * 40)
        var g = SeededGenerator(seed: 3)
        var expectedSum = 0.0
        for k in 0..<rows {
            let v = (0..<4).map { _ in (Double.random(in: -100...100, using: &g) * 1000).rounded() / 1000 }
            expectedSum += v.reduce(0, +)
            text += "\(v[0]),\(v[1]),\(v[2]),\(v[3]),\(k % 3 == 0 ? "a" : "b")\n"
        }
        let data = try ClassifierFixtures.withFile(text) { path in
            let start = DispatchTime.now().uptimeNanoseconds
            let d = try CSVLoader.load(path: path, as: Double.self)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // Debug build, shared machine: generous; a release build loads this in ~0.1 s.
            #expect(seconds < 10, "200 000 rows took \(seconds) s")
            return d
        }
        #expect(data.count == rows)
        #expect(data.features.cols == 4)
        #expect(data.classCounts == [66_667, 133_333])
        #expect(abs(data.features.elements.reduce(0, +) - expectedSum) < 1e-6 * Double(rows))
        #expect(data.features.elements.capacity < 2 * rows * 4)
    }
}

@Suite struct CSVRobustnessTests {
    /// Seeded random inputs built from the bytes that matter to the scanner: every one either
    /// loads or throws a `CSVError` (a trap would end the test process).
    @Test func randomInputsLoadOrThrow() {
        let alphabet: [UInt8] = Array("0123456789.,-+eE\"\r\n \tabnNiIfF".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF]
        var g = SeededGenerator(seed: 2024)
        var loaded = 0
        var failed = 0
        for _ in 0..<3000 {
            let n = Int.random(in: 0...60, using: &g)
            var bytes = (0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] }
            if Bool.random(using: &g) {
                // Structured: a header and rows of plausible and implausible cells.
                let cells = ["1", "-2.5", "3e2", "x", "y", "\"q\"", " 4 ", "\"5\"", "", "nan", "1e999", "é"]
                let columns = Int.random(in: 1...3, using: &g)
                var text = (0..<columns).map { "c\($0)" }.joined(separator: ",") + "\n"
                for _ in 0..<Int.random(in: 0...4, using: &g) {
                    let width = Bool.random(using: &g) ? columns : Int.random(in: 1...4, using: &g)
                    text += (0..<width).map { _ in cells[Int.random(in: 0..<cells.count, using: &g)] }
                        .joined(separator: ",") + (Bool.random(using: &g) ? "\n" : "\r\n")
                }
                bytes = Array(text.utf8) + (Int.random(in: 0..<4, using: &g) == 0 ? bytes : [])
            }
            let label: String? = [nil, "0", "-1", "b", "7"][Int.random(in: 0..<5, using: &g)]
            do {
                let d: LabeledData<Double> = try CSVLoader.parse(bytes: bytes, labelColumn: label)
                #expect(d.features.elements.allSatisfy { $0.isFinite })
                #expect(d.count > 0 && d.features.cols > 0)
                loaded += 1
            } catch {
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
                failed += 1
            }
        }
        #expect(loaded > 0 && failed > 0)
    }
}
