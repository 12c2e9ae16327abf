"""Benchmark the engine against a scalar Python loop and vectorised numpy.

    gandyn bench [--quick] [--json]        (or: PYTHONPATH=. python benchmarks/bench.py ...)

Workloads (simultaneous steps, 10³ steps, float32 unless --dtype):
  classic  the classic pointwise field (``gandyn.games.pointwise.classic``, docs/pointwise.md)
           dD/dt = p_d/D - p_g/(1-D),  dp_g/dt = -log(1-D) + log(1/2),
           p_d = 0.2, lr 1e-3, D0 ~ U(0.3, 0.7), p_g0 ~ U(0.1, 0.5);
  dirac    the Dirac-GAN with R1 (γ = 1), lr 1e-2, θ0, ψ0 ~ U(-1, 1):
           v_θ = -σ(-ψθ) ψ,  v_ψ = σ(-ψθ) θ - γ ψ   (σ the logistic function).
For each: (a) a scalar Python loop (the classic field as first published, in numpy scalars) on a few trajectories, (b) numpy vectorised over the
batch, (c) ``gandyn.simulate`` on batches 10³ … 10⁵ (--quick), 10⁷ (CPU) or 10⁸ (GPU/TPU), best of
``--repeats`` timed runs after the compiling one; compile time separately.
Then a 1000 × 1000 stability map (spectral radius of the simultaneous map of the
Dirac-GAN with R1 over lr × γ), the compiled memory of a 10⁷ × 10⁴ run without recording,
an FMA peak kernel (flops ceiling) and the cold wall time of ``gandyn check`` (if present).

CPU cores: the engine splits the batch over devices; on the CPU this command asks JAX for
``--devices`` host devices (default: every core) with ``jax_num_cpu_devices`` before the
backend starts (equivalently: ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` set
before jax is imported). Timings carry ``os.getloadavg()``. The memory figure lowers the
engine's program (``gandyn.simulate.lower``) without running it.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

SEED_P_D, SEED_LR = 0.2, 1e-3
DIRAC_GAMMA, DIRAC_LR = 1.0, 1e-2


def add_arguments(parser):
    parser.add_argument("--json", action="store_true", help="also write benchmarks/results/*.json")
    parser.add_argument("--quick", action="store_true", help="batches up to 10^5, small map")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--devices", type=int, default=None,
                        help="CPU host devices (default: every core)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--max-batch", type=float, default=None,
                        help="largest engine batch (default 1e7 on the CPU, 1e8 on a GPU/TPU)")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--check-every", type=int, default=None)
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--unroll", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed engine runs per batch after the compiling one (best kept)")


def _load():
    return [round(x, 2) for x in os.getloadavg()]


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- baselines


def seed_loop_classic(d, pg, steps, pd=SEED_P_D, lr=SEED_LR):
    """The classic field as a scalar numpy loop with the history kept (the original script)."""
    import numpy as np

    d_hist, pg_hist = [], []
    for _ in range(steps):
        d_hist.append(d)
        pg_hist.append(pg)
        vd = pd / d - pg / (1. - d)
        vpg = -np.log(1. - d) + np.log(0.5)
        d = d + lr * vd
        pg = pg + lr * vpg
    return d, pg


def seed_loop_dirac(th, psi, steps, gamma=DIRAC_GAMMA, lr=DIRAC_LR):
    import numpy as np

    for _ in range(steps):
        s = 1.0 / (1.0 + np.exp(psi * th))
        vt = -s * psi
        vp = s * th - gamma * psi
        th, psi = th + lr * vt, psi + lr * vp
    return th, psi


def numpy_classic(d, pg, steps, pd=SEED_P_D, lr=SEED_LR):
    import numpy as np

    lr = d.dtype.type(lr)
    pd = d.dtype.type(pd)
    half = np.log(d.dtype.type(0.5))
    for _ in range(steps):
        vd = pd / d - pg / (1 - d)
        vpg = -np.log(1 - d) + half
        d, pg = d + lr * vd, pg + lr * vpg
    return d, pg


def numpy_dirac(th, psi, steps, gamma=DIRAC_GAMMA, lr=DIRAC_LR):
    import numpy as np

    lr, gamma = th.dtype.type(lr), th.dtype.type(gamma)
    for _ in range(steps):
        s = 1 / (1 + np.exp(psi * th))
        th, psi = th + lr * (-s * psi), psi + lr * (s * th - gamma * psi)
    return th, psi


def _timed(f, *a):
    t = time.perf_counter()
    out = f(*a)
    return out, time.perf_counter() - t


# ----------------------------------------------------------------------------- workloads


def _classic_game():
    from gandyn.games.pointwise import classic

    return classic(SEED_P_D)


def _dirac_game():
    from gandyn.games.dirac import R1, dirac

    return dirac("gan", R1(DIRAC_GAMMA))


def _inits(name, n, dtype, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    if name == "classic":  # State(p_g, D)
        return rng.uniform(0.1, 0.5, n).astype(dtype), rng.uniform(0.3, 0.7, n).astype(dtype)
    return (rng.uniform(-1, 1, (n, 1)).astype(dtype), rng.uniform(-1, 1, (n, 1)).astype(dtype))


def bench_workload(name, sizes, steps, dtype, sim_kw, log, repeats=3):
    import jax
    import numpy as np

    from gandyn import State
    from gandyn.simulate import simulate, status_counts
    from gandyn.updaters import simultaneous

    game, lr = (_classic_game(), SEED_LR) if name == "classic" else (_dirac_game(), DIRAC_LR)
    upd = simultaneous(lr)
    out = {"workload": name, "steps": steps, "rows": []}

    # (a) the scalar Python loop: a few trajectories, per-step rate
    g0, d0 = _inits(name, 3, np.float64)
    t = time.perf_counter()
    for i in range(3):
        if name == "classic":
            seed_loop_classic(float(d0[i]), float(g0[i]), steps)
        else:
            seed_loop_dirac(float(g0[i][0]), float(d0[i][0]), steps)
    seed_rate = 3 * steps / (time.perf_counter() - t)
    out["seed_loop"] = {"traj_steps_per_s": seed_rate, "trajectories": 3, "load": _load()}
    log(f"[{name}] seed loop: {seed_rate:.3g} traj-steps/s  load {_load()}")

    for n in sizes:
        g0, d0 = _inits(name, n, dtype)
        # (b) numpy, vectorised: fewer steps at big batches (rate per traj-step)
        np_steps = int(max(10, min(steps, 2e8 // n)))
        if name == "classic":
            (dn, gn), e = _timed(numpy_classic, d0, g0, np_steps)
        else:
            (gn, dn), e = _timed(numpy_dirac, g0, d0, np_steps)
        np_rate = n * np_steps / e
        # (c) the engine: first call = compile + run, second = run
        z0 = State(g0, d0)
        (r, e1) = _timed(lambda: jax.block_until_ready(
            simulate(game, upd, z0, steps, dtype=dtype, **sim_kw)))
        load0 = _load()
        runs = []  # best of `repeats` timed runs (the spread is reported)
        for _ in range(repeats):
            c0 = time.process_time()
            (r, e) = _timed(lambda: jax.block_until_ready(
                simulate(game, upd, z0, steps, dtype=dtype, **sim_kw)))
            runs.append((e, time.process_time() - c0))
        e2, cpu = min(runs)
        rate = n * steps / e2
        agree = None
        if np_steps == steps:  # same workload, same dtype: compare the final states
            agree = float(max(np.max(np.abs(np.asarray(r.final.gen) - gn)),
                              np.max(np.abs(np.asarray(r.final.disc) - dn))))
        row = {"batch": n, "engine_traj_steps_per_s": rate, "engine_run_s": e2,
               "engine_runs_s": [x[0] for x in runs],
               "engine_cpu_s": cpu, "compile_s": max(e1 - runs[0][0], 0.0),
               "numpy_traj_steps_per_s": np_rate, "numpy_steps": np_steps,
               "x_seed": rate / seed_rate, "x_numpy": rate / np_rate,
               "max_abs_diff_vs_numpy": agree, "statuses": status_counts(r),
               "peak_rss_mib": _peak_rss_mib(), "load": load0}
        out["rows"].append(row)
        log(f"[{name}] batch {n:>9,}: engine {rate:.3g}/s ({e2:.3f}s, compile {row['compile_s']:.2f}s)"
            f"  numpy {np_rate:.3g}/s  x{row['x_seed']:.0f} seed  x{row['x_numpy']:.1f} numpy"
            f"  |Δ| {agree}  load {load0}")
    return out


def bench_stability_map(n, log):
    """Spectral radius of the simultaneous map of the Dirac-GAN with R1 on an n × n lr × γ grid.

    Closed form (Mescheder et al. 2018): λ = -γ/2 ± sqrt(γ²/4 - f'(0)²), f'(0) = 1/2, map
    eigenvalues 1 + h λ, ρ = max |1 + h λ|; vmapped over the grid, complex sqrt.
    """
    import jax
    import jax.numpy as jnp

    def rho(h, g):
        s = jnp.sqrt((g * g / 4 - 0.25).astype(jnp.complex64))
        lam = jnp.stack([-g / 2 + s, -g / 2 - s])
        return jnp.max(jnp.abs(1 + h * lam))

    f = jax.jit(jax.vmap(jax.vmap(rho, in_axes=(None, 0)), in_axes=(0, None)))
    hs = jnp.linspace(1e-3, 2.0, n, dtype=jnp.float32)
    gs = jnp.linspace(0.0, 4.0, n, dtype=jnp.float32)
    _, c = _timed(lambda: jax.block_until_ready(f(hs, gs)))
    m, e = _timed(lambda: jax.block_until_ready(f(hs, gs)))
    res = {"grid": [n, n], "closed_form_s": e, "compile_s": max(c - e, 0.0),
           "converging_fraction": float((m < 1).mean()), "load": _load()}
    log(f"[map] {n}x{n} closed-form 2x2 spectra: {e:.4f}s after compile "
        f"({res['compile_s']:.2f}s)  load {_load()}")
    try:  # the generic path: jax.jacfwd of one updater step, when the analysis module is there
        from gandyn.analysis.discrete import stability_map
        from gandyn.games.dirac import R1, dirac
        from gandyn.updaters import simultaneous

        def mk(h, g):
            return simultaneous(h)

        game = dirac("gan", R1(DIRAC_GAMMA))
        k = min(n, 300)
        hs64, gs64 = jnp.linspace(1e-3, 2.0, k), jnp.linspace(0.0, 4.0, k)
        _, c = _timed(lambda: jax.block_until_ready(stability_map(game, mk, hs64, gs64)))
        _, e = _timed(lambda: jax.block_until_ready(stability_map(game, mk, hs64, gs64)))
        res["jacfwd_grid"] = [k, k]
        res["jacfwd_s"] = e
        log(f"[map] {k}x{k} via jacfwd of one step (float64, analysis.discrete): {e:.3f}s")
    except ImportError:
        res["jacfwd_note"] = "gandyn.analysis.discrete.stability_map not available"
    return res


def bench_fma_peak(log, n_dev):
    """A chain of float32 FMAs per element, sharded over the devices: the machine's rate."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    from gandyn.simulate import default_mesh

    mesh = default_mesh(jax.devices()[:n_dev])
    # per device: an L1-sized vector on the CPU; enough lanes to fill a GPU/TPU
    per, inner, outer = (4096, 64, 2000) if jax.default_backend() == "cpu" else (1 << 24, 64, 100)
    x = jax.device_put(jnp.ones((n_dev, per), jnp.float32), NamedSharding(mesh, P("batch")))

    @jax.jit
    def kern(x):
        a, b = jnp.float32(0.999), jnp.float32(1e-3)

        def body(y, _):
            for _ in range(inner):
                y = y * a + b
            return y, None

        return jax.lax.scan(body, x, None, length=outer)[0]

    jax.block_until_ready(kern(x))
    _, e = _timed(lambda: jax.block_until_ready(kern(x)))
    flops = 2.0 * n_dev * per * inner * outer / e
    log(f"[peak] FMA chain: {flops / 1e9:.1f} GFLOP/s float32 on {n_dev} device(s)  load {_load()}")
    return {"gflops": flops / 1e9, "devices": n_dev, "load": _load(), "note": str(np.float32)}


def bench_memory(n, steps, dtype, log):
    """Compiled memory of an n × steps run without recording (XLA memory analysis, no run)."""
    import importlib

    import jax
    import jax.numpy as jnp

    from gandyn import State

    sm = importlib.import_module("gandyn.simulate")  # not the lazily exported function
    from gandyn.updaters import simultaneous

    game = sm.cast_floats(_classic_game(), dtype)
    upd = sm.cast_floats(simultaneous(SEED_LR), dtype)
    z0 = State(jax.ShapeDtypeStruct((n,), dtype), jax.ShapeDtypeStruct((n,), dtype))
    out = {}
    for s in (steps // 10, steps):
        comp = sm.lower(game, upd, z0, s, tol=0.0, bound=1e6, dtype=dtype).compile()
        ma = comp.memory_analysis()
        tot = (ma.argument_size_in_bytes + ma.output_size_in_bytes + ma.temp_size_in_bytes)
        out[str(s)] = {"argument_mib": ma.argument_size_in_bytes / 2**20,
                       "output_mib": ma.output_size_in_bytes / 2**20,
                       "temp_mib": ma.temp_size_in_bytes / 2**20, "total_mib": tot / 2**20}
        log(f"[memory] {n:,} x {s:,} steps, no recording: {tot / 2**20:.0f} MiB "
            f"(args {ma.argument_size_in_bytes / 2**20:.0f}, out "
            f"{ma.output_size_in_bytes / 2**20:.0f}, temp {ma.temp_size_in_bytes / 2**20:.0f})")
    return {"batch": n, "by_steps": out}


def bench_check_cold(log):
    try:
        import gandyn.commands.check  # noqa: F401
    except ModuleNotFoundError:
        log("[check] gandyn check does not exist yet: skipped")
        return {"skipped": "gandyn.commands.check not present"}
    # the real interface: expressions in x, --f1/--f2/--f3, --pd, --json (a fresh process:
    # "cold" includes the interpreter, jax's import and every compile the command triggers)
    cmd = [sys.executable, "-m", "gandyn", "check", "--f1", "log(x)", "--f2", "log(1-x)",
           "--f3", "-log(1-x)", "--pd", "0.2", "--json"]
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    import gandyn

    root = os.path.dirname(os.path.dirname(os.path.abspath(gandyn.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    load0 = _load()
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    e = time.perf_counter() - t
    ok = p.returncode == 0
    try:
        json.loads(p.stdout)
    except ValueError:
        ok = False
    log(f"[check] cold `{' '.join(cmd[1:])}`: {e:.2f}s (rc {p.returncode}, "
        f"{'valid JSON' if ok else 'NO valid JSON'})  load {load0}")
    return {"cmd": cmd[1:], "wall_s": e, "rc": p.returncode, "json_ok": ok,
            "stderr_tail": p.stderr[-500:], "load": load0}


def run(args) -> int:
    if args.max_batch is not None and not (args.max_batch >= 1e3
                                           and float(args.max_batch).is_integer()):
        print(f"gandyn bench: error: --max-batch must be a whole number >= 1000 (the smallest "
              f"batch timed), got {args.max_batch:g}", file=sys.stderr)
        return 2
    if args.json:  # before the work: a bad --out fails at once (OutputError: one line, exit 2)
        from gandyn.io import ensure_writable_output

        ensure_writable_output(args.out)
    n_dev = args.devices or os.cpu_count() or 1
    import jax

    try:  # must happen before the backend starts; harmless on GPU/TPU
        jax.config.update("jax_num_cpu_devices", n_dev)
    except Exception as e:  # pragma: no cover - backend already started
        print(f"note: could not set jax_num_cpu_devices ({e})", file=sys.stderr)
    import numpy as np

    dtype = np.float32 if args.dtype == "float32" else np.float64
    top = 5 if args.quick else (7 if jax.default_backend() == "cpu" else 8)
    if args.max_batch:
        top = int(round(math.log10(args.max_batch)))
    sizes = [10 ** k for k in range(3, top + 1)]
    sim_kw = {}
    if args.check_every:
        sim_kw["check_every"] = args.check_every
    if args.chunk:
        sim_kw["chunk"] = args.chunk
    if args.unroll:
        sim_kw["unroll"] = args.unroll
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    dev = jax.devices()
    meta = {"jax": jax.__version__, "backend": jax.default_backend(),
            "devices": [str(d) for d in dev], "device_kind": dev[0].device_kind,
            "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
            "dtype": args.dtype, "steps": args.steps, "quick": bool(args.quick),
            "load_at_start": _load(), "argv": sys.argv[1:]}
    log(f"gandyn bench: jax {jax.__version__} on {len(dev)} x {dev[0].device_kind} "
        f"({jax.default_backend()}), {args.dtype}, load {_load()}")
    res = {"meta": meta}
    res["fma_peak"] = bench_fma_peak(log, len(dev))
    res["classic"] = bench_workload("classic", sizes, args.steps, dtype, sim_kw, log,
                                    args.repeats)
    one = dict(sim_kw, devices=dev[:1])
    if len(dev) > 1:
        big = sizes[-1] if args.quick else min(sizes[-1], 10 ** 6)
        res["classic_one_device"] = bench_workload("classic", [big], args.steps, dtype, one, log,
                                                     args.repeats)
    res["dirac"] = bench_workload("dirac", sizes, args.steps, dtype, sim_kw, log, args.repeats)
    res["stability_map"] = bench_stability_map(200 if args.quick else 1000, log)
    res["memory"] = bench_memory(10 ** 7, 10 ** 4, dtype, log)
    res["check_cold"] = bench_check_cold(log)
    # flops per classic step: 2 div, 1 log, 7 add/sub/mul (log and div counted as one op)
    best = max(r["engine_traj_steps_per_s"] for r in res["classic"]["rows"])
    res["classic_ops_per_step"] = 10
    res["classic_fraction_of_fma_peak"] = best * 10 / (res["fma_peak"]["gflops"] * 1e9)
    log(f"[ceiling] classic best {best:.3g} traj-steps/s x 10 ops = {best * 10 / 1e9:.1f} Gop/s"
        f" = {100 * res['classic_fraction_of_fma_peak']:.0f}% of the FMA peak")
    meta["load_at_end"] = _load()
    if args.json:
        from gandyn.io import atomic_write

        tag = f"{jax.default_backend()}-{len(dev)}dev-{args.dtype}{'-quick' if args.quick else ''}"
        path = os.path.join(args.out, f"bench-{tag}.json")
        atomic_write(path, json.dumps(res, indent=1, default=str))
        log(f"wrote {path}")
    return 0


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="benchmarks/bench.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
