import Foundation

/// Writes a ``Figure`` as an SVG 1.1 document with the same layout as ``PNGRenderer``: decision
/// regions as rectangles (one per run of equal class along each grid row, sampled at grid-cell
/// centres), boundaries and curves as paths, points as one `<circle>` each, and real text for
/// titles, tick labels, axis labels and legends. All text is XML-escaped.
public enum SVGRenderer {
    /// The SVG document of `figure`.
    public static func svg(_ figure: Figure) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(figure.width)" height="\(figure.height)" \
            viewBox="0 0 \(figure.width) \(figure.height)" font-family="Helvetica, Arial, sans-serif">
            <rect x="0" y="0" width="\(figure.width)" height="\(figure.height)" fill="#ffffff"/>

            """
        for (k, panel) in figure.panels.enumerated() {
            out += panelSVG(k, panel, figure)
        }
        out += "</svg>\n"
        return out
    }

    /// `s` with `&`, `<`, `>`, `"` and `'` replaced by entities (and control characters dropped,
    /// as XML 1.0 forbids them).
    public static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\n" && u != "\t" { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with two decimals.
    static func f(_ v: Double) -> String {
        let s = String(format: "%.2f", v)
        return s == "-0.00" ? "0.00" : s
    }

    static func panelSVG(_ k: Int, _ panel: Panel, _ figure: Figure) -> String {
        let r = figure.plotRect(k)
        let b = panel.bounds
        let xt = Ticks.values(b.xMin, b.xMax), yt = Ticks.values(b.yMin, b.yMax)
        let hasRegions = panel.layers.contains { if case .regions = $0 { true } else { false } }
        var o = "<g id=\"panel\(k)\">\n"
        o += "<clipPath id=\"clip\(k)\"><rect x=\"\(f(r.x))\" y=\"\(f(r.y))\" width=\"\(f(r.width))\" height=\"\(f(r.height))\"/></clipPath>\n"
        o += "<g clip-path=\"url(#clip\(k))\">\n"
        if !hasRegions {
            for v in xt.values {
                let x = figure.pixel(panel: k, Point2(v, b.yMin)).x
                o += "<line x1=\"\(f(x))\" y1=\"\(f(r.y))\" x2=\"\(f(x))\" y2=\"\(f(r.y + r.height))\" stroke=\"\(RGB.grid.hex)\" stroke-width=\"1\"/>\n"
            }
            for v in yt.values {
                let y = figure.pixel(panel: k, Point2(b.xMin, v)).y
                o += "<line x1=\"\(f(r.x))\" y1=\"\(f(y))\" x2=\"\(f(r.x + r.width))\" y2=\"\(f(y))\" stroke=\"\(RGB.grid.hex)\" stroke-width=\"1\"/>\n"
            }
        }
        for layer in panel.layers {
            switch layer {
            case .regions(let grid):
                o += "<g shape-rendering=\"crispEdges\" stroke=\"none\">\n"
                let cw = r.width / Double(grid.columns), ch = r.height / Double(grid.rows)
                for j in 0..<grid.rows {
                    // Grid row j (from the bottom) is pixel row rows−1−j (from the top).
                    let y = r.y + Double(grid.rows - 1 - j) * ch
                    var start = 0
                    var current = -1
                    func emit(_ end: Int) {
                        guard current >= 0 else { return }
                        o += "<rect x=\"\(f(r.x + Double(start) * cw))\" y=\"\(f(y))\" width=\"\(f(Double(end - start) * cw + 0.5))\" height=\"\(f(ch + 0.5))\" fill=\"\(RGB.regionColor(current).hex)\"/>\n"
                    }
                    for i in 0..<grid.columns {
                        let centre = Point2(
                            b.xMin + (Double(i) + 0.5) / Double(grid.columns) * (b.xMax - b.xMin),
                            b.yMin + (Double(j) + 0.5) / Double(grid.rows) * (b.yMax - b.yMin))
                        let cls = grid.classAt(centre)
                        if cls != current {
                            emit(i)
                            start = i
                            current = cls
                        }
                    }
                    emit(grid.columns)
                }
                o += "</g>\n"
            case .segments(let segments, let color, let width, let dashed):
                guard !segments.isEmpty else { continue }
                var d = ""
                for s in segments {
                    let a = figure.pixel(panel: k, s.a), e = figure.pixel(panel: k, s.b)
                    d += "M\(f(a.x)) \(f(a.y))L\(f(e.x)) \(f(e.y))"
                }
                o += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(f(width))\" stroke-linecap=\"round\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            case .polyline(let points, let color, let width, _):
                let pts = points.map { p -> String in
                    let q = figure.pixel(panel: k, p)
                    return "\(f(q.x)),\(f(q.y))"
                }.joined(separator: " ")
                o += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(f(width))\" stroke-linejoin=\"round\"/>\n"
            case .scatter(let points, let classes, let radius):
                for (p, cls) in zip(points, classes) where p.x.isFinite && p.y.isFinite {
                    let q = figure.pixel(panel: k, p)
                    let color = RGB.classColor(cls)
                    o += "<circle cx=\"\(f(q.x))\" cy=\"\(f(q.y))\" r=\"\(f(radius))\" fill=\"\(color.hex)\" stroke=\"\(color.mixed(with: .black, 0.55).hex)\" stroke-width=\"1\"/>\n"
                }
            }
        }
        o += "</g>\n"

        // Frame, ticks, labels.
        let axis = RGB.axis.hex
        o += "<rect x=\"\(f(r.x))\" y=\"\(f(r.y))\" width=\"\(f(r.width))\" height=\"\(f(r.height))\" fill=\"none\" stroke=\"\(axis)\" stroke-width=\"1\"/>\n"
        for v in xt.values {
            let x = figure.pixel(panel: k, Point2(v, b.yMin)).x
            let y = r.y + r.height
            o += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x))\" y2=\"\(f(y + 5))\" stroke=\"\(axis)\"/>\n"
            o += "<text x=\"\(f(x))\" y=\"\(f(y + 17))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(axis)\">\(escape(Ticks.label(v, step: xt.step)))</text>\n"
        }
        for v in yt.values {
            let y = figure.pixel(panel: k, Point2(b.xMin, v)).y
            o += "<line x1=\"\(f(r.x - 5))\" y1=\"\(f(y))\" x2=\"\(f(r.x))\" y2=\"\(f(y))\" stroke=\"\(axis)\"/>\n"
            o += "<text x=\"\(f(r.x - 8))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"\(axis)\">\(escape(Ticks.label(v, step: yt.step)))</text>\n"
        }
        let left = Double(k * figure.panelWidth)
        if !panel.xLabel.isEmpty {
            o += "<text x=\"\(f(r.x + r.width / 2))\" y=\"\(f(r.y + r.height + 38))\" font-size=\"14\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>\n"
        }
        if !panel.yLabel.isEmpty {
            let cx = left + 16, cy = r.y + r.height / 2
            o += "<text x=\"\(f(cx))\" y=\"\(f(cy))\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(cx)) \(f(cy)))\">\(escape(panel.yLabel))</text>\n"
        }
        o += "<text x=\"\(f(left + Double(figure.panelWidth) / 2))\" y=\"24\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(panel.title))</text>\n"
        var row = 0
        for layer in panel.layers {
            guard case .polyline(_, let color, _, let label) = layer, !label.isEmpty else { continue }
            let y = r.y + 16 + 16 * Double(row)
            let right = r.x + r.width - 8
            o += "<text x=\"\(f(right))\" y=\"\(f(y + 4))\" font-size=\"12\" text-anchor=\"end\">\(escape(label))</text>\n"
            o += "<line x1=\"\(f(right - 8 * Double(label.count) - 30))\" y1=\"\(f(y))\" x2=\"\(f(right - 8 * Double(label.count) - 8))\" y2=\"\(f(y))\" stroke=\"\(color.hex)\" stroke-width=\"2\"/>\n"
            row += 1
        }
        o += "</g>\n"
        return o
    }
}
