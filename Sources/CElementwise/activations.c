// Instantiates activations_template.h for float and double, each as SIMD clones picked by the
// dynamic loader (ifunc) for the CPU: x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA), baseline.
#include "CElementwise.h"
#include <stdint.h>

#if defined(__x86_64__) && defined(__linux__)
#define BP_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BP_CLONES
#endif

#define REAL float
#define UINT uint32_t
#define SUFFIX f32
#define WIDE 0
#define MANT 23
#define BIAS 127
#include "activations_template.h"
#undef REAL
#undef UINT
#undef SUFFIX
#undef WIDE
#undef MANT
#undef BIAS

#define REAL double
#define UINT uint64_t
#define SUFFIX f64
#define WIDE 1
#define MANT 52
#define BIAS 1023
#include "activations_template.h"

const char *bp_elementwise_isa(void) {
#if defined(__x86_64__) && defined(__linux__)
    // The same order as the resolver of the clones: the first level the CPU supports.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
#endif
    return "baseline";
}
