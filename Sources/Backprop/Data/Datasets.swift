import RealModule

/// Seeded two-dimensional toy problems for the lecture: two classes each, features `x1, x2`.
///
/// Conventions shared by every generator:
/// - `samples` points in total; sample `k` has class `k mod 2` (so the classes alternate and are
///   balanced); class names are `"-1"` (class 0, target −1) and `"1"` (class 1, target +1) — the
///   order the CSV rule of ``ClassLabels`` gives them back, so a data set written to CSV and
///   loaded again has the same targets.
/// - Coordinates are computed in `Double` from one ``SeededGenerator`` and then rounded to the
///   scalar type: the same seed gives the same points (up to rounding) in `Float` and `Double`,
///   run after run.
/// - `noise` is a standard deviation in the units of the coordinates.
public enum Datasets {
    /// The names accepted by ``named(_:samples:seed:)``.
    public static let names = ["blobs", "elongated", "xor", "moons", "circles", "spirals"]

    /// Two round Gaussian blobs, linearly separable with a guaranteed margin.
    ///
    /// With `u = (0.8, 0.6)` and centre `m = (1, 1)`, class `t ∈ {−1, +1}` is drawn around
    /// `m + t·(separation/2)·u` with standard deviation `noise`; points with
    /// `t·uᵀ(x − m) < separation/4` are redrawn. So the line `uᵀx − uᵀm = 0` (weights `u`,
    /// bias `−1.4`) separates the classes with a margin of at least `separation/4`.
    public static func blobs<T: BLASScalar>(
        samples: Int, separation: Double = 4, noise: Double = 0.6, seed: UInt64
    ) -> LabeledData<T> {
        if separation < 0 || noise < 0 { fatalError("Datasets.blobs: separation and noise must be ≥ 0") }
        let u = (0.8, 0.6), m = (1.0, 1.0)
        return generate(samples, seed) { k, g in
            let t: Double = k % 2 == 1 ? 1 : -1
            while true {
                let a = t * separation / 2 + noise * g.nextGaussian(Double.self)
                let e = noise * g.nextGaussian(Double.self)
                // Along u: a; across u (direction (−0.6, 0.8)): e.
                if t * a >= separation / 4 {
                    return (m.0 + a * u.0 - e * u.1, m.1 + a * u.1 + e * u.0)
                }
            }
        }
    }

    /// Two long, thin, parallel Gaussian clouds: linearly separable, yet the nearest-mean
    /// classifier fails on them (the lecture's observation).
    ///
    /// With the long direction `v = (0.8, 0.6)` and the normal `n = (−0.6, 0.8)`, class `t` is
    /// `t·(gap/2)·n + t·(shift/2)·v + a·v + e·n` with `a ~ N(0, length²)` and `e ~ N(0, noise²)`,
    /// `e` redrawn while `t·e < −0.4·gap`. The line `nᵀx = 0` (weights `n`, bias 0) separates the
    /// classes with a margin of at least `gap/10`. The class means differ by `gap·n + shift·v`,
    /// not along `n`, so the perpendicular bisector of the means cuts through both clouds.
    public static func elongated<T: BLASScalar>(
        samples: Int, gap: Double = 1, length: Double = 3, shift: Double = 2,
        noise: Double = 0.15, seed: UInt64
    ) -> LabeledData<T> {
        if gap < 0 || length < 0 || noise < 0 {
            fatalError("Datasets.elongated: gap, length and noise must be ≥ 0")
        }
        let v = (0.8, 0.6), n = (-0.6, 0.8)
        return generate(samples, seed) { k, g in
            let t: Double = k % 2 == 1 ? 1 : -1
            let a = t * shift / 2 + length * g.nextGaussian(Double.self)
            var e = noise * g.nextGaussian(Double.self)
            while t * e < -0.4 * gap { e = noise * g.nextGaussian(Double.self) }
            let across = t * gap / 2 + e
            return (a * v.0 + across * n.0, a * v.1 + across * n.1)
        }
    }

    /// XOR: four Gaussian clusters at `(±1, ±1)` with standard deviation `noise`. Class 1 (+1)
    /// where exactly one coordinate is positive (`(1, −1)` and `(−1, 1)`), class 0 at `(−1, −1)`
    /// and `(1, 1)`. Not linearly separable.
    public static func xor<T: BLASScalar>(samples: Int, noise: Double = 0.25, seed: UInt64)
        -> LabeledData<T>
    {
        if noise < 0 { fatalError("Datasets.xor: noise must be ≥ 0") }
        let centres = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        return generate(samples, seed) { k, g in
            let c = centres[k % 4]
            return (c.0 + noise * g.nextGaussian(Double.self), c.1 + noise * g.nextGaussian(Double.self))
        }
    }

