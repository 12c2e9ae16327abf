"""Focused benchmark: the engine on dirac("gan", R1(1.0)) with the old vs the current GAN loss piece.

    PYTHONPATH=. python benchmarks/dirac_step.py [batch=1e5] [devices=2]

old:      f(t) = -logaddexp(0, -t) differentiated by autodiff (through logaddexp's JVP)
current:  gandyn.games.dirac as is (custom JVP f'(t) = sigmoid(-t))
explicit: a hand-written field with the same maths, general c:
          v_θ = -σ(-ψθ)ψ,  v_ψ = σ(-ψθ)θ - σ(ψc)c - γψ
1000 simultaneous steps (lr 1e-2, γ = 1), float32, best of 2 after a warm-up; prints
os.getloadavg() with each figure. Each variant runs in its own process: equal games share jit
caches, so patching the loss piece in one process would time one program twice.
"""
import os
import sys
import time

import jax

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000
jax.config.update("jax_num_cpu_devices", int(sys.argv[2]) if len(sys.argv) > 2 else 2)

import importlib

import jax.numpy as jnp
import numpy as np

import gandyn  # noqa: F401
import gandyn.games.dirac as D
from gandyn import State, from_fields
from gandyn.updaters import simultaneous

sm = importlib.import_module("gandyn.simulate")
STEPS = 1000


def vg(th, psi, p):
    return -jax.nn.sigmoid(-psi * th) * psi


def vd(th, psi, p):
    return jax.nn.sigmoid(-psi * th) * th - jax.nn.sigmoid(psi * p[1]) * p[1] - p[0] * psi


def old_f(t):
    return -jnp.logaddexp(0.0, -t)


def timed(game, z0):
    run = lambda: jax.block_until_ready(sm.simulate(game, simultaneous(1e-2), z0, STEPS))
    r = run()
    best = np.inf
    for _ in range(2):
        t = time.perf_counter()
        r = run()
        best = min(best, time.perf_counter() - t)
    return n * STEPS / best, r


def main(name):
    rng = np.random.default_rng(0)
    z0 = State(rng.uniform(-1, 1, (n, 1)).astype(np.float32),
               rng.uniform(-1, 1, (n, 1)).astype(np.float32))
    if name == "explicit":
        game = from_fields("explicit", vg, vd, (1.0, np.zeros(1)),
                           equilibrium=(np.zeros(1), np.zeros(1)))
    else:
        if name == "old":
            D._PIECES["gan"] = (old_f, lambda t: old_f(-t), lambda t: -old_f(t))
        game = D.dirac("gan", D.R1(1.0))
    rate, r = timed(game, z0)
    print(f"{name:9s} batch {n:.0e}: {rate:.3g} traj-steps/s  "
          f"load {[round(x, 2) for x in os.getloadavg()]}  theta[0] {float(r.final.gen[0, 0]):.7f}",
          flush=True)


if os.environ.get("DIRAC_STEP_VARIANT"):
    main(os.environ["DIRAC_STEP_VARIANT"])
else:
    import subprocess

    for name in ("old", "current", "explicit"):
        subprocess.run([sys.executable] + sys.argv, check=True,
                       env=dict(os.environ, DIRAC_STEP_VARIANT=name))
