"""Sweep the engine's layout knobs (chunk, unroll, check_every) on a `gandyn bench` workload.

    PYTHONPATH=. python benchmarks/engine_sweep.py [--batches 1e6,1e7] [--chunks 0,2048]
        [--unrolls 1,4,16] [--checks 16,64] [--steps 1000] [--json out.json]

``chunk 0`` means one chunk per device (the whole per-device batch). For reference the same
field is also run as a bare ``lax.fori_loop`` over the whole batch (no statuses, no checks,
``unroll`` steps per loop iteration): the best XLA does with this field on the device, the
ceiling the engine's bookkeeping is measured against. Prints one line per configuration with
``os.getloadavg()``; the fastest configuration per batch last.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import jax

p = argparse.ArgumentParser()
p.add_argument("--batches", default="1e6,1e7")
p.add_argument("--chunks", default="0,2048")
p.add_argument("--unrolls", default="1,4,16")
p.add_argument("--checks", default="16,64")
p.add_argument("--steps", type=int, default=1000)
p.add_argument("--devices", type=int, default=None)
p.add_argument("--json", default=None)
p.add_argument("--lr", type=float, default=None,
               help="learning rate (default the bench's); dirac --lr 0.1 converges within "
                    "1000 steps at spread-out times: blocks with events, replays")
p.add_argument("--workload", default="classic", choices=("classic", "dirac"),
               help="dirac: the Dirac-GAN with R1 of `gandyn bench` (no bare reference)")
a = p.parse_args()
try:
    jax.config.update("jax_num_cpu_devices", a.devices or os.cpu_count() or 1)
except Exception:  # pragma: no cover
    pass

import jax.numpy as jnp
import numpy as np

from gandyn import State
from gandyn.commands.bench import DIRAC_LR, SEED_LR, SEED_P_D, _classic_game, _dirac_game, _inits
from gandyn.simulate import simulate, status_counts
from gandyn.updaters import simultaneous


def ints(s):
    return [int(float(x)) for x in s.split(",") if x]


def timed(f):
    jax.block_until_ready(f())
    best = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        jax.block_until_ready(f())
        best = min(best, time.perf_counter() - t)
    return best


def bare(pg, d, steps, unroll):
    lr, pd, half = jnp.float32(SEED_LR), jnp.float32(SEED_P_D), jnp.log(jnp.float32(0.5))

    def body(_, z):
        pg, d = z
        return pg + lr * (-jnp.log(1 - d) + half), d + lr * (pd / d - pg / (1 - d))

    return jax.lax.fori_loop(0, steps, body, (pg, d), unroll=unroll)


bare_jit = jax.jit(bare, static_argnames=("steps", "unroll"))
if a.workload == "classic":
    game, upd = _classic_game(), simultaneous(a.lr or SEED_LR)
else:
    game, upd = _dirac_game(), simultaneous(a.lr or DIRAC_LR)
dev = jax.devices()
print(f"engine sweep: jax {jax.__version__}, {len(dev)} x {dev[0].device_kind}, "
      f"load {os.getloadavg()[0]:.2f}", flush=True)
rows = []
for n in ints(a.batches):
    g0, d0 = _inits(a.workload, n, np.float32)
    g0j, d0j = jnp.asarray(g0), jnp.asarray(d0)
    for u in ints(a.unrolls) if a.workload == "classic" else ():
        e = timed(lambda: bare_jit(g0j, d0j, steps=a.steps, unroll=u))
        rows.append({"batch": n, "kind": "bare", "unroll": u, "rate": n * a.steps / e,
                     "load": os.getloadavg()[0]})
        print(f"batch {n:>11,} bare fori_loop unroll {u:>3}: {n * a.steps / e:.3g} traj-steps/s",
              flush=True)
    for c in ints(a.chunks):
        for ce in ints(a.checks):
            for u in ints(a.unrolls):
                if ce > 1 and u > ce:
                    continue
                chunk = c or -(-n // len(dev))
                e = timed(lambda: simulate(game, upd, State(g0, d0), a.steps, chunk=chunk,
                                           unroll=u, check_every=ce).status)
                res = simulate(game, upd, State(g0, d0), a.steps, chunk=chunk, unroll=u,
                               check_every=ce)
                r = {"batch": n, "kind": "engine", "chunk": c, "check_every": ce, "unroll": u,
                     "rate": n * a.steps / e, "load": os.getloadavg()[0],
                     "statuses": status_counts(res),
                     "stop_steps": [int(x) for x in np.percentile(np.asarray(res.stop_step),
                                                                   [0, 50, 100])]}
                rows.append(r)
                print(f"batch {n:>11,} engine chunk {c or 'all':>6} check {ce:>3} unroll {u:>3}: "
                      f"{r['rate']:.3g} traj-steps/s  load {r['load']:.2f}  "
                      f"{r['statuses']} stop steps min/median/max {r['stop_steps']}", flush=True)
print("best per batch:")
for n in ints(a.batches):
    for kind in ("bare", "engine"):
        rs = [r for r in rows if r["batch"] == n and r["kind"] == kind]
        if rs:
            b = max(rs, key=lambda r: r["rate"])
            print(f"  {n:>11,} {kind:6}: {b['rate']:.3g}  {b}")
if a.json:
    with open(a.json, "w") as fh:
        json.dump({"jax": jax.__version__, "device": dev[0].device_kind, "n_devices": len(dev),
                   "steps": a.steps, "rows": rows}, fh, indent=1)
