import Foundation

/// Rasterises a ``Figure`` into an ``RGBImage`` (no anti-aliasing, so every pixel has an exact,
/// testable colour) and encodes it with ``PNGEncoder``.
///
/// Pixel `(i, j)` covers `[i, i+1) × [j, j+1)` in the figure's pixel coordinates; a region pixel
/// takes the class at its centre, a disc of radius `r` around `c` covers the pixels whose
/// centres are within `r` of `c`. Text uses the built-in 5×7 ``BitmapFont``.
public enum PNGRenderer {
    /// The PNG file of `figure`.
    public static func png(_ figure: Figure) -> [UInt8] { PNGEncoder.encode(render(figure)) }

    /// The raster of `figure`, `figure.width × figure.height` pixels.
    public static func render(_ figure: Figure) -> RGBImage {
        var canvas = Canvas(image: RGBImage(width: figure.width, height: figure.height))
        for (k, panel) in figure.panels.enumerated() {
            drawPanel(k, panel, figure, &canvas)
        }
        return canvas.image
    }

    static func drawPanel(_ k: Int, _ panel: Panel, _ figure: Figure, _ c: inout Canvas) {
        let r = figure.plotRect(k)
        let px0 = Int(r.x), py0 = Int(r.y), px1 = Int(r.x + r.width), py1 = Int(r.y + r.height)
        let b = panel.bounds
        let xt = Ticks.values(b.xMin, b.xMax), yt = Ticks.values(b.yMin, b.yMax)
        let hasRegions = panel.layers.contains { if case .regions = $0 { true } else { false } }

        c.clip = (px0, py0, px1, py1)
        if !hasRegions {
            for v in xt.values {
                let x = Int(figure.pixel(panel: k, Point2(v, b.yMin)).x)
                c.fill(x, py0, x + 1, py1, .grid)
            }
            for v in yt.values {
                let y = Int(figure.pixel(panel: k, Point2(b.xMin, v)).y)
                c.fill(px0, y, px1, y + 1, .grid)
            }
        }
        for layer in panel.layers {
            switch layer {
            case .regions(let grid):
                for j in py0..<py1 {
                    for i in px0..<px1 {
                        let p = figure.dataPoint(panel: k, x: Double(i) + 0.5, y: Double(j) + 0.5)
                        c.image[i, j] = RGB.regionColor(grid.classAt(p))
                    }
                }
            case .segments(let segments, let color, let width, let dashed):
                for s in segments {
                    c.line(figure.pixel(panel: k, s.a), figure.pixel(panel: k, s.b), width: width, color: color, dashed: dashed)
                }
            case .polyline(let points, let color, let width, _):
                if points.count == 1 {
                    let p = figure.pixel(panel: k, points[0])
                    c.disc(p.x, p.y, radius: width, color: color)
                }
                for (a, bb) in zip(points, points.dropFirst()) {
                    c.line(figure.pixel(panel: k, a), figure.pixel(panel: k, bb), width: width, color: color, dashed: false)
                }
            case .scatter(let points, let classes, let radius):
                for (p, cls) in zip(points, classes) where p.x.isFinite && p.y.isFinite {
                    let q = figure.pixel(panel: k, p)
                    let color = RGB.classColor(cls)
                    c.disc(q.x, q.y, radius: radius + 1, color: color.mixed(with: .black, 0.55))
                    c.disc(q.x, q.y, radius: radius, color: color)
                }
            }
        }

        // Frame, ticks and labels, outside the plot area.
        c.clip = (k * figure.panelWidth, 0, (k + 1) * figure.panelWidth, figure.height)
        c.fill(px0 - 1, py0 - 1, px1 + 1, py0, .axis)
        c.fill(px0 - 1, py1, px1 + 1, py1 + 1, .axis)
        c.fill(px0 - 1, py0 - 1, px0, py1 + 1, .axis)
        c.fill(px1, py0 - 1, px1 + 1, py1 + 1, .axis)
        for v in xt.values {
            let x = Int(figure.pixel(panel: k, Point2(v, b.yMin)).x)
            c.fill(x, py1 + 1, x + 1, py1 + 5, .axis)
            c.text(Ticks.label(v, step: xt.step), x: Double(x), y: Double(py1 + 8), scale: 1, color: .axis, anchor: .center)
        }
        for v in yt.values {
            let y = Int(figure.pixel(panel: k, Point2(b.xMin, v)).y)
            c.fill(px0 - 5, y, px0 - 1, y + 1, .axis)
            c.text(Ticks.label(v, step: yt.step), x: Double(px0 - 8), y: Double(y - 3), scale: 1, color: .axis, anchor: .right)
        }
        if !panel.xLabel.isEmpty {
            c.text(panel.xLabel, x: r.x + r.width / 2, y: Double(py1 + 24), scale: 2, color: .black, anchor: .center)
        }
        if !panel.yLabel.isEmpty {
            c.verticalText(panel.yLabel, x: Double(k * figure.panelWidth + 6), centreY: r.y + r.height / 2, scale: 2, color: .black)
        }
        let titleScale = BitmapFont.width(panel.title, scale: 2) <= figure.panelWidth - 8 ? 2 : 1
        c.text(panel.title, x: Double(k * figure.panelWidth) + Double(figure.panelWidth) / 2, y: 10, scale: titleScale, color: .black, anchor: .center)

        // Legend of labelled curves, top right inside the plot area.
        var row = 0
        for layer in panel.layers {
            guard case .polyline(_, let color, _, let label) = layer, !label.isEmpty else { continue }
            let y = Double(py0 + 10 + 14 * row)
            let right = Double(px1 - 8)
            let textWidth = Double(BitmapFont.width(label, scale: 1))
            c.fill(Int(right - textWidth - 28), Int(y) - 3, Int(right) + 3, Int(y) + 10, .white)
            c.fill(Int(right - textWidth - 24), Int(y) + 3, Int(right - textWidth - 6), Int(y) + 5, color)
            c.text(label, x: right, y: y, scale: 1, color: .black, anchor: .right)
            row += 1
        }
    }

