/// The zero level set `{p : s(p) = 0}` of a score sampled on a ``RegionGrid``, as line segments.
///
/// Marching squares: each grid cell's four corners are classified by `s > 0`; the 16 sign
/// patterns say which cell edges the level crosses, and each crossing point is placed by linear
/// interpolation along its edge, `t = s₀ / (s₀ − s₁)`. In the two saddle patterns (diagonal
/// corners of equal sign) the cell centre's average value decides which corners connect.
enum MarchingSquares {
    static func zeroContour(_ g: RegionGrid) -> [Segment] {
        let b = g.bounds
        let dx = (b.xMax - b.xMin) / Double(g.columns), dy = (b.yMax - b.yMin) / Double(g.rows)
        var out: [Segment] = []
        for j in 0..<g.rows {
            for i in 0..<g.columns {
                let bl = g.node(i, j), br = g.node(i + 1, j), tr = g.node(i + 1, j + 1), tl = g.node(i, j + 1)
                let index = (bl > 0 ? 1 : 0) | (br > 0 ? 2 : 0) | (tr > 0 ? 4 : 0) | (tl > 0 ? 8 : 0)
                if index == 0 || index == 15 { continue }
                let x0 = b.xMin + Double(i) * dx, y0 = b.yMin + Double(j) * dy
                func cross(_ v0: Double, _ v1: Double) -> Double {
                    let d = v0 - v1
                    return d == 0 ? 0.5 : min(max(v0 / d, 0), 1)
                }
                let bottom = Point2(x0 + cross(bl, br) * dx, y0)
                let right = Point2(x0 + dx, y0 + cross(br, tr) * dy)
                let top = Point2(x0 + cross(tl, tr) * dx, y0 + dy)
                let left = Point2(x0, y0 + cross(bl, tl) * dy)
                let centrePositive = (bl + br + tr + tl) / 4 > 0
                switch index {
                case 1, 14: out.append(Segment(left, bottom))
                case 2, 13: out.append(Segment(bottom, right))
                case 3, 12: out.append(Segment(left, right))
                case 4, 11: out.append(Segment(right, top))
                case 6, 9: out.append(Segment(bottom, top))
                case 7, 8: out.append(Segment(left, top))
                case 5:  // bl and tr positive
                    if centrePositive {
                        out.append(Segment(bottom, right)); out.append(Segment(left, top))
                    } else {
                        out.append(Segment(left, bottom)); out.append(Segment(right, top))
                    }
                case 10:  // br and tl positive
                    if centrePositive {
                        out.append(Segment(left, bottom)); out.append(Segment(right, top))
                    } else {
                        out.append(Segment(bottom, right)); out.append(Segment(left, top))
                    }
                default: break
                }
            }
        }
        return out
    }
}