    /// Two interleaving half circles: class 0 on `(cos θ, sin θ)`, class 1 on
    /// `(1 − cos θ, 0.5 − sin θ)`, `θ ~ U[0, π]`, plus Gaussian noise.
    public static func moons<T: BLASScalar>(samples: Int, noise: Double = 0.1, seed: UInt64)
        -> LabeledData<T>
    {
        if noise < 0 { fatalError("Datasets.moons: noise must be ≥ 0") }
        return generate(samples, seed) { k, g in
            let theta = Double.random(in: 0...Double.pi, using: &g)
            let p = k % 2 == 0
                ? (Double.cos(theta), Double.sin(theta))
                : (1 - Double.cos(theta), 0.5 - Double.sin(theta))
            return (p.0 + noise * g.nextGaussian(Double.self), p.1 + noise * g.nextGaussian(Double.self))
        }
    }

    /// Two concentric circles: class 0 on radius 1, class 1 on radius `factor`, angle
    /// `U[0, 2π)`, plus Gaussian noise.
    public static func circles<T: BLASScalar>(
        samples: Int, noise: Double = 0.05, factor: Double = 0.5, seed: UInt64
    ) -> LabeledData<T> {
        if noise < 0 || factor <= 0 { fatalError("Datasets.circles: noise must be ≥ 0, factor > 0") }
        return generate(samples, seed) { k, g in
            let phi = Double.random(in: 0..<(2 * Double.pi), using: &g)
            let r = k % 2 == 0 ? 1 : factor
            return (r * Double.cos(phi) + noise * g.nextGaussian(Double.self),
                    r * Double.sin(phi) + noise * g.nextGaussian(Double.self))
        }
    }

    /// Two interleaved spirals: with `s ~ U[0, 1]`, radius `r = 0.05 + s`, angle
    /// `θ = 2π·turns·s + π·class`, the point `r·(cos θ, sin θ)` plus Gaussian noise.
    public static func spirals<T: BLASScalar>(
        samples: Int, noise: Double = 0.03, turns: Double = 1.5, seed: UInt64
    ) -> LabeledData<T> {
        if noise < 0 || turns <= 0 { fatalError("Datasets.spirals: noise must be ≥ 0, turns > 0") }
        return generate(samples, seed) { k, g in
            let s = Double.random(in: 0...1, using: &g)
            let r = 0.05 + s
            let theta = 2 * Double.pi * turns * s + Double.pi * Double(k % 2)
            return (r * Double.cos(theta) + noise * g.nextGaussian(Double.self),
                    r * Double.sin(theta) + noise * g.nextGaussian(Double.self))
        }
    }

    /// The generator called `name` (one of ``names``) with its default shape parameters.
    ///
    /// - Throws: ``DatasetError/unknown(name:)`` for any other name;
    ///   ``DatasetError/tooFewSamples(_:)`` when `samples < 2` (two classes need two points).
    public static func named<T: BLASScalar>(_ name: String, samples: Int, seed: UInt64)
        throws(DatasetError) -> LabeledData<T>
    {
        if samples < 2 { throw .tooFewSamples(samples) }
        switch name {
        case "blobs": return blobs(samples: samples, seed: seed)
        case "elongated": return elongated(samples: samples, seed: seed)
        case "xor": return xor(samples: samples, seed: seed)
        case "moons": return moons(samples: samples, seed: seed)
        case "circles": return circles(samples: samples, seed: seed)
        case "spirals": return spirals(samples: samples, seed: seed)
        default: throw .unknown(name: name)
        }
    }

    /// Runs `point(k, &generator)` for `k = 0..<samples` and packs the points with classes `k mod 2`.
    private static func generate<T: BLASScalar>(
        _ samples: Int, _ seed: UInt64,
        _ point: (Int, inout SeededGenerator) -> (Double, Double)
    ) -> LabeledData<T> {
        if samples < 0 { fatalError("Datasets: samples must be ≥ 0, got \(samples)") }
        var g = SeededGenerator(seed: seed)
        var elements: [T] = []
        elements.reserveCapacity(2 * samples)
        for k in 0..<samples {
            let p = point(k, &g)
            elements.append(T(p.0))
            elements.append(T(p.1))
        }
        return LabeledData(
            features: Matrix(rows: samples, cols: 2, elements: elements),
            classes: (0..<samples).map { $0 % 2 }, classNames: ["-1", "1"],
            featureNames: ["x1", "x2"])
    }
}

/// Errors of ``Datasets/named(_:samples:seed:)``.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `name` is not one of ``Datasets/names``.
    case unknown(name: String)
    /// Fewer than two samples were asked for.
    case tooFewSamples(Int)

    /// A one-line message.
    public var description: String {
        switch self {
        case .unknown(let name):
            return "'\(name)' is not a built-in dataset (built-in: \(Datasets.names.joined(separator: ", ")))"
        case .tooFewSamples(let n):
            return "a data set needs at least 2 samples, got \(n)"
        }
    }
}
