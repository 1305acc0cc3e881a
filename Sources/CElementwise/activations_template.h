// The activation kernels, written once and instantiated for float and double by activations.c,
// which defines before each inclusion:
//   REAL      float | double
//   UINT      the unsigned integer of the same width
//   SUFFIX    f32 | f64
//   WIDE      0 | 1 (double: more Taylor terms and wider clamps)
//   MANT      significand bits (23 | 52), BIAS the exponent bias (127 | 1023)
// The method is documented on FastActivations (Swift).

#define NAME2(a, b) a##_##b
#define NAME(a, b) NAME2(a, b)

static inline UINT NAME(bits, SUFFIX)(REAL x) { UINT u; __builtin_memcpy(&u, &x, sizeof u); return u; }
static inline REAL NAME(real, SUFFIX)(UINT u) { REAL x; __builtin_memcpy(&x, &u, sizeof x); return x; }

/// e^y − 1 (or e^y when want_exp) for y ≤ 0 with 2^k normal (y ≥ −87 float, −707 double):
/// k = round(y/ln 2), r = y − k·ln 2 (Cody–Waite), e^r − 1 by its Taylor series (Estrin),
/// e^y − 1 = 2^k·p + (2^k − 1). Branch-free.
static inline REAL NAME(expm1_nonpositive, SUFFIX)(REAL y, int want_exp) {
    const REAL ln2hi = WIDE ? 6.93147180369123816490e-01 : 0.693145751953125;
    const REAL ln2lo = WIDE ? 1.90821492927058770002e-10 : 1.428606765330187e-06;
    const REAL log2e = 1.4426950408889634;
    // Adding 1.5·2^MANT rounds to an integer and leaves it in the low significand bits.
    const REAL shifter = WIDE ? 6755399441055744.0 : 12582912.0;
    REAL s = y * log2e + shifter;
    REAL k = s - shifter;
    REAL r = (y - k * ln2hi) - k * ln2lo;
    REAL r2 = r * r, r4 = r2 * r2;
    REAL e0 = (REAL)0.5 + r * (REAL)0.16666666666666666;                      // 1/2! + r/3!
    REAL e1 = (REAL)4.1666666666666664e-02 + r * (REAL)8.333333333333333e-03;  // 1/4! + r/5!
    REAL e2 = (REAL)1.388888888888889e-03 + r * (REAL)1.984126984126984e-04;   // 1/6! + r/7!
    REAL q;
    if (WIDE) {
        REAL e3 = (REAL)2.48015873015873e-05 + r * (REAL)2.7557319223985893e-06;  // 1/8! + r/9!
        REAL e4 = (REAL)2.755731922398589e-07 + r * (REAL)2.505210838544172e-08;  // 1/10! + r/11!
        REAL e5 = (REAL)2.08767569878681e-09 + r * (REAL)1.6059043836821613e-10;  // 1/12! + r/13!
        REAL low = (e0 + r2 * e1) + r4 * (e2 + r2 * e3);
        REAL high = e4 + r2 * e5;
        q = low + (r4 * r4) * high;
    } else {
        q = (e0 + r2 * e1) + r4 * (e2 + r2 * (REAL)2.48015873015873e-05);  // … + r⁶/8!
    }
    REAL p = r + r2 * q;
    // 2^k: s's significand field holds 2^(MANT−1) + k; the exponent field of 2^k is BIAS + k.
    const UINT mantissa = ((UINT)1 << MANT) - 1;
    UINT biased = (NAME(bits, SUFFIX)(s) & mantissa) - ((UINT)1 << (MANT - 1)) + (UINT)BIAS;
    REAL scale = NAME(real, SUFFIX)(biased << MANT);
    return want_exp ? scale * (1 + p) : scale * p + (scale - 1);
}

/// tanh x = sign(x)·(−m)/(2 + m), m = e^(−2|x|) − 1, the sign copied bitwise.
static inline REAL NAME(tanh_one, SUFFIX)(REAL x) {
    const UINT sign = (UINT)1 << (sizeof(UINT) * 8 - 1);
    const REAL clamp = WIDE ? 19.5 : 9.5;  // tanh rounds to ±1 beyond
    REAL ax = NAME(real, SUFFIX)(NAME(bits, SUFFIX)(x) & ~sign);
    ax = ax > clamp ? clamp : ax;  // NaN stays NaN
    REAL m = NAME(expm1_nonpositive, SUFFIX)(-2 * ax, 0);
    REAL t = -m / (2 + m);
    return NAME(real, SUFFIX)((NAME(bits, SUFFIX)(t) & ~sign) | (NAME(bits, SUFFIX)(x) & sign));
}

