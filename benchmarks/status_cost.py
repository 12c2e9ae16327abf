"""What exact statuses cost: traj-steps/s of ``simulate`` with the default (a per-update check
ORed into a lane flag, exact), the old layout (a check at each block's end only,
``exact_statuses=False``) and ``check_every=1`` (check and freeze after every update), timed
in the same process, interleaved, best of ``reps`` after a compile.

    PYTHONPATH=. python benchmarks/status_cost.py [--sizes 1e5 1e6] [--steps 512] [--reps 3]
        [--out benchmarks/results/status_cost-cpu.json]

Workloads (float32, simultaneous steps, platform defaults for chunk/unroll/check_every):
``goodfellow`` at lr 1e-3 from starts near the rest point (no events: the fast path alone) and
``quadratic`` at lr 0.1 from uniform starts (lanes converge and leave the domain: replays).
Prints one JSON object; ``ratio_*`` are exact / old layout (1.0 = free). GANDYN_SMOKE=1 runs a
tiny size for a quick check of the script itself.
"""

import argparse
import json
import os
import time

import jax
import numpy as np

import gandyn  # noqa: F401  (x64 for analysis; the runs below are float32)
from gandyn import State
from gandyn.games.pointwise import goodfellow, quadratic
from gandyn.io import atomic_write
from gandyn.simulate import simulate, status_counts
from gandyn.updaters import simultaneous

VARIANTS = {"exact_default": {}, "old_block_end": {"exact_statuses": False},
            "check_every_1": {"check_every": 1}}


def _workloads(n, rng):
    return {
        "goodfellow_no_events": (goodfellow(), simultaneous(1e-3),
                                 State(rng.uniform(0.9, 1.1, n), rng.uniform(0.45, 0.55, n))),
        "quadratic_events": (quadratic(), simultaneous(0.1),
                             State(rng.uniform(0, 3, n), rng.uniform(-3, 3, n))),
    }


def _time(game, upd, z0, steps, kw):
    t = time.perf_counter()
    r = simulate(game, upd, z0, steps, **kw)
    jax.block_until_ready(r.status)
    return time.perf_counter() - t, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    smoke = os.environ.get("GANDYN_SMOKE") == "1"
    ap.add_argument("--sizes", type=float, nargs="+", default=[2e3] if smoke else [1e5, 1e6])
    ap.add_argument("--steps", type=int, default=64 if smoke else 512)
    ap.add_argument("--reps", type=int, default=1 if smoke else 3)
    ap.add_argument("--out", default=None, help="also write the JSON here (atomically)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    res = {"platform": jax.default_backend(), "devices": len(jax.devices()),
           "steps": args.steps, "reps": args.reps, "load_before": os.getloadavg(), "rows": []}
    for n in (int(s) for s in args.sizes):
        for name, (game, upd, z0) in _workloads(n, rng).items():
            best = {}
            counts = {}
            for v, kw in VARIANTS.items():  # compile, and statuses for the record
                _, r = _time(game, upd, z0, args.steps, kw)
                counts[v] = status_counts(r)
                best[v] = float("inf")
            for _ in range(args.reps):  # interleaved, so load drifts hit every variant
                for v, kw in VARIANTS.items():
                    best[v] = min(best[v], _time(game, upd, z0, args.steps, kw)[0])
            row = {"workload": name, "batch": n,
                   "traj_steps_per_s": {v: n * args.steps / t for v, t in best.items()},
                   "statuses": counts}
            rate = row["traj_steps_per_s"]
            row["ratio_exact_to_old"] = rate["exact_default"] / rate["old_block_end"]
            row["ratio_check1_to_old"] = rate["check_every_1"] / rate["old_block_end"]
            res["rows"].append(row)
            print(f"{name:22s} n={n:>8d}  " + "  ".join(f"{v} {r:.3g}/s" for v, r in rate.items())
                  + f"  exact/old {row['ratio_exact_to_old']:.2f}", flush=True)
    res["load_after"] = os.getloadavg()
    text = json.dumps(res, indent=1)
    if args.out:
        atomic_write(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