    /// Drawing primitives on an image, restricted to a clip rectangle `[x0, x1) × [y0, y1)`.
    struct Canvas {
        var image: RGBImage
        var clip: (x0: Int, y0: Int, x1: Int, y1: Int)

        init(image: RGBImage) {
            self.image = image
            clip = (0, 0, image.width, image.height)
        }

        mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
            if x >= clip.x0 && x < clip.x1 && y >= clip.y0 && y < clip.y1 { image[x, y] = color }
        }

        /// Fills `[x0, x1) × [y0, y1)`.
        mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
            for y in max(y0, clip.y0)..<max(max(y0, clip.y0), min(y1, clip.y1)) {
                for x in max(x0, clip.x0)..<max(max(x0, clip.x0), min(x1, clip.x1)) { image[x, y] = color }
            }
        }

        /// The pixels whose centres lie within `radius` of `(cx, cy)` (at least the pixel holding it).
        mutating func disc(_ cx: Double, _ cy: Double, radius: Double, color: RGB) {
            guard cx.isFinite, cy.isFinite, abs(cx) < 1e6, abs(cy) < 1e6 else { return }
            set(Int(cx.rounded(.down)), Int(cy.rounded(.down)), color)
            let r2 = radius * radius
            for y in Int((cy - radius).rounded(.down))...Int((cy + radius).rounded(.up)) {
                for x in Int((cx - radius).rounded(.down))...Int((cx + radius).rounded(.up)) {
                    let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                    if dx * dx + dy * dy <= r2 { set(x, y, color) }
                }
            }
        }

        /// A line of `width` pixels from `a` to `b` (dashes of 6 px with gaps of 4 px if `dashed`).
        mutating func line(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), width: Double, color: RGB, dashed: Bool) {
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            guard length.isFinite, length < 1e6 else { return }
            let n = max(1, Int(length * 2))
            for s in 0...n {
                let t = Double(s) / Double(n)
                if dashed && (t * length).truncatingRemainder(dividingBy: 10) > 6 { continue }
                disc(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y), radius: width / 2, color: color)
            }
        }

        enum Anchor { case left, center, right }

        /// `text` with its top at `y`, horizontally anchored at `x`.
        mutating func text(_ text: String, x: Double, y: Double, scale: Int, color: RGB, anchor: Anchor) {
            let w = Double(BitmapFont.width(text, scale: scale))
            var left = Int(anchor == .left ? x : anchor == .center ? x - w / 2 : x - w)
            let top = Int(y)
            for ch in text {
                let g = BitmapFont.glyph(ch)
                for (row, bits) in g.enumerated() {
                    for col in 0..<5 where bits & (0x10 >> UInt8(col)) != 0 {
                        fill(left + col * scale, top + row * scale, left + (col + 1) * scale, top + (row + 1) * scale, color)
                    }
                }
                left += BitmapFont.advance * scale
            }
        }

        /// `text` rotated 90° counter-clockwise (reading bottom to top), its left edge at `x`,
        /// centred vertically on `centreY`.
        mutating func verticalText(_ text: String, x: Double, centreY: Double, scale: Int, color: RGB) {
            let w = BitmapFont.width(text, scale: scale)
            var bottom = Int(centreY) + w / 2
            let left = Int(x)
            for ch in text {
                let g = BitmapFont.glyph(ch)
                for (row, bits) in g.enumerated() {
                    for col in 0..<5 where bits & (0x10 >> UInt8(col)) != 0 {
                        // Glyph (col, row) → image (left + row, bottom − col).
                        fill(left + row * scale, bottom - (col + 1) * scale, left + (row + 1) * scale, bottom - col * scale, color)
                    }
                }
                bottom -= BitmapFont.advance * scale
            }
        }
    }
}
