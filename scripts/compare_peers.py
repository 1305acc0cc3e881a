#!/usr/bin/env python3
"""The body of scripts/compare: the same training step in Backprop, NumPy, PyTorch and JAX.

The step, identical everywhere: dense layers `z = a·W + b`, tanh on hidden layers, linear output,
loss `E = 1/N Σ_k ½‖y_k − t_k‖²` (Backprop's `mse`), gradient of every W and b, and the update
`θ ← θ − γ·∂E/∂θ` in place, in the given precision.

- Backprop: `backprop bench` (layer-wise and autodiff), a subprocess, release build.
- NumPy: hand-written matrix backpropagation (the lecture's layer-wise equations).
- PyTorch: eager mode, autograd, `torch.set_num_threads(2)`.
- JAX: the whole step (value_and_grad and update) under `jax.jit`, parameters donated.

Peers that are not importable are skipped. Each peer runs in its own Python process (one per
measurement), so that thread pools never compete inside one process. Contestants run alternately (Backprop, NumPy, PyTorch,
JAX, then again), each timed like `backprop bench`: warm-up, then groups of steps of ≥ 100 µs, the
median per-step time; per contestant the best median of the rounds is kept. OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are removed from the environment before NumPy loads its OpenBLAS.
"""

import os

for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

LEARNING_RATE = 1e-3


def time_step(step, seconds):
    """Median and minimum seconds per call of `step`, timed like `backprop bench`."""
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < seconds * 0.1:
        step()
        calls += 1
    per_call = max((time.perf_counter() - start) / calls, 1e-9)
    group = max(1, int(100e-6 / per_call))
    samples = []
    begin = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - begin < seconds and len(samples) < 100_000):
        t0 = time.perf_counter()
        for _ in range(group):
            step()
        samples.append((time.perf_counter() - t0) / group)
    return statistics.median(samples), min(samples)


def data(np, layers, batch, dtype, seed=1):
    """Glorot-uniform weights, zero biases, inputs in [−1, 1], targets in [−1, 1]."""
    rng = np.random.default_rng(seed)
    params = []
    for d_in, d_out in zip(layers[:-1], layers[1:]):
        r = (6.0 / (d_in + d_out)) ** 0.5
        params.append((rng.uniform(-r, r, (d_in, d_out)).astype(dtype), np.zeros((1, d_out), dtype)))
    x = rng.uniform(-1, 1, (batch, layers[0])).astype(dtype)
    t = rng.uniform(-1, 1, (batch, layers[-1])).astype(dtype)
    return params, x, t


# MARK: NumPy


def numpy_step_factory(layers, batch, precision):
    import numpy as np

    dtype = np.float32 if precision == "f32" else np.float64
    params, x, t = data(np, layers, batch, dtype)
    lr = dtype(LEARNING_RATE)
    n = len(params)

    def step():
        acts = [x]
        a = x
        for i, (w, b) in enumerate(params):
            z = a @ w
            z += b
            if i < n - 1:
                np.tanh(z, out=z)
            acts.append(z)
            a = z
        dz = (a - t) * dtype(1.0 / batch)  # ∂E/∂y
        for i in range(n - 1, -1, -1):
            w, b = params[i]
            a_prev = acts[i]
            dw = a_prev.T @ dz
            db = dz.sum(axis=0, keepdims=True)
            if i > 0:
                da = dz @ w.T
                da *= 1 - a_prev * a_prev  # tanh′ from the stored output
                dz = da
            w -= lr * dw
            b -= lr * db

    return step


# MARK: PyTorch


def torch_step_factory(layers, batch, precision):
    import numpy as np
    import torch

    torch.set_num_threads(2)
    dtype = np.float32 if precision == "f32" else np.float64
    p, x, t = data(np, layers, batch, dtype)
    params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in p]
    x, t = torch.from_numpy(x), torch.from_numpy(t)
    n = len(params)
    flat = [q for pair in params for q in pair]

    def step():
        a = x
        for i, (w, b) in enumerate(params):
            a = torch.addmm(b, a, w)
            if i < n - 1:
                a = torch.tanh(a)
        loss = 0.5 * ((a - t) ** 2).sum() / batch
        loss.backward()
        with torch.no_grad():
            for q in flat:
                q.add_(q.grad, alpha=-LEARNING_RATE)
                q.grad = None

    return step


# MARK: JAX


def jax_step_factory(layers, batch, precision):
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    dtype = np.float32 if precision == "f32" else np.float64
    p, x, t = data(np, layers, batch, dtype)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in p]
    x, t = jnp.asarray(x), jnp.asarray(t)

    def loss(params, x, t):
        a = x
        for w, b in params[:-1]:
            a = jnp.tanh(a @ w + b)
        w, b = params[-1]
        y = a @ w + b
        return 0.5 * jnp.sum((y - t) ** 2) / x.shape[0]

    def update(params, x, t):
        e, g = jax.value_and_grad(loss)(params, x, t)
        return jax.tree_util.tree_map(lambda q, dq: q - LEARNING_RATE * dq, params, g), e

    jitted = jax.jit(update, donate_argnums=0)
    state = {"params": params}

    def step():
        state["params"], e = jitted(state["params"], x, t)
        e.block_until_ready()

    return step


