// Prints what the kernel benchmarks run on: OpenBLAS's chosen core and its thread count.
// `scripts/bench-kernels` runs it with the same environment as the benchmarks.
import Backprop

print("openblas_core=\(BLASThreads.coreName)")
print("openblas_threads=\(BLASThreads.count)")
print("openblas_config=\(BLASThreads.configuration)")
