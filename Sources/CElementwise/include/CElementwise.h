// Vectorised elementwise kernels of Backprop, in C so that one source compiles into SIMD clones
// (AVX-512, AVX2+FMA, baseline) chosen at load time for the CPU at hand: Swift has no per-function
// target attribute, so Swift loops run with the baseline x86-64 instruction set (SSE2).
//
// `_f32` takes float, `_f64` double; Swift binds them through `BLASScalar` like the s/d CBLAS
// routines. Every function: `a[i] = f(z[i])` for `0 ≤ i < n`; `a` may equal `z`. The method and
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
/// The instruction set of the clone chosen for this CPU: "x86-64-v4", "x86-64-v3" or "baseline".
const char *bp_elementwise_isa(void);

#ifdef __cplusplus
}
#endif
#endif
