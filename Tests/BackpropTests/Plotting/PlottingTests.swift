import Backprop
import Foundation
import FoundationXML
import Testing

/// Bitwise CRC-32 (no table), independent of the encoder's.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~c
}

/// Straightforward Adler-32.
func referenceAdler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for x in bytes {
        a = (a + UInt32(x)) % 65521
        b = (b + a) % 65521
    }
    return b << 16 | a
}

/// A decoded PNG: its chunk types in order, its size and RGB pixels.
struct DecodedPNG {
    var chunkTypes: [String] = []
    var width = 0, height = 0
    var pixels: [UInt8] = []
}

/// Parses and fully checks a PNG produced by the encoder (8-bit RGB, no interlace).
func decodePNG(_ png: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> DecodedPNG? {
    func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
    guard Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
        Issue.record("bad signature", sourceLocation: sourceLocation)
        return nil
    }
    var out = DecodedPNG()
    var idat: [UInt8] = []
    var p = 8
    while p + 12 <= png.count {
        let n = be32(p)
        let type = String(decoding: png[(p + 4)..<(p + 8)], as: UTF8.self)
        let typed = Array(png[(p + 4)..<(p + 8 + n)])
        let crc = UInt32(be32(p + 8 + n))
        #expect(crc == referenceCRC32(typed), "CRC of chunk \(type)", sourceLocation: sourceLocation)
        out.chunkTypes.append(type)
        let body = Array(typed.dropFirst(4))
        if type == "IHDR" {
            out.width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
            out.height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
            #expect(Array(body[8...]) == [8, 2, 0, 0, 0], sourceLocation: sourceLocation)
        }
        if type == "IDAT" { idat += body }
        p += 12 + n
    }
    #expect(p == png.count, "bytes after the last chunk", sourceLocation: sourceLocation)
    guard let (raw, adler) = TestInflate.zlib(idat) else {
        Issue.record("IDAT is not a valid zlib stream", sourceLocation: sourceLocation)
        return nil
    }
    #expect(adler == referenceAdler32(raw), "Adler-32 of the inflated IDAT", sourceLocation: sourceLocation)
    let stride = out.width * 3
    #expect(raw.count == (stride + 1) * out.height, sourceLocation: sourceLocation)
    guard raw.count == (stride + 1) * out.height else { return nil }
    var pixels = [UInt8](repeating: 0, count: stride * out.height)
    for y in 0..<out.height {
        let filter = raw[y * (stride + 1)]
        for i in 0..<stride {
            let x = raw[y * (stride + 1) + 1 + i]
            let a = i >= 3 ? pixels[y * stride + i - 3] : 0
            let b = y > 0 ? pixels[(y - 1) * stride + i] : 0
            switch filter {
            case 0: pixels[y * stride + i] = x
            case 1: pixels[y * stride + i] = x &+ a
            case 2: pixels[y * stride + i] = x &+ b
            default:
                Issue.record("unexpected filter \(filter)", sourceLocation: sourceLocation)
                return nil
            }
        }
    }
    out.pixels = pixels
    return out
}

/// Counts elements by name while parsing an XML document; records text content.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

@Suite struct PlottingTests {
    /// Two classes either side of the line x = 0 in a fixed box.
    func linearFigure() -> (Figure, Matrix<Double>, [Int]) {
        let pts = Matrix<Double>([[-1, 0.5], [-1.2, -1], [1, 0], [1.3, 1.1], [0.8, -1.4]])
        let classes = [0, 0, 1, 1, 1]
        let fig = Figure.linearBoundaries(
            points: pts, classes: classes,
            boundaries: [LinearBoundary(w1: 1, w2: 1, b: 0), LinearBoundary(w1: 2, w2: 0, b: 0)],
            title: "Perceptron <at> work & \"more\"", bounds: Bounds(xMin: -2, xMax: 2, yMin: -2, yMax: 2))
        return (fig, pts, classes)
    }

    func pixelAt(_ image: RGBImage, _ fig: Figure, _ p: Point2, panel: Int = 0) -> RGB {
        let q = fig.pixel(panel: panel, p)
        return image[Int(q.x), Int(q.y)]
    }

