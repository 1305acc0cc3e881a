import Backprop

/// The executable's seeded stand-in data set (until dataset loading lands on main): `x` uniform in
/// `[−1, 1]^{d_0}` and targets from a fixed random "teacher" `v = x·M` (`M` seeded, `d_0 × d_L`):
/// - `mse`: `t = sin(v)` elementwise;
/// - `softmax`: one-hot of `argmax v`;
/// - binary losses (`d_L = 1`): `t = sign(v_0)` in `{−1, +1}`.
/// Computed in `Double` and rounded once, so `f32` and `f64` runs see the same data.
enum SyntheticData {
    static func make<T: BLASScalar>(
        _: T.Type, rows: Int, inputs d0: Int, outputs dL: Int, loss: Loss, seed: UInt64
    ) -> (Matrix<T>, Matrix<T>) {
        var g = SeededGenerator(seed: seed)
        let m = (0..<(d0 * dL)).map { _ in g.nextGaussian() / Double(d0).squareRoot() * 2 }
        var x = [T]()
        var t = [T]()
        x.reserveCapacity(rows * d0)
        t.reserveCapacity(rows * dL)
        for _ in 0..<rows {
            let row = (0..<d0).map { _ in Double.random(in: -1...1, using: &g) }
            x += row.map { T($0) }
            let v = (0..<dL).map { j in (0..<d0).reduce(0.0) { $0 + row[$1] * m[$1 * dL + j] } }
            switch loss {
            case .mse: t += v.map { T(sine($0)) }
            case .softmax:
                let k = v.indices.max { v[$0] < v[$1] }!
                t += (0..<dL).map { $0 == k ? 1 : 0 }
            case .perceptron, .hinge, .logistic: t += v.map { $0 >= 0 ? 1 : -1 }
            }
        }
        return (Matrix(rows: rows, cols: d0, elements: x), Matrix(rows: rows, cols: dL, elements: t))
    }

    /// `sin` by range reduction and its Taylor series (no libm: the same bits on every machine).
    static func sine(_ v: Double) -> Double {
        var x = v.truncatingRemainder(dividingBy: 2 * Double.pi)
        if x > .pi { x -= 2 * .pi } else if x < -.pi { x += 2 * .pi }
        var term = x
        var sum = x
        for k in 1..<14 {
            term *= -x * x / Double((2 * k) * (2 * k + 1))
            sum += term
        }
        return sum
    }
}
