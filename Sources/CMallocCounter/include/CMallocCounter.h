#pragma once
// Counts heap allocations made by the whole process (Swift runtime, Foundation, OpenBLAS, …)
// while counting is switched on. Linked only into the `backprop` executable, whose definitions of
// malloc/calloc/realloc/posix_memalign/aligned_alloc/memalign interpose glibc's and forward to it.
// In AddressSanitizer/ThreadSanitizer builds nothing is interposed (the sanitizer owns malloc)
// and the count is always 0.
#include <stdint.h>

/// Starts counting from zero.
void bp_malloc_counter_start(void);
/// Stops counting and returns the number of allocations since the last start.
int64_t bp_malloc_counter_stop(void);