    @Test func pngIsValidAndHoldsTheRenderedPixels() throws {
        let (fig, _, _) = linearFigure()
        let wide = Figure.sideBySide([fig, Figure.lineChart(series: [("loss", [3, 2, 1.5, 1.2, 1.1])], title: "loss")])
        let png = wide.pngData()
        let decoded = try #require(decodePNG(png))
        #expect(decoded.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(decoded.width == 840 && decoded.height == 420)
        let samePixels = decoded.pixels == PNGRenderer.render(wide).pixels
        #expect(samePixels, "decoded PNG pixels differ from the rendered image")
        // Flat areas compress: far below the 1 MB of raw pixels.
        #expect(png.count < 60_000)
        let again = wide.pngData() == png
        #expect(again, "PNG bytes differ between two renderings")
    }

    @Test func encoderRoundTripsNoisyImages() throws {
        // Random pixels exercise literals of every value, short runs and all three filters.
        var image = RGBImage(width: 37, height: 23)
        var g = SeededGenerator(seed: 99)
        for i in 0..<image.pixels.count {
            image.pixels[i] = i % 7 < 3 ? UInt8.random(in: 0...255, using: &g) : image.pixels[max(0, i - 3)]
        }
        let decoded = try #require(decodePNG(PNGEncoder.encode(image)))
        let samePixels = decoded.pixels == image.pixels
        #expect(samePixels, "decoded PNG pixels differ from the image")
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func pointsAndRegionsHaveTheirColours() {
        let (fig, pts, classes) = linearFigure()
        let image = PNGRenderer.render(fig)
        for k in 0..<pts.rows {
            #expect(pixelAt(image, fig, Point2(pts[k, 0], pts[k, 1])) == RGB.classColor(classes[k]))
        }
        // The last boundary is 2x = 0: class 0's region on the left, class 1's on the right.
        #expect(pixelAt(image, fig, Point2(-1.5, 1.6)) == RGB.regionColor(0))
        #expect(pixelAt(image, fig, Point2(-0.3, -1.6)) == RGB.regionColor(0))
        #expect(pixelAt(image, fig, Point2(0.3, 1.6)) == RGB.regionColor(1))
        #expect(pixelAt(image, fig, Point2(1.6, -0.5)) == RGB.regionColor(1))
        // The last boundary is solid black along x = 0, the earlier one (x + y = 0) dashed grey.
        #expect(pixelAt(image, fig, Point2(0, 1.5)) == .black)
        #expect(pixelAt(image, fig, Point2(0, -0.7)) == .black)
        let dashed = (0..<40).map { pixelAt(image, fig, Point2(-1 + Double($0) / 40, 1 - Double($0) / 40)) }
        #expect(dashed.contains { $0 != .black && $0.r == $0.g && $0.g == $0.b && $0.r < 200 })
        #expect(dashed.contains { $0 == RGB.regionColor(0) })  // the gaps between dashes
        // Outside the plot area: white background, with the title drawn in black above it.
        #expect(image[2, 2] == .white)
        let title = (0..<30).flatMap { y in (0..<fig.width).map { image[$0, y] } }
        #expect(title.contains(.black))
    }

    @Test func curvedBoundaryFollowsTheScore() {
        // The unit circle: class 0 inside, class 1 outside.
        let pts = Matrix<Float>([[0, 0], [1.5, 1.5], [-1.6, 0.2]])
        let fig = Figure.decisionRegions(
            points: pts, classes: [0, 1, 1], title: "circle", bounds: Bounds(xMin: -2, xMax: 2, yMin: -2, yMax: 2)
        ) { x, y in x * x + y * y - 1 }
        let image = PNGRenderer.render(fig)
        #expect(pixelAt(image, fig, Point2(0.5, -0.4)) == RGB.regionColor(0))
        #expect(pixelAt(image, fig, Point2(-1.2, -1.2)) == RGB.regionColor(1))
        for angle in stride(from: 0.1, to: 6.2, by: 0.7) {
            let q = fig.pixel(panel: 0, Point2(cos(angle), sin(angle)))
            let near = (-1...1).flatMap { dy in (-1...1).map { dx in image[Int(q.x) + dx, Int(q.y) + dy] } }
            #expect(near.contains(.black), "boundary near angle \(angle)")
        }
        // Every contour segment lies on the circle (up to the grid's linear interpolation).
        guard case .regions(let grid) = fig.panels[0].layers[0] else {
            Issue.record("first layer is not the regions")
            return
        }
        let segments = grid.boundary
        #expect(segments.count > 100)
        for s in segments {
            for p in [s.a, s.b] { #expect(abs((p.x * p.x + p.y * p.y).squareRoot() - 1) < 1e-3) }
        }
    }

    @Test func linearContourAndClipping() {
        let box = Bounds(xMin: -1, xMax: 3, yMin: -2, yMax: 2)
        let line = LinearBoundary(w1: 1, w2: 2, b: -0.5)
        let grid = RegionGrid(bounds: box, resolution: 16) { m in (0..<m.rows).map { line.score(m[$0, 0], m[$0, 1]) } }
        var length = 0.0
        for s in grid.boundary {
            #expect(abs(line.score(s.a.x, s.a.y)) < 1e-12 && abs(line.score(s.b.x, s.b.y)) < 1e-12)
            length += ((s.b.x - s.a.x) * (s.b.x - s.a.x) + (s.b.y - s.a.y) * (s.b.y - s.a.y)).squareRoot()
        }
        let clipped = line.segment(in: box)!
        for p in [clipped.a, clipped.b] {
            #expect(abs(line.score(p.x, p.y)) < 1e-9)
            #expect(box.contains(Point2(p.x + (p.x < 0 ? 1e-9 : 0), p.y)) || abs(p.x - 3) < 1e-9 || abs(abs(p.y) - 2) < 1e-9)
        }
        // The line x = 0.5 − 2y crosses y = ±2 outside x ∈ [−1, 3]… so it enters at x = 3 and x = −1.
        let ys = [clipped.a.y, clipped.b.y].sorted()
        #expect(abs(ys[0] - (-1.25)) < 1e-9 && abs(ys[1] - 0.75) < 1e-9)
        let expectedLength = (16.0 + 4.0).squareRoot()
        #expect(abs(length - expectedLength) < 1e-9)
        #expect(LinearBoundary(w1: 1, w2: 0, b: -10).segment(in: box) == nil)
        #expect(LinearBoundary(w1: 0, w2: 0, b: 1).segment(in: box) == nil)
    }

    @Test func svgParsesAndHasOneCirclePerPoint() throws {
        let (fig, pts, _) = linearFigure()
        let chart = Figure.lineChart(series: [("loss", [1, 0.5, .nan, 0.25]), ("accuracy", [0.5, 0.75, 1, 1])], title: "curves")
        let svg = Figure.sideBySide([fig, chart]).svgText()
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "XML error: \(String(describing: parser.parserError))")
        #expect(counter.counts["svg"] == 1)
        #expect(counter.counts["circle"] == pts.rows)
        // The NaN splits the loss curve in two.
        #expect(counter.counts["polyline"] == 3)
        #expect(counter.text.contains("Perceptron <at> work & \"more\""))
        #expect(counter.text.contains("accuracy"))
        #expect(svg.contains("&lt;at&gt; work &amp; &quot;more&quot;"))
        #expect(counter.counts["rect", default: 0] > 10)  // region runs
    }

    @Test func multiClassRegions() {
        let pts = Matrix<Double>([[-1, -1], [1, -1], [0, 1]])
        let fig = Figure.classRegions(points: pts, classes: [0, 1, 2], title: "three", bounds: Bounds(xMin: -2, xMax: 2, yMin: -2, yMax: 2)) { m in
            (0..<m.rows).map { m[$0, 1] > 0 ? 2 : (m[$0, 0] < 0 ? 0 : 1) }
        }
        let image = PNGRenderer.render(fig)
        #expect(pixelAt(image, fig, Point2(-1.5, -1.5)) == RGB.regionColor(0))
        #expect(pixelAt(image, fig, Point2(1.5, -1.5)) == RGB.regionColor(1))
        #expect(pixelAt(image, fig, Point2(0.5, 1.5)) == RGB.regionColor(2))
        #expect(pixelAt(image, fig, Point2(0, 1)) == RGB.classColor(2))
    }

    @Test func writesFilesAtomically() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        let (fig, _, _) = linearFigure()
        try fig.writePNG(to: dir.file("f.png"))
        try fig.writeSVG(to: dir.file("f.svg"))
        #expect(dir.bytes("f.png") == fig.pngData())
        #expect(dir.bytes("f.svg") == Array(fig.svgText().utf8))
        #expect(throws: AtomicFileError.self) { try fig.writePNG(to: dir.file("no/f.png")) }
        #expect(dir.entries() == ["f.png", "f.svg"])
    }

    @Test func boundsEncloseThePoints() {
        let b = Bounds.enclosing([Point2(0, 1), Point2(10, 3), Point2(.nan, 100)], margin: 0.1)
        #expect(b == Bounds(xMin: -1, xMax: 11, yMin: 0.8, yMax: 3.2))
        let single = Bounds.enclosing([Point2(2, 2)])
        #expect(single == Bounds(xMin: 1.5, xMax: 2.5, yMin: 1.5, yMax: 2.5))
    }
}
