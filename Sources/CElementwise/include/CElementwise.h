// Vectorised elementwise kernels of Backprop, in C so that one source compiles into SIMD clones
// (AVX-512, AVX2+FMA, baseline) chosen at load time for the CPU at hand: Swift has no per-function
// target attribute, so Swift loops run with the baseline x86-64 instruction set (SSE2).
//
// `_f32` takes float, `_f64` double; Swift binds them through `BLASScalar` like the s/d CBLAS
// routines. Forward kernels: `a[i] = f(z[i])` for `0 ≤ i < n`; `a` may equal `z`. The method and
// its accuracy are documented on `FastActivations` (Sources/Backprop/Kernels/FastActivations.swift).
#ifndef BACKPROP_CELEMENTWISE_H
#define BACKPROP_CELEMENTWISE_H

#ifdef __cplusplus
extern "C" {
#endif

/// a[i] = tanh(z[i]).
void bp_tanh_f32(const float *z, float *a, long n);
/// a[i] = tanh(z[i]).
void bp_tanh_f64(const double *z, double *a, long n);
/// a[i] = 1 / (1 + exp(-z[i])).
void bp_sigmoid_f32(const float *z, float *a, long n);
/// a[i] = 1 / (1 + exp(-z[i])).
void bp_sigmoid_f64(const double *z, double *a, long n);
/// z ← z + 1·bias, a = tanh(z): z, a rows × cols (contiguous, not overlapping), bias 1 × cols.
void bp_tanh_bias_f32(float *z, const float *bias, float *a, long rows, long cols);
/// See bp_tanh_bias_f32.
void bp_tanh_bias_f64(double *z, const double *bias, double *a, long rows, long cols);
/// z ← z + 1·bias, a = σ(z): z, a rows × cols (contiguous, not overlapping), bias 1 × cols.
void bp_sigmoid_bias_f32(float *z, const float *bias, float *a, long rows, long cols);
/// See bp_sigmoid_bias_f32.
void bp_sigmoid_bias_f64(double *z, const double *bias, double *a, long rows, long cols);
/// d = dA ⊙ (1 − a²) and column_sums = 1ᵀ·d (overwritten), a, dA, d rows × cols, contiguous:
/// the backward pass of tanh from its output a = tanh z, with the bias gradient. The four buffers
/// must not overlap.
void bp_tanh_backward_f32(const float *a, const float *dA, float *d, float *column_sums, long rows, long cols);
/// See bp_tanh_backward_f32.
void bp_tanh_backward_f64(const double *a, const double *dA, double *d, double *column_sums, long rows, long cols);
/// d = dA ⊙ a·(1 − a) and column_sums = 1ᵀ·d: the backward pass of the sigmoid from its output.
void bp_sigmoid_backward_f32(const float *a, const float *dA, float *d, float *column_sums, long rows, long cols);
/// See bp_sigmoid_backward_f32.
void bp_sigmoid_backward_f64(const double *a, const double *dA, double *d, double *column_sums, long rows, long cols);
/// The instruction set of the clone chosen for this CPU: "x86-64-v4", "x86-64-v3" or "baseline".
const char *bp_elementwise_isa(void);

#ifdef __cplusplus
}
#endif
#endif
