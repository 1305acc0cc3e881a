/// The straight decision boundary `w₁x + w₂y + b = 0` of a linear classifier on 2-D data
/// (perceptron, nearest mean); its score is `s(x, y) = w₁x + w₂y + b`, positive on class 1's side.
public struct LinearBoundary: Equatable, Sendable {
    /// Weights and bias.
    public var w1: Double, w2: Double, b: Double

    /// The boundary `w₁x + w₂y + b = 0`.
    public init(w1: Double, w2: Double, b: Double) {
        self.w1 = w1
        self.w2 = w2
        self.b = b
    }

    /// `w₁x + w₂y + b`.
    public func score(_ x: Double, _ y: Double) -> Double { w1 * x + w2 * y + b }

    /// The part of the line inside `bounds`, or `nil` when the line misses it or `w = 0`.
    public func segment(in bounds: Bounds) -> Segment? {
        let n2 = w1 * w1 + w2 * w2
        guard n2 > 0, n2.isFinite, b.isFinite else { return nil }
        // The point of the line nearest the box centre, and the line's unit direction.
        let cx = (bounds.xMin + bounds.xMax) / 2, cy = (bounds.yMin + bounds.yMax) / 2
        let s = score(cx, cy) / n2
        let p = Point2(cx - s * w1, cy - s * w2)
        let n = n2.squareRoot()
        let d = Point2(-w2 / n, w1 / n)
        let reach = 2 * ((bounds.xMax - bounds.xMin) + (bounds.yMax - bounds.yMin)) + abs(score(cx, cy)) / n
        return LinearBoundary.clip(
            Segment(Point2(p.x - reach * d.x, p.y - reach * d.y), Point2(p.x + reach * d.x, p.y + reach * d.y)), to: bounds)
    }

    /// Liang–Barsky clipping of `s` to `bounds`; `nil` when nothing of it is inside.
    static func clip(_ s: Segment, to bounds: Bounds) -> Segment? {
        let dx = s.b.x - s.a.x, dy = s.b.y - s.a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, s.a.x - bounds.xMin), (dx, bounds.xMax - s.a.x), (-dy, s.a.y - bounds.yMin), (dy, bounds.yMax - s.a.y)] {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let r = q / p
            if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
            if t0 > t1 { return nil }
        }
        return Segment(Point2(s.a.x + t0 * dx, s.a.y + t0 * dy), Point2(s.a.x + t1 * dx, s.a.y + t1 * dy))
    }
}
