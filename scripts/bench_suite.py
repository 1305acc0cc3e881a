#!/usr/bin/env python3
"""The body of scripts/bench: runs `backprop bench` over the standard shapes and the scaling
sweeps and writes docs/PERFORMANCE.md (see scripts/bench for the options)."""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

# Naive (plain Swift loops) only where a step takes well under a second.
NAIVE_MAX_FLOPS = 1e9


def standard_table(seconds, rounds, max_width, log):
    rows = []
    for layers, batch in bl.STANDARD_SHAPES:
        if max(layers) > max_width:
            continue
        for precision in ("f32", "f64"):
            runs = {
                "layerwise": lambda: bl.bench(layers, batch, precision, "blas", "layerwise", seconds),
                "autodiff": lambda: bl.bench(layers, batch, precision, "blas", "autodiff", seconds),
            }
            flops = bl.step_flops(layers, batch)
            if flops <= NAIVE_MAX_FLOPS:
                runs["naive"] = lambda: bl.bench(layers, batch, precision, "naive", "layerwise", seconds)
            r = bl.alternate(runs, rounds)
            rows.append((layers, batch, precision, r))
            log(f"{bl.shape_name(layers, batch)} {precision}: layerwise "
                f"{bl.micros(r['layerwise']['step_seconds_median'])} µs, autodiff "
                f"{bl.micros(r['autodiff']['step_seconds_median'])} µs")
    out = [
        "| shape | precision | step (µs) | samples/s | GFLOP/s | plain gemm GFLOP/s | efficiency "
        "| autodiff step (µs) | autodiff ÷ layer-wise | naive step (µs) | naive ÷ BLAS | mallocs/step (layer-wise, autodiff) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for layers, batch, precision, r in rows:
        lw, ad, nv = r["layerwise"], r["autodiff"], r.get("naive")
        t = lw["step_seconds_median"]
        naive = (f"{bl.micros(nv['step_seconds_median'])} | {nv['step_seconds_median'] / t:.1f}"
                 if nv else "– (skipped) | –")
        out.append(
            f"| {bl.shape_name(layers, batch)} | {precision} | {bl.micros(t)} "
            f"| {bl.fmt(lw['samples_per_second'])} | {bl.fmt(lw['gflops'])} | {bl.fmt(lw['gemm_gflops'])} "
            f"| {lw['efficiency']:.2f} | {bl.micros(ad['step_seconds_median'])} "
            f"| {ad['step_seconds_median'] / t:.2f} | {naive} "
            f"| {lw['mallocs_per_step']:g}, {ad['mallocs_per_step']:g} |")
    return "\n".join(out)


# Every step split across the GemmWorkers (whatever its size), for the threads table.
SPLIT_EVERY_STEP = ("--step-threads", "split", "--single-thread-below", "1")


def threads_table(seconds, rounds, max_width, log):
    out = [
        "| shape | precision | 1 thread (µs) | split (µs) | OpenBLAS 2 threads (µs) | 1 thread ÷ split "
        "| 1 thread ÷ 2 threads | mallocs/step (1, split, 2) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for layers, batch in bl.STANDARD_SHAPES:
        if max(layers) > min(max_width, 1024):
            continue  # 4096-wide: too slow to repeat here
        for precision in ("f32", "f64"):
            r = bl.alternate({
                1: lambda: bl.bench(layers, batch, precision, seconds=seconds, threads=1),
                "split": lambda: bl.bench(layers, batch, precision, seconds=seconds, extra=SPLIT_EVERY_STEP),
                2: lambda: bl.bench(layers, batch, precision, seconds=seconds, threads=2),
            }, rounds)
            one, split, two = r[1], r["split"], r[2]
            t1, ts, t2 = (x["step_seconds_median"] for x in (one, split, two))
            log(f"threads {bl.shape_name(layers, batch)} {precision}: {bl.micros(t1)} vs split "
                f"{bl.micros(ts)} vs {bl.micros(t2)} µs")
            out.append(
                f"| {bl.shape_name(layers, batch)} | {precision} | {bl.micros(t1)} | {bl.micros(ts)} "
                f"| {bl.micros(t2)} | {t1 / ts:.2f} | {t1 / t2:.2f} "
                f"| {one['mallocs_per_step']:g}, {split['mallocs_per_step']:g}, {two['mallocs_per_step']:g} |")
    return "\n".join(out)


def scaling_tables(seconds, max_width, log):
    batch_rows = [
        "| batch | step (µs) | µs per sample | GFLOP/s | efficiency |",
        "|---:|---:|---:|---:|---:|",
    ]
    layers = [256, 256, 256, 10]
    for batch in (1, 4, 16, 64, 256, 1024, 4096):
        if batch > max_width:
            break
        r = bl.bench(layers, batch, "f32", seconds=seconds)
        t = r["step_seconds_median"]
        log(f"batch {batch}: {bl.micros(t)} µs")
        batch_rows.append(f"| {batch} | {bl.micros(t)} | {bl.fmt(t * 1e6 / batch)} | {bl.fmt(r['gflops'])} "
                          f"| {r['efficiency']:.2f} |")
    width_rows = [
        "| width | step (µs) | GFLOP/s | plain gemm GFLOP/s | efficiency |",
        "|---:|---:|---:|---:|---:|",
    ]
    for width in (16, 64, 256, 1024, 4096):
        if width > max_width:
            break
        r = bl.bench([width] * 4, 256, "f32", seconds=seconds)
        t = r["step_seconds_median"]
        log(f"width {width}: {bl.micros(t)} µs")
        width_rows.append(f"| {width} | {bl.micros(t)} | {bl.fmt(r['gflops'])} | {bl.fmt(r['gemm_gflops'])} "
                          f"| {r['efficiency']:.2f} |")
    return "\n".join(batch_rows), "\n".join(width_rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=0.5, help="timing budget per backprop bench run")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per comparison")
    ap.add_argument("--kernels", action="store_true", help="also run scripts/bench-kernels (minutes)")
    ap.add_argument("--output", default=os.path.join(bl.ROOT, "docs", "PERFORMANCE.md"))
    ap.add_argument("--max-width", type=int, default=4096, help="skip shapes (and batches) larger than this")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if not args.no_build:
        log("Building backprop (release)...")
        bl.build()
    m = bl.machine()
    log(f"Machine: {m}")
    standard = standard_table(args.seconds, args.rounds, args.max_width, log)
    threads = threads_table(args.seconds, args.rounds, args.max_width, log)
    by_batch, by_width = scaling_tables(args.seconds, args.max_width, log)
    kernels = None
    if args.kernels:
        log("Running scripts/bench-kernels (takes minutes)...")
        kernels = subprocess.run([os.path.join(bl.ROOT, "scripts", "bench-kernels")], capture_output=True,
                                 text=True, check=True).stdout
    load_after = bl.load_average()

    doc = f"""# Performance

Written by `scripts/bench` (do not edit by hand). Each row is `backprop bench` (a training step:
forward, MSE loss, backward, SGD update; tanh hidden layers, linear output), timed in-process after
warm-up; the step time is the median over groups of steps of ≥ 100 µs.

{bl.machine_markdown(m, load_after)}

The machine is shared: absolute times move with the load of other processes. The columns that are
ratios (efficiency: the step's GFLOP/s over a plain gemm of the largest layer's shapes timed in the
same process right before; autodiff ÷ layer-wise; naive ÷ BLAS; 1 ÷ 2 threads) compare
configurations measured side by side, alternating ({args.rounds} rounds, best median kept), and are
the numbers to trust.

FLOPs count the matrix products only: `2·B·n_(l−1)·n_l·k_l`, `k = 2` for the first layer
(forward, weight gradient) and 3 for the others.

Build: the default `swift build -c release` compiles Swift for baseline x86-64 (SSE2, no FMA); the
package sets no CPU flags (no `unsafeFlags`). The elementwise work that dominates small steps (tanh
and sigmoid with the bias, their backward pass with the bias gradient) is in the C target
`CElementwise`, built as AVX-512 / AVX2+FMA / baseline clones that the loader picks for the CPU
(`FastActivations.isa`); OpenBLAS picks its kernels at run time too. The other elementwise loops
(loss, update, other activations) are Swift at SSE2 width.

## Training step, standard shapes

BLAS backend, OpenBLAS's default thread count, layer-wise engine unless stated. "naive ÷ BLAS" is
the naive backend's step time over the BLAS one (skipped where a naive step would take seconds).

{standard}

## One thread, the split, or two OpenBLAS threads

Layer-wise step, BLAS backend, alternating: `--threads 1`; the split (`--step-threads split
--single-thread-below 1`: OpenBLAS on one thread, every product of at least
`BLASThreads.splitProductsFrom` multiply-adds split in blocks across the calling thread and the
GemmWorkers); `--threads 2` (OpenBLAS's own threads; it runs products below about 2^18
multiply-adds on one thread). With two OpenBLAS threads, OpenBLAS allocates its job array on the
heap once per threaded gemm call (the mallocs in the last column); one thread and the split
allocate nothing in a steady-state step (products whose output width would make OpenBLAS's
small-matrix kernel allocate are computed with a gemv tail, see `SmallGemmTail`).

{threads}

## Scaling

Step time as the batch grows (256-256-256-10, f32, layer-wise): per-sample cost falls while the
step is overhead-bound and becomes constant once it is GEMM-bound.

{by_batch}

Step time as the width grows (w-w-w-w, three layers, batch 256, f32, layer-wise):

{by_width}
"""
    if kernels:
        doc += f"\n## Kernels (scripts/bench-kernels)\n\n{kernels}\n"
    bl.write_report(args.output, doc)


if __name__ == "__main__":
    main()
