#!/usr/bin/env python3
"""Formats the kernel benchmark results of scripts/bench-kernels as a Markdown table.

Input: a folder written by `swift package benchmark --format histogramPercentiles`, one file per
benchmark and metric, named `<baseline>.<target>.<name>.<metric>.histogram.percentiles.tsv`, where
`<name>` is "<kernel> <precision> <backend> <n>" with spaces turned into underscores. Each file
lists percentile 0..100 and the metric value per call (scaled by the benchmark's scalingFactor).

Output: kernel, precision, n, median time per call and GFLOP/s for BLAS and naive, and their
ratio. FLOP counts: gemm 2n^3, gemv 2n^2, ger 2n^2.
"""

import os
import platform
import re
import subprocess
import sys

FLOPS = {"gemm": lambda n: 2 * n**3, "gemv": lambda n: 2 * n**2, "ger": lambda n: 2 * n**2}
UNIT_NS = {"ns": 1.0, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
NAME = re.compile(r"^(gemm|gemv|ger)_(f32|f64)_(blas|naive)_(\d+)$")


def read_percentiles(path):
    """Returns (header, {percentile: value})."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        values = {}
        for line in f:
            p, v = line.split("\t")
            values[int(p)] = float(v)
    return header, values


def load(folder):
    """{(kernel, precision, backend, n): {metric: (header, percentiles)}}"""
    results = {}
    for file in os.listdir(folder):
        if not file.endswith(".histogram.percentiles.tsv"):
            continue
        parts = file.split(".")
        # <baseline>.<target>.<name>.<metric>.histogram.percentiles.tsv
        name, metric = parts[-5], parts[-4]
        m = NAME.match(name)
        if not m:
            continue
        key = (m.group(1), m.group(2), m.group(3), int(m.group(4)))
        results.setdefault(key, {})[metric] = read_percentiles(os.path.join(folder, file))
    return results


def median_ns(entry):
    header, values = entry
    unit = re.search(r"\((ns|μs|us|ms|s)\)", header)
    if not unit:
        sys.exit(f"unexpected wall clock header: {header!r}")
    return values[50] * UNIT_NS[unit.group(1)]


def machine_lines(folder):
    lines = []
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(
            (k.strip(), v.strip()) for k, v in (l.split(":", 1) for l in lscpu.splitlines() if ":" in l)
        )
        lines.append(
            f"- CPU: {fields.get('Model name', '?')}, {fields.get('CPU(s)', '?')} logical CPUs "
            f"({fields.get('Core(s) per socket', '?')} cores per socket, "
            f"{fields.get('Thread(s) per core', '?')} threads per core)"
        )
    except (OSError, subprocess.CalledProcessError):
        lines.append(f"- CPU: {platform.processor() or '?'}")
    info_path = os.path.join(folder, "kernel-info.txt")
    if os.path.exists(info_path):
        info = dict(l.strip().split("=", 1) for l in open(info_path, encoding="utf-8") if "=" in l)
        lines.append(
            f"- OpenBLAS core: `{info.get('openblas_core', '?')}`, threads: "
            f"{info.get('openblas_threads', '?')} (`{info.get('openblas_config', '?')}`)"
        )
    lines.append(
        "- OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for the run; release build; "
        "median wall clock per call (package-benchmark, resolution 1 ns)"
    )
    return lines


def gflops(flops, ns):
    return flops / ns if ns > 0 else float("nan")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench_kernels_table.py <results folder>")
    folder = sys.argv[1]
    results = load(folder)
    if not results:
        sys.exit(f"no benchmark results in {folder}")

    print("## Kernel benchmarks: OpenBLAS vs naive Swift loops\n")
    print("\n".join(machine_lines(folder)))
    print("- FLOP counts: gemm 2n³ (n×n·n×n), gemv 2n² (n×n·n), ger 2n² (n×n += x·yᵀ)\n")
    print("| kernel | precision | n | BLAS ns/call | naive ns/call | BLAS GFLOP/s | naive GFLOP/s | BLAS/naive |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    configs = sorted({(k, p, n) for (k, p, _, n) in results}, key=lambda c: (["gemm", "gemv", "ger"].index(c[0]), c[1], c[2]))
    allocating = []
    for kernel, precision, n in configs:
        flops = FLOPS[kernel](n)
        cells = []
        rates = {}
        for backend in ("blas", "naive"):
            entry = results.get((kernel, precision, backend, n), {})
            if "wallClock" in entry:
                ns = median_ns(entry["wallClock"])
                rates[backend] = gflops(flops, ns)
                cells.append(f"{ns:,.0f}")
            else:
                cells.append("–")
            if "mallocCountTotal" in entry and entry["mallocCountTotal"][1][50] > 0:
                allocating.append(f"{kernel} {precision} {backend} {n} ({entry['mallocCountTotal'][1][50]:.0f})")
        rate_cells = [f"{rates[b]:.2f}" if b in rates else "–" for b in ("blas", "naive")]
        ratio = f"{rates['blas'] / rates['naive']:.1f}×" if len(rates) == 2 and rates["naive"] > 0 else "–"
        print(f"| {kernel} | {precision} | {n} | {cells[0]} | {cells[1]} | {rate_cells[0]} | {rate_cells[1]} | {ratio} |")
    if allocating:
        print("\nMedian mallocCountTotal per call is nonzero for: " + ", ".join(allocating) + "; 0 for all others.")
    else:
        print("\nMedian mallocCountTotal per call is 0 for every benchmark.")


if __name__ == "__main__":
    main()
