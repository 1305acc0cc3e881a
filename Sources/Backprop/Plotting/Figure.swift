/// A point in data coordinates.
public struct Point2: Equatable, Sendable {
    /// Coordinates.
    public var x: Double, y: Double
    /// The point `(x, y)`.
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// A line segment in data coordinates.
public struct Segment: Equatable, Sendable {
    /// End points.
    public var a: Point2, b: Point2
    /// The segment from `a` to `b`.
    public init(_ a: Point2, _ b: Point2) {
        self.a = a
        self.b = b
    }
}

/// The data rectangle `[xMin, xMax] × [yMin, yMax]` a panel shows.
public struct Bounds: Equatable, Sendable {
    /// Edges of the rectangle.
    public var xMin: Double, xMax: Double, yMin: Double, yMax: Double

    /// A rectangle; traps unless `xMin < xMax` and `yMin < yMax` (all finite).
    public init(xMin: Double, xMax: Double, yMin: Double, yMax: Double) {
        if !(xMin < xMax && yMin < yMax) || ![xMin, xMax, yMin, yMax].allSatisfy(\.isFinite) {
            fatalError("Bounds: need finite xMin < xMax and yMin < yMax, got x \(xMin)…\(xMax), y \(yMin)…\(yMax)")
        }
        self.xMin = xMin
        self.xMax = xMax
        self.yMin = yMin
        self.yMax = yMax
    }

    /// The smallest rectangle holding every finite point, widened by `margin` × its size on each
    /// side (a degenerate extent is widened to 1). `[-1, 1]²` when there is no finite point.
    public static func enclosing(_ points: [Point2], margin: Double = 0.08) -> Bounds {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard let first = finite.first else { return Bounds(xMin: -1, xMax: 1, yMin: -1, yMax: 1) }
        var (x0, x1, y0, y1) = (first.x, first.x, first.y, first.y)
        for p in finite {
            x0 = min(x0, p.x); x1 = max(x1, p.x)
            y0 = min(y0, p.y); y1 = max(y1, p.y)
        }
        func widen(_ lo: Double, _ hi: Double) -> (Double, Double) {
            let span = hi - lo
            if span <= 0 || !span.isFinite { return (lo - 0.5, hi + 0.5) }
            return (lo - margin * span, hi + margin * span)
        }
        let (a, b) = widen(x0, x1)
        let (c, d) = widen(y0, y1)
        return Bounds(xMin: a, xMax: b, yMin: c, yMax: d)
    }

    /// Whether `p` lies inside (boundary included).
    public func contains(_ p: Point2) -> Bool { p.x >= xMin && p.x <= xMax && p.y >= yMin && p.y <= yMax }
}

/// A decision function sampled on a regular grid of `(columns + 1) × (rows + 1)` nodes covering
/// a panel's bounds: node `(i, j)` sits at `x = xMin + i·(xMax − xMin)/columns`,
/// `y = yMin + j·(yMax − yMin)/rows`, and `values[j·(columns + 1) + i]` is the score there.
///
/// Binary grids colour a location by the sign of the bilinearly interpolated score (`> 0` →
/// class 1, otherwise class 0) and draw the boundary `score = 0` by marching squares; class
/// grids store a class index per node and colour each location by its nearest node.
public struct RegionGrid: Equatable, Sendable {
    /// How `values` are read.
    public enum Kind: Equatable, Sendable {
        /// Real scores; the boundary is the zero level.
        case binaryScore
        /// Class indices (stored as `Double`).
        case classIndex
    }

    /// The rectangle the grid covers.
    public var bounds: Bounds
    /// Number of cells across and up (nodes are one more).
    public var columns: Int, rows: Int
    /// Node values, `(columns + 1)·(rows + 1)`, row `j` (from the bottom) after row `j − 1`.
    public var values: [Double]
    /// How `values` are read.
    public var kind: Kind

    /// Samples `score` (given all node coordinates at once, as an `n × 2` matrix of `(x, y)`
    /// rows, returning `n` values) on a `resolution × resolution` grid of cells.
    public init(
        bounds: Bounds, resolution: Int = 200, kind: Kind = .binaryScore,
        batch score: (Matrix<Double>) -> [Double]
    ) {
        if resolution < 1 { fatalError("RegionGrid: resolution \(resolution) must be ≥ 1") }
        self.bounds = bounds
        self.columns = resolution
        self.rows = resolution
        self.kind = kind
        var nodes = Matrix<Double>(rows: (resolution + 1) * (resolution + 1), cols: 2)
        for j in 0...resolution {
            for i in 0...resolution {
                let k = j * (resolution + 1) + i
                nodes[k, 0] = bounds.xMin + Double(i) * (bounds.xMax - bounds.xMin) / Double(resolution)
                nodes[k, 1] = bounds.yMin + Double(j) * (bounds.yMax - bounds.yMin) / Double(resolution)
            }
        }
        let v = score(nodes)
        if v.count != nodes.rows {
            fatalError("RegionGrid: score returned \(v.count) values for \(nodes.rows) grid points")
        }
        self.values = v
    }

    /// The node value at `(i, j)`.
    @inlinable public func node(_ i: Int, _ j: Int) -> Double { values[j * (columns + 1) + i] }

