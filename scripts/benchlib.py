"""Shared helpers of scripts/bench and scripts/compare: run `backprop bench`, describe the machine.

Every `backprop bench` runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
environment (this machine's environment pins the Haswell kernels, about half the speed here), for
that command only.
"""

import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "release", "backprop")

# The standard shapes: (layers, batch).
STANDARD_SHAPES = [
    ([2, 16, 16, 1], 64),
    ([64, 128, 128, 10], 128),
    ([784, 256, 256, 10], 128),
    ([1024, 1024, 1024, 1024], 256),
    ([4096, 4096, 4096], 512),
]


def step_flops(layers, batch):
    """FLOPs of one step as `backprop bench` counts them: 2·B·n_(l−1)·n_l·k_l, k = 2 for the
    first layer and 3 for the others."""
    return sum(2 * batch * a * b * (2 if i == 0 else 3) for i, (a, b) in enumerate(zip(layers[:-1], layers[1:])))


def unpinned_env(extra=None):
    """The environment without the OpenBLAS core pins (plus `extra` variables)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(extra or {})
    return env


def build():
    """`swift build -c release --product backprop` (quiet unless it fails)."""
    r = subprocess.run(
        ["swift", "build", "-c", "release", "--product", "backprop"], cwd=ROOT,
        capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stdout[-4000:] + r.stderr[-4000:])


def bench(layers, batch, precision="f32", backend="blas", mode="layerwise", seconds=1.0, threads=None,
          extra=()):
    """Runs `backprop bench` once (with the further arguments `extra`) and returns its JSON object."""
    cmd = [BINARY, "bench", "--layers", ",".join(map(str, layers)), "--batch", str(batch),
           "--precision", precision, "--backend", backend, "--mode", mode, "--seconds", str(seconds)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    cmd += list(extra)
    r = subprocess.run(cmd, env=unpinned_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def alternate(runs, rounds=2):
    """Runs every configuration of `runs` (a dict name → zero-argument function returning a bench
    JSON) `rounds` times in turn (A B A B …), and keeps, per name, the run with the lowest median:
    so that configurations compared with each other are measured side by side, and a burst of load
    from other processes hits one round rather than one configuration."""
    best = {}
    for _ in range(rounds):
        for name, run in runs.items():
            r = run()
            if name not in best or r["step_seconds_median"] < best[name]["step_seconds_median"]:
                best[name] = r
    return best


def load_average():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def machine():
    """CPU model, cores, OpenBLAS core and threads (from one tiny `backprop bench`), date, load."""
    model = platform.processor() or "unknown"
    flags = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            if key.strip() == "Flags":
                have = set(value.split())
                flags = ", ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in have)
    except OSError:
        pass
    probe = bench([2, 2], 1, seconds=0.01)
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "simd": flags,
        "openblas_core": probe.get("openblas_core", "?"),
        "blas_threads": probe.get("openblas_threads", "?"),
        "openblas_config": probe.get("openblas_config", "?"),
        "swift": swift[0] if swift else "?",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
    }


def machine_markdown(m, load_after=None):
    lines = [
        f"- CPU: {m['cpu']}, {m['cores']} cores ({m['simd']})",
        f"- OpenBLAS: core `{m['openblas_core']}`, {m['blas_threads']} threads by default "
        f"(`{m['openblas_config']}`); OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for the measured commands",
        f"- {m['swift']}, `swift build -c release`",
        f"- Date: {m['date']}; load average (1, 5, 15 min) before: {m['load']}"
        + (f", after: {load_after}" if load_after else ""),
    ]
    return "\n".join(lines)


def write_report(path, doc):
    """Writes the Markdown report `doc` to `path` (creating its folder), says so on stderr and
    prints the report."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)
    print(f"Wrote {path}", file=sys.stderr, flush=True)
    print(doc)


def shape_name(layers, batch):
    return "-".join(map(str, layers)) + f" ×{batch}"


def fmt(x, digits=3):
    """A number with `digits` significant digits, without exponent for ordinary sizes."""
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def micros(seconds):
    return fmt(seconds * 1e6)