PEERS = {
    "NumPy": ("numpy", numpy_step_factory),
    "PyTorch": ("torch", torch_step_factory),
    "JAX": ("jax", jax_step_factory),
}


def run_worker(args):
    """`--worker NAME`: time one peer's step in this (fresh) process and print the JSON result."""
    import json

    factory = PEERS[args.worker][1]
    step = factory([int(v) for v in args.layers.split(",")], args.batch, args.precision)
    median, minimum = time_step(step, args.seconds)
    print(json.dumps({"step_seconds_median": median, "step_seconds_min": minimum}))


def peer_run(name, layers, batch, precision, seconds):
    """Times peer `name` in its own Python process (so that the thread pools of NumPy's OpenBLAS,
    PyTorch and XLA never compete inside one process) and returns its JSON result."""
    import json
    import subprocess

    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--layers", ",".join(map(str, layers)),
           "--batch", str(batch), "--precision", precision, "--seconds", str(seconds)]
    r = subprocess.run(cmd, env=bl.unpinned_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{name} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def available_peers(wanted):
    out = {}
    for name, (module, factory) in PEERS.items():
        if wanted and name.lower() not in wanted:
            continue
        try:
            __import__(module)
        except Exception as e:  # noqa: BLE001 - any import failure means "not available"
            print(f"{name}: not importable ({type(e).__name__}: {e}); skipped", file=sys.stderr)
            continue
        out[name] = factory
    return out


def versions(peers):
    v = []
    for name in peers:
        module = __import__(PEERS[name][0])
        v.append(f"{name} {module.__version__}")
    return ", ".join(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=0.5, help="timing budget per contestant and round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--precisions", default="f32,f64")
    ap.add_argument("--peers", default="", help="comma-separated subset of numpy,pytorch,jax")
    ap.add_argument("--max-width", type=int, default=4096, help="skip shapes wider than this")
    ap.add_argument("--output", default=os.path.join(bl.ROOT, "docs", "PEERS.md"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--layers", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--precision", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        run_worker(args)
        return

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    peers = available_peers({p.strip().lower() for p in args.peers.split(",") if p.strip()})
    if not args.no_build:
        log("Building backprop (release)...")
        bl.build()
    m = bl.machine()
    names = ["Backprop", "Backprop autodiff"] + list(peers)
    rows = []
    for layers, batch in bl.STANDARD_SHAPES:
        if max(layers) > args.max_width:
            continue
        for precision in args.precisions.split(","):
            runs = {
                "Backprop": lambda: bl.bench(layers, batch, precision, "blas", "layerwise", args.seconds),
                "Backprop autodiff": lambda: bl.bench(layers, batch, precision, "blas", "autodiff", args.seconds),
            }
            for name in peers:
                runs[name] = (lambda n: lambda: peer_run(n, layers, batch, precision, args.seconds))(name)
            best = bl.alternate(runs, args.rounds)
            times = {name: best[name]["step_seconds_median"] for name in names if name in best}
            rows.append((layers, batch, precision, times))
            log(f"{bl.shape_name(layers, batch)} {precision}: "
                + ", ".join(f"{k} {bl.micros(v)} µs" for k, v in times.items()))
    load_after = bl.load_average()

    header = "| shape | precision | " + " | ".join(f"{n} (µs)" for n in names) + " | " + \
        " | ".join(f"Backprop ÷ {p}" for p in peers) + " | Backprop ÷ fastest peer |"
    sep = "|---|---|" + "---:|" * (len(names) + len(peers) + 1)
    lines = [header, sep]
    for layers, batch, precision, times in rows:
        ours = times["Backprop"]
        peer_times = [times[p] for p in peers]
        cells = [bl.micros(times[n]) for n in names]
        ratios = [f"{ours / times[p]:.2f}" for p in peers]
        fastest = f"{ours / min(peer_times):.2f}" if peer_times else "–"
        lines.append(f"| {bl.shape_name(layers, batch)} | {precision} | " + " | ".join(cells) + " | "
                     + " | ".join(ratios) + (" | " if ratios else "") + f"{fastest} |")
    table = "\n".join(lines)
    doc = f"""# Backprop and its peers

Written by `scripts/compare` (do not edit by hand). The same training step everywhere: dense
layers, tanh hidden, linear output, `E = 1/N Σ ½‖y − t‖²`, gradients, SGD update in place; same
shapes, same precision. Backprop = `backprop bench` (layer-wise; autodiff shown too); NumPy =
hand-written matrix backpropagation; PyTorch = eager autograd with 2 threads; JAX = the whole step
under `jit`. Median time per step; a ratio below 1 means Backprop is faster. Contestants ran
alternately ({args.rounds} rounds, best median kept), so the ratios compare runs side by side.

{bl.machine_markdown(m, load_after)}
- Peers: {versions(peers) or "none importable"}; Python {sys.version.split()[0]}

{table}

Install the peers (optional; never needed by the package or its tests):

```
pip install numpy jax torch==2.13.0+cpu   # the +cpu build avoids ~5 GB of CUDA libraries
scripts/compare [--seconds S] [--rounds R] [--precisions f32,f64] [--peers numpy,pytorch,jax]
```
"""
    bl.write_report(args.output, doc)


if __name__ == "__main__":
    main()
