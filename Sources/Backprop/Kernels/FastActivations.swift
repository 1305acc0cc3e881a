/// Vectorisable `tanh` and logistic sigmoid: branch-free, call-free elementwise code that the
/// compiler turns into SIMD loops, replacing libm's scalar `tanhf`/`tanh` (≈ 8.6 ns per element,
/// which dominated small training steps).
///
/// Both are built on one kernel, `e^y − 1` for `y ≤ 0`:
///
/// ```
/// k = round(y / ln 2),  r = y − k·ln 2          (|r| ≤ ln 2 / 2; ln 2 in two parts, Cody–Waite)
/// p = e^r − 1 = r + r²·(1/2! + r/3! + … + r^(n−2)/n!)   (Taylor, n = 8 for Float, 13 for Double;
///                                                       Estrin's scheme)
/// e^y − 1 = 2^k·p + (2^k − 1)                     (2^k built from the exponent bits)
/// ```
///
/// and then
///
/// ```
/// tanh x = sign(x) · (−m)/(2 + m),   m = e^(−2|x|) − 1 ∈ (−1, 0]   (|x| clamped to 9.5 / 19.5,
///                                                                  where tanh rounds to ±1)
/// σ(z)   = 1/(1 + e)  for z ≥ 0,  e/(1 + e)  for z < 0,   e = e^(−|z|) = 2^k·(1 + p)
/// ```
///
/// No step subtracts nearly equal numbers, so the error is relative and a few ulps everywhere.
/// Measured against glibc's `tanhf`/`tanh` and `expf`/`exp` on a dense grid (the test
/// `FastActivationTests`):
///
/// | function | Float: max error vs the exact value | Double: max error vs glibc |
/// |----------|-------------------------------------|----------------------------|
/// | tanh     | 2.5 ulp (relative ≤ 3e-7)           | 3 ulp (relative ≤ 7e-16)   |
/// | sigmoid  | 2.3 ulp (relative ≤ 3e-7)           | 2 ulp (relative ≤ 5e-16)   |
///
/// Outside the clamp the sigmoid's tiny negative tail (`z < −87` for Float, `z < −707` for
/// Double) returns `σ(−87)` ≈ 1.6e-38 (resp. `σ(−707)` ≈ 1e-307) instead of a subnormal or 0:
/// absolute error below the smallest normal number. NaN propagates; `tanh(±∞) = ±1`,
/// `σ(+∞) = 1`, `tanh(−0) = −0`.
public enum FastActivations {
    /// `a[i] = tanh(z[i])` for `i < count`. `a` may be the same memory as `z`.
    @inlinable
    public static func tanh<T: BLASScalar>(_ z: UnsafePointer<T>, into a: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { a[i] = tanh(z[i]) }
    }

    /// `a[i] = σ(z[i]) = 1/(1 + e^{−z[i]})` for `i < count`. `a` may be the same memory as `z`.
    @inlinable
    public static func sigmoid<T: BLASScalar>(_ z: UnsafePointer<T>, into a: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { a[i] = sigmoid(z[i]) }
    }

    /// `tanh x` (see the type's documentation for the method and its accuracy).
    @inlinable @inline(__always)
    public static func tanh<T: BLASScalar>(_ x: T) -> T {
        // `Swift.min(v, c)` returns `v` when `v` is NaN, so NaN propagates.
        let ax = Swift.min(x.magnitude, T.significandBitCount > 23 ? 19.5 : 9.5)
        let m = expMinusOne(-2 * ax, wantExp: false)
        // One division; the sign is copied bitwise (a select of ±t would divide twice).
        return T(signOf: x, magnitudeOf: -m / (2 + m))
    }

    /// `σ(z) = 1/(1 + e^{−z})` (see the type's documentation for the method and its accuracy).
    @inlinable @inline(__always)
    public static func sigmoid<T: BLASScalar>(_ z: T) -> T {
        let az = Swift.min(z.magnitude, T.significandBitCount > 23 ? 707 : 87)
        let e = expMinusOne(-az, wantExp: true)
        let s = 1 / (1 + e)
        return z < 0 ? e * s : s
    }

    /// `e^y − 1` (or `e^y` when `wantExp`) for `−1000 < y ≤ 0` such that `2^k` stays normal
    /// (`y ≥ −87` for Float, `y ≥ −707` for Double). Branch-free once specialised.
    @inlinable @inline(__always)
    static func expMinusOne<T: BLASScalar>(_ y: T, wantExp: Bool) -> T {
        let wide = T.significandBitCount > 23
        // ln 2 = hi + lo, hi with trailing zero bits so that k·hi is exact (fdlibm's split).
        let ln2hi: T = wide ? 6.93147180369123816490e-01 : 0.693145751953125
        let ln2lo: T = wide ? 1.90821492927058770002e-10 : 1.428606765330187e-06
        let log2e: T = 1.4426950408889634
        // Adding 1.5·2^p rounds to an integer and leaves it in the low significand bits.
        let shifter: T = wide ? 6755399441055744.0 : 12582912.0
        let s = y * log2e + shifter
        let k = s - shifter
        let r = (y - k * ln2hi) - k * ln2lo
        // Taylor series of e^r − 1 = r + r²·q(r), q(r) = Σ_j r^j/(j+2)!, evaluated by Estrin's
        // scheme (pairs, then pairs of pairs): a dependency chain of depth ~log₂(degree) instead
        // of Horner's ~2·degree, so that consecutive vectors overlap in the pipeline.
        let r2 = r * r
        let r4 = r2 * r2
        let e0 = 0.5 + r * 0.16666666666666666  // 1/2! + r/3!
        let e1 = 4.1666666666666664e-02 + r * 8.333333333333333e-03  // 1/4! + r/5!
        let e2 = 1.388888888888889e-03 + r * 1.984126984126984e-04  // 1/6! + r/7!
        let q: T
        if wide {
            let e3 = 2.48015873015873e-05 + r * 2.7557319223985893e-06  // 1/8! + r/9!
            let e4 = 2.755731922398589e-07 + r * 2.505210838544172e-08  // 1/10! + r/11!
            let e5 = 2.08767569878681e-09 + r * 1.6059043836821613e-10  // 1/12! + r/13!
            let low = (e0 + r2 * e1) + r4 * (e2 + r2 * e3)
            let high = e4 + r2 * e5
            q = low + (r4 * r4) * high
        } else {
            q = (e0 + r2 * e1) + r4 * (e2 + r2 * 2.48015873015873e-05)  // … + r⁶/8!
        }
        let p = r + r2 * q
        // 2^k: s's significand field holds 2^(p−1) + k; the exponent field of 2^k is bias + k.
        let half = T.RawSignificand(1) << (T.significandBitCount - 1)
        let bias = T.RawSignificand(truncatingIfNeeded: (1 << (T.exponentBitCount - 1)) - 1)
        let biased = s.significandBitPattern &- half &+ bias
        let scale = T(
            sign: .plus, exponentBitPattern: T.RawExponent(truncatingIfNeeded: biased),
            significandBitPattern: 0)
        return wantExp ? scale * (1 + p) : scale * p + (scale - 1)
    }
}