/// σ(z) = 1/(1 + e) for z ≥ 0, e/(1 + e) for z < 0, e = e^(−|z|).
static inline REAL NAME(sigmoid_one, SUFFIX)(REAL x) {
    const UINT sign = (UINT)1 << (sizeof(UINT) * 8 - 1);
    const REAL clamp = WIDE ? 707 : 87;  // keeps e^(−|z|) normal
    REAL ax = NAME(real, SUFFIX)(NAME(bits, SUFFIX)(x) & ~sign);
    ax = ax > clamp ? clamp : ax;
    REAL e = NAME(expm1_nonpositive, SUFFIX)(-ax, 1);
    REAL s = 1 / (1 + e);
    return x < 0 ? e * s : s;
}

/// a[i] = g(z[i]), and the layer form: z ← z + 1·bias (rows × cols, bias 1 × cols), a = g(z).
#define FORWARD(name, g)                                                                           \
    BP_CLONES void NAME(name, SUFFIX)(const REAL *z, REAL *a, long n) {                            \
        for (long i = 0; i < n; i++) a[i] = NAME(g, SUFFIX)(z[i]);                                 \
    }                                                                                              \
    BP_CLONES void NAME(name##_bias, SUFFIX)(REAL *restrict z, const REAL *restrict bias,          \
                                             REAL *restrict a, long rows, long cols) {             \
        for (long r = 0; r < rows; r++) {                                                          \
            REAL *zr = z + r * cols, *ar = a + r * cols;                                           \
            _Pragma("clang loop interleave_count(1)")                                              \
            for (long j = 0; j < cols; j++) {                                                      \
                REAL v = zr[j] + bias[j];                                                          \
                zr[j] = v;                                                                         \
                ar[j] = NAME(g, SUFFIX)(v);                                                        \
            }                                                                                      \
        }                                                                                          \
    }

FORWARD(bp_tanh, tanh_one)
FORWARD(bp_sigmoid, sigmoid_one)
#undef FORWARD

/// Backward pass of tanh and the sigmoid from their outputs, for an rows × cols batch, with the
/// column sums (the bias gradient) in the same sweep: d = dA ⊙ g′ where g′ = 1 − a² (tanh) or
/// a·(1 − a) (sigmoid), column_sums = 1ᵀ·d (overwritten). Rows go in blocks of four, added to the
/// sums as (d₀ + d₁) + (d₂ + d₃): a row at a time, every row would wait for the previous row's
/// store to the sums (70 % of the time at 64 × 16). The order of the additions does not depend
/// on the SIMD width.
#define BACKWARD_FROM_OUTPUT(name, derivative)                                                      \
    static inline REAL NAME(name##_one, SUFFIX)(REAL y, REAL dy) { return dy * (derivative); }    \
    BP_CLONES void NAME(name, SUFFIX)(const REAL *restrict a, const REAL *restrict da,            \
                                      REAL *restrict d, REAL *restrict column_sums,                \
                                      long rows, long cols) {                                      \
        for (long j = 0; j < cols; j++) column_sums[j] = 0;                                        \
        long r = 0;                                                                                \
        for (; r + 4 <= rows; r += 4) {                                                            \
            const REAL *restrict a0 = a + r * cols, *restrict g0 = da + r * cols;                                \
            REAL *restrict d0 = d + r * cols;                                                            \
            _Pragma("clang loop interleave_count(1)")                                              \
            for (long j = 0; j < cols; j++) {                                                      \
                REAL v0 = NAME(name##_one, SUFFIX)(a0[j], g0[j]);                                  \
                REAL v1 = NAME(name##_one, SUFFIX)(a0[j + cols], g0[j + cols]);                    \
                REAL v2 = NAME(name##_one, SUFFIX)(a0[j + 2 * cols], g0[j + 2 * cols]);            \
                REAL v3 = NAME(name##_one, SUFFIX)(a0[j + 3 * cols], g0[j + 3 * cols]);            \
                d0[j] = v0;                                                                        \
                d0[j + cols] = v1;                                                                 \
                d0[j + 2 * cols] = v2;                                                             \
                d0[j + 3 * cols] = v3;                                                             \
                column_sums[j] += (v0 + v1) + (v2 + v3);                                           \
            }                                                                                      \
        }                                                                                          \
        for (; r < rows; r++) {                                                                    \
            const REAL *ar = a + r * cols, *gr = da + r * cols;                                    \
            REAL *dr = d + r * cols;                                                               \
            _Pragma("clang loop interleave_count(1)")                                              \
            for (long j = 0; j < cols; j++) {                                                      \
                REAL v = NAME(name##_one, SUFFIX)(ar[j], gr[j]);                                   \
                dr[j] = v;                                                                         \
                column_sums[j] += v;                                                               \
            }                                                                                      \
        }                                                                                          \
    }

BACKWARD_FROM_OUTPUT(bp_tanh_backward, 1 - y * y)  // g′ = 1 − tanh²
BACKWARD_FROM_OUTPUT(bp_sigmoid_backward, y * (1 - y))  // g′ = σ(1 − σ)

#undef BACKWARD_FROM_OUTPUT
#undef NAME
#undef NAME2
