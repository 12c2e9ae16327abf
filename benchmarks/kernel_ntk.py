"""Kernel benchmark: the empirical NTK by both methods, the filtered field without K, and the
convergence of the empirical NTK to the infinite-width one.

    PYTHONPATH=. python benchmarks/kernel_ntk.py [--smoke] [--out benchmarks/results/X.json]

1. A 256 x 256 empirical NTK of a width-512, depth-2 ReLU MLP (2-D inputs, float64, NTK
   parameterisation, W_std 1.5, b_std 0.05) by Jacobian contraction and by NTK-vector products,
   timed in the same process (compile excluded: one warm-up call each, then best of --repeats);
   their largest difference.
2. The kernel-filtered field dD/dt = K g at N = 10^4 points without forming K (one vjp + one
   jvp; K would be N^2 floats = 800 MB in float64), checked against K g at 300 points.
3. The relative Frobenius error ||K_emp - Θ||/||Θ|| on the 8 ring points at widths 64, 256,
   1024, 4096 (mean and standard deviation over --inits initialisations).
Prints os.getloadavg() with the results; the JSON goes to --out (written atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

import gandyn  # noqa: F401  (x64)
from gandyn.kernel import empirical_ntk, filtered_field, relu_ntk
from gandyn.players import count_params, mlp


def best(fn, repeats):
    jax.block_until_ready(fn())  # compile + warm up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return min(ts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="small sizes (seconds)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--inits", type=int, default=4)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    n, width = (32, 64) if a.smoke else (256, 512)
    n_field = 500 if a.smoke else 10_000
    widths = (64, 256) if a.smoke else (64, 256, 1024, 4096)
    out = {"device": str(jax.devices()[0]), "platform": platform.platform(),
           "load_before": os.getloadavg()}

    # 1. both methods, same process
    f, p = mlp(jax.random.PRNGKey(0), 2, width=width, depth=2, w_std=1.5, b_std=0.05)
    xs = jax.random.normal(jax.random.PRNGKey(1), (n, 2))
    ka = empirical_ntk(f, p, xs, method="jacobian")
    kb = empirical_ntk(f, p, xs, method="ntvp")
    t_jac = best(lambda: empirical_ntk(f, p, xs, method="jacobian"), a.repeats)
    t_ntvp = best(lambda: empirical_ntk(f, p, xs, method="ntvp"), a.repeats)
    out["ntk"] = {"n": n, "width": width, "depth": 2, "params": count_params(p),
                  "jacobian_s": t_jac, "ntvp_s": t_ntvp, "ntvp_over_jacobian": t_ntvp / t_jac,
                  "max_abs_diff": float(jnp.max(jnp.abs(ka - kb))),
                  "auto_picks": "jacobian" if n * count_params(p) * 8 <= 2**31 else "ntvp"}
    print(f"[1] {n}x{n} NTK, width {width} depth 2 ({count_params(p)} params, float64): "
          f"jacobian {t_jac:.3f} s, ntvp {t_ntvp:.3f} s (x{t_ntvp / t_jac:.1f}), "
          f"max |diff| {out['ntk']['max_abs_diff']:.2e}", flush=True)

    # 2. the filtered field at N points without K
    xf = jax.random.normal(jax.random.PRNGKey(2), (n_field, 2))
    g = jax.random.normal(jax.random.PRNGKey(3), (n_field,))
    t_ff = best(lambda: filtered_field(f, p, xf, g), a.repeats)
    sub = 300  # the same program on the first 300 points against the explicit K g
    ksub = empirical_ntk(f, p, xf[:sub], method="jacobian")
    ref = ksub @ g[:sub]
    err = float(jnp.max(jnp.abs(filtered_field(f, p, xf[:sub], g[:sub]) - ref))
                / jnp.max(jnp.abs(ref)))
    out["filtered_field"] = {"n": n_field, "seconds": t_ff, "k_bytes_avoided": n_field**2 * 8,
                             "rel_err_vs_explicit_K_at_300_points": err}
    print(f"[2] filtered field at N = {n_field}: {t_ff:.3f} s without K "
          f"({n_field**2 * 8 / 1e6:.0f} MB avoided); at {sub} points vs explicit K g: "
          f"rel err {err:.1e}", flush=True)

    # 3. width convergence
    k = np.arange(8)
    ring = jnp.asarray(np.stack([np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)], 1))
    theta = relu_ntk(ring, depth=2, w_std=1.5, b_std=0.05)[0]
    rows = []
    for w in widths:
        errs = []
        for s in range(a.inits):
            fw, pw = mlp(jax.random.PRNGKey(100 + s), 2, width=w, depth=2, w_std=1.5, b_std=0.05)
            kw = empirical_ntk(fw, pw, ring)
            errs.append(float(jnp.linalg.norm(kw - theta) / jnp.linalg.norm(theta)))
        rows.append({"width": w, "rel_frobenius_mean": float(np.mean(errs)),
                     "rel_frobenius_std": float(np.std(errs)), "inits": a.inits})
        print(f"[3] width {w:5d}: ||K - Θ||/||Θ|| = {np.mean(errs):.4f} ± {np.std(errs):.4f} "
              f"({a.inits} inits)", flush=True)
    out["convergence"] = rows
    out["load_after"] = os.getloadavg()
    print(f"load average {out['load_before']} -> {out['load_after']}")
    if a.out:
        d = os.path.dirname(os.path.abspath(a.out))
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(out, fh, indent=1)
        os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
