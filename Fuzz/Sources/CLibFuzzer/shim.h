#pragma once
// libFuzzer's driver entry (compiler-rt, LLVM ≥ 11), linked in by `-sanitize=fuzzer`.
// The harnesses call it from their own `main`, because SwiftPM links every executable target
// with `--defsym main=<Target>_main`, which replaces libFuzzer's `main`.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