    /// The class shown at data point `p` (clamped into the bounds): for binary grids the sign of
    /// the bilinear interpolation of the four surrounding nodes, for class grids the nearest node.
    public func classAt(_ p: Point2) -> Int {
        let fx = min(max((p.x - bounds.xMin) / (bounds.xMax - bounds.xMin), 0), 1) * Double(columns)
        let fy = min(max((p.y - bounds.yMin) / (bounds.yMax - bounds.yMin), 0), 1) * Double(rows)
        switch kind {
        case .classIndex:
            return Int(node(Int(fx.rounded()), Int(fy.rounded())))
        case .binaryScore:
            let i = min(Int(fx), columns - 1), j = min(Int(fy), rows - 1)
            let tx = fx - Double(i), ty = fy - Double(j)
            let bottom = node(i, j) * (1 - tx) + node(i + 1, j) * tx
            let top = node(i, j + 1) * (1 - tx) + node(i + 1, j + 1) * tx
            return bottom * (1 - ty) + top * ty > 0 ? 1 : 0
        }
    }

    /// The zero-level boundary of a binary grid (empty for class grids).
    public var boundary: [Segment] {
        kind == .binaryScore ? MarchingSquares.zeroContour(self) : []
    }
}

/// One thing drawn in a panel, in drawing order.
public enum PlotLayer: Equatable, Sendable {
    /// Light background colours of the decision regions.
    case regions(RegionGrid)
    /// Line segments (decision boundaries), clipped to the panel.
    case segments([Segment], color: RGB, width: Double, dashed: Bool)
    /// Points coloured by class (``RGB/classColor(_:)``), as discs of `radius` pixels.
    case scatter([Point2], classes: [Int], radius: Double)
    /// A connected line through `points` (a curve), with a legend entry if `label` is not empty.
    case polyline([Point2], color: RGB, width: Double, label: String)
}

/// One plot: a data rectangle with a title, axis labels and layers.
public struct Panel: Equatable, Sendable {
    /// Text above the panel.
    public var title: String
    /// Text under the x axis.
    public var xLabel: String
    /// Text left of the y axis (rotated).
    public var yLabel: String
    /// The data rectangle shown.
    public var bounds: Bounds
    /// What is drawn, in order.
    public var layers: [PlotLayer]

    /// A panel.
    public init(title: String, xLabel: String = "", yLabel: String = "", bounds: Bounds, layers: [PlotLayer] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.bounds = bounds
        self.layers = layers
    }
}

/// A pixel rectangle (origin top left, y down).
public struct PixelRect: Equatable, Sendable {
    /// Top-left corner and size.
    public var x: Double, y: Double, width: Double, height: Double
}

/// A figure: one or more panels side by side, rendered by ``PNGRenderer`` and ``SVGRenderer``
/// from this one description (the layout below is shared, so both show the same picture).
///
/// Each panel occupies `panelWidth × panelHeight` pixels; its plot area is inset by
/// ``margins`` (room for the title above, tick labels and axis label below and left).
public struct Figure: Equatable, Sendable {
    /// The panels, left to right.
    public var panels: [Panel]
    /// Width of each panel in pixels.
    public var panelWidth: Int
    /// Height of the figure in pixels.
    public var panelHeight: Int

    /// Insets of the plot area inside a panel, in pixels.
    public static let margins = (left: 58.0, right: 18.0, top: 36.0, bottom: 46.0)

    /// A figure of `panels` side by side; traps when there is none or a panel is below 100×100.
    public init(panels: [Panel], panelWidth: Int = 420, panelHeight: Int = 420) {
        if panels.isEmpty { fatalError("Figure: needs at least one panel") }
        if panelWidth < 100 || panelHeight < 100 { fatalError("Figure: panel size \(panelWidth)×\(panelHeight) is below 100×100") }
        self.panels = panels
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// Total width in pixels.
    public var width: Int { panelWidth * panels.count }
    /// Total height in pixels.
    public var height: Int { panelHeight }

    /// The plot area of panel `k`, in pixels.
    public func plotRect(_ k: Int) -> PixelRect {
        let m = Figure.margins
        return PixelRect(
            x: Double(k * panelWidth) + m.left, y: m.top,
            width: Double(panelWidth) - m.left - m.right, height: Double(panelHeight) - m.top - m.bottom)
    }

    /// Pixel coordinates (continuous, y down) of data point `p` in panel `k`:
    /// `px = left + (x − xMin)/(xMax − xMin)·width`, `py = top + (yMax − y)/(yMax − yMin)·height`.
    public func pixel(panel k: Int, _ p: Point2) -> (x: Double, y: Double) {
        let r = plotRect(k), b = panels[k].bounds
        return (r.x + (p.x - b.xMin) / (b.xMax - b.xMin) * r.width, r.y + (b.yMax - p.y) / (b.yMax - b.yMin) * r.height)
    }

    /// The data point at pixel coordinates `(px, py)` of panel `k` (inverse of ``pixel(panel:_:)``).
    public func dataPoint(panel k: Int, x px: Double, y py: Double) -> Point2 {
        let r = plotRect(k), b = panels[k].bounds
        return Point2(b.xMin + (px - r.x) / r.width * (b.xMax - b.xMin), b.yMax - (py - r.y) / r.height * (b.yMax - b.yMin))
    }

    /// The PNG file of this figure.
    public func pngData() -> [UInt8] { PNGRenderer.png(self) }

    /// The SVG document of this figure.
    public func svgText() -> String { SVGRenderer.svg(self) }

    /// Writes the PNG atomically to `path` (see ``AtomicFile``).
    public func writePNG(to path: String) throws { try AtomicFile.write(pngData(), to: path) }

    /// Writes the SVG atomically to `path` (see ``AtomicFile``).
    public func writeSVG(to path: String) throws { try AtomicFile.write(text: svgText(), to: path) }
}
