/// Ready-made figures from plain data (no dependency on networks or classifiers: a model enters
/// only through its score function).
extension Figure {
    /// The rows of an `N × 2` matrix as points; traps on other shapes or a class count ≠ `N`.
    static func points<T: BLASScalar>(_ m: Matrix<T>, classes: [Int], _ caller: String) -> [Point2] {
        if m.cols != 2 { fatalError("\(caller): points must be N×2, got \(m.rows)×\(m.cols)") }
        if classes.count != m.rows {
            fatalError("\(caller): points are \(m.rows)×2 but there are \(classes.count) classes")
        }
        return (0..<m.rows).map { Point2(Double(m[$0, 0]), Double(m[$0, 1])) }
    }

    /// Decision regions and boundary of a binary classifier on 2-D data, one panel.
    ///
    /// `points` is `N × 2`, `classes[k] ∈ {0, 1}` its classes; `score` takes all grid points at once
    /// (an `n × 2` matrix of `(x, y)` rows, so a network can classify them in one forward pass) and
    /// returns `n` scores, positive meaning class 1. Regions are the sign of the score, the
    /// boundary its zero level (marching squares). `bounds` defaults to the points' extent.
    public static func decisionRegions<T: BLASScalar>(
        points: Matrix<T>, classes: [Int], title: String, bounds: Bounds? = nil, resolution: Int = 200,
        batchScore score: (Matrix<Double>) -> [Double]
    ) -> Figure {
        let pts = Figure.points(points, classes: classes, "Figure.decisionRegions")
        let box = bounds ?? Bounds.enclosing(pts)
        let grid = RegionGrid(bounds: box, resolution: resolution, batch: score)
        return Figure(panels: [Panel(
            title: title, xLabel: "x₁", yLabel: "x₂", bounds: box,
            layers: [
                .regions(grid), .segments(grid.boundary, color: .black, width: 2, dashed: false),
                .scatter(pts, classes: classes, radius: 4),
            ])])
    }

    /// ``decisionRegions(points:classes:title:bounds:resolution:batchScore:)`` with a score
    /// evaluated one point at a time, `score(x, y)`.
    public static func decisionRegions<T: BLASScalar>(
        points: Matrix<T>, classes: [Int], title: String, bounds: Bounds? = nil, resolution: Int = 200,
        score: (Double, Double) -> Double
    ) -> Figure {
        decisionRegions(points: points, classes: classes, title: title, bounds: bounds, resolution: resolution) {
            (m: Matrix<Double>) in (0..<m.rows).map { score(m[$0, 0], m[$0, 1]) }
        }
    }

    /// Regions of a multi-class classifier (e.g. softmax): `classify` maps an `n × 2` matrix of
    /// grid points to `n` class indices; each location takes the colour of its nearest grid
    /// node's class. No boundary lines are drawn.
    public static func classRegions<T: BLASScalar>(
        points: Matrix<T>, classes: [Int], title: String, bounds: Bounds? = nil, resolution: Int = 200,
        classify: (Matrix<Double>) -> [Int]
    ) -> Figure {
        let pts = Figure.points(points, classes: classes, "Figure.classRegions")
        let box = bounds ?? Bounds.enclosing(pts)
        let grid = RegionGrid(bounds: box, resolution: resolution, kind: .classIndex) { classify($0).map(Double.init) }
        return Figure(panels: [Panel(
            title: title, xLabel: "x₁", yLabel: "x₂", bounds: box,
            layers: [.regions(grid), .scatter(pts, classes: classes, radius: 4)])])
    }

    /// Straight boundaries of a linear classifier, e.g. the perceptron after each epoch: the
    /// regions of the last boundary, earlier boundaries as dashed lines from light to dark grey,
    /// the last one solid black, and the points.
    public static func linearBoundaries<T: BLASScalar>(
        points: Matrix<T>, classes: [Int], boundaries: [LinearBoundary], title: String, bounds: Bounds? = nil
    ) -> Figure {
        let pts = Figure.points(points, classes: classes, "Figure.linearBoundaries")
        let box = bounds ?? Bounds.enclosing(pts)
        var layers: [PlotLayer] = []
        if let last = boundaries.last {
            layers.append(.regions(RegionGrid(bounds: box, resolution: 100) { m in
                (0..<m.rows).map { last.score(m[$0, 0], m[$0, 1]) }
            }))
        }
        for (k, line) in boundaries.enumerated() {
            guard let s = line.segment(in: box) else { continue }
            if k == boundaries.count - 1 {
                layers.append(.segments([s], color: .black, width: 2, dashed: false))
            } else {
                // Older boundaries are lighter: grey from 60 % white (first) to 15 % white (last but one).
                let age = Double(boundaries.count - 2 - k) / Double(max(1, boundaries.count - 2))
                layers.append(.segments([s], color: RGB.black.mixed(with: .white, 0.15 + 0.45 * age), width: 1.5, dashed: true))
            }
        }
        layers.append(.scatter(pts, classes: classes, radius: 4))
        return Figure(panels: [Panel(title: title, xLabel: "x₁", yLabel: "x₂", bounds: box, layers: layers)])
    }

    /// Curves such as training loss or accuracy against the step: series `s` is drawn through
    /// `(firstX + t·stepX, values[t])` in colour ``RGB/palette``[s], with a legend of the names.
    /// Non-finite values break the curve. The y range covers every finite value.
    public static func lineChart(
        series: [(name: String, values: [Double])], title: String, xLabel: String = "step",
        yLabel: String = "", firstX: Double = 1, stepX: Double = 1
    ) -> Figure {
        var layers: [PlotLayer] = []
        var all: [Point2] = []
        for (s, entry) in series.enumerated() {
            var run: [Point2] = []
            var labelled = false
            func flush() {
                if !run.isEmpty {
                    layers.append(.polyline(run, color: RGB.classColor(s), width: 2, label: labelled ? "" : entry.name))
                    labelled = true
                }
                run = []
            }
            for (t, v) in entry.values.enumerated() {
                let p = Point2(firstX + Double(t) * stepX, v)
                if v.isFinite {
                    run.append(p)
                    all.append(p)
                } else {
                    flush()
                }
            }
            flush()
        }
        var box = Bounds.enclosing(all, margin: 0.04)
        if let first = all.first {
            // The x axis spans exactly the steps; the y axis gets a little room.
            let xs = all.map(\.x)
            let (lo, hi) = (xs.min()!, xs.max()!)
            box = Bounds(xMin: lo < hi ? lo : first.x - 1, xMax: lo < hi ? hi : first.x + 1, yMin: box.yMin, yMax: box.yMax)
        }
        return Figure(panels: [Panel(title: title, xLabel: xLabel, yLabel: yLabel, bounds: box, layers: layers)])
    }

    /// The panels of `figures`, left to right, in one figure (panel size of the first figure).
    public static func sideBySide(_ figures: [Figure]) -> Figure {
        guard let first = figures.first else { fatalError("Figure.sideBySide: no figures") }
        return Figure(panels: figures.flatMap(\.panels), panelWidth: first.panelWidth, panelHeight: first.panelHeight)
    }
}
