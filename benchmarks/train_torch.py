"""Baseline for the ensemble-training benchmark: small GANs trained ONE AFTER ANOTHER by a plain
PyTorch loop (the way one would without gandyn).

    python benchmarks/train_torch.py [--gans 4] [--steps 500] [--out FILE.json]

Workload (the same GAN the gandyn side trains by the thousand):
  data     the 8-Gaussian ring, radius 2, sigma 0.02, drawn fresh every step (batch 256)
  G        z ~ N(0, I_2) -> Linear(2, 64) ReLU Linear(64, 64) ReLU Linear(64, 2)
  D        x -> Linear(2, 64) ReLU Linear(64, 64) ReLU Linear(64, 1)  (a logit)
  loss     non-saturating (Goodfellow et al. 2014): D descends softplus(-D(x)) + softplus(D(G(z))),
           G descends softplus(-D(G(z)))
  updates  Adam (lr 1e-4, betas (0.5, 0.999)) per player; one GAN-training step = one D step
           then one G step, each on its own fresh batch
  dtype    float32, CPU, torch's default intra-op threads unless --threads is given

Each GAN is built from its own seed, warmed up for --warmup steps (not timed), then timed for
--steps steps. Reported (JSON on stdout, and atomically to --out): per GAN its steps/s; the
whole sequential run's steps/s (GANs x steps / total time); and the extrapolated time to train
1024 such GANs one after another at the measured per-GAN rate. As a sanity check that the loop
trains, the modes covered on the ring (a mode counts when >= 1 % of 2000 samples lie within
3 sigma of it) after the timed steps.

Needs the ``bench`` extra: ``pip install torch==2.13.0`` (a CPU build from PyPI).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - the extra is optional
    sys.stderr.write("train_torch.py needs torch: pip install 'gandyn[bench]'\n")
    raise SystemExit(2)

BATCH, HIDDEN, ZDIM = 256, 64, 2
RADIUS, SIGMA, MODES = 2.0, 0.02, 8
LR, BETAS = 1e-4, (0.5, 0.999)


def ring(n: int, gen: torch.Generator) -> torch.Tensor:
    k = torch.randint(0, MODES, (n,), generator=gen)
    ang = 2 * math.pi * k.float() / MODES
    centres = RADIUS * torch.stack([torch.cos(ang), torch.sin(ang)], 1)
    return centres + SIGMA * torch.randn(n, 2, generator=gen)


def mlp(d_in: int, d_out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d_in, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, d_out))


class GAN:
    def __init__(self, seed: int):
        torch.manual_seed(seed)
        self.gen = torch.Generator().manual_seed(seed + 10_000)
        self.G, self.D = mlp(ZDIM, 2), mlp(2, 1)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=LR, betas=BETAS)

    def step(self):
        f = nn.functional.softplus
        x = ring(BATCH, self.gen)
        z = torch.randn(BATCH, ZDIM, generator=self.gen)
        with torch.no_grad():
            fake = self.G(z)
        loss_d = f(-self.D(x)).mean() + f(self.D(fake)).mean()
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        z = torch.randn(BATCH, ZDIM, generator=self.gen)
        loss_g = f(-self.D(self.G(z))).mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()

    def modes_covered(self, n: int = 2000) -> int:
        with torch.no_grad():
            s = self.G(torch.randn(n, ZDIM, generator=self.gen)).numpy()
        ang = 2 * np.pi * np.arange(MODES) / MODES
        c = RADIUS * np.stack([np.cos(ang), np.sin(ang)], 1)
        d = np.linalg.norm(s[:, None, :] - c[None], axis=-1)
        return int(np.sum((d <= 3 * SIGMA).sum(0) >= 0.01 * n))


def run(n_gans: int, steps: int, warmup: int) -> dict:
    per_gan, covered = [], []
    t_all = 0.0
    for i in range(n_gans):
        g = GAN(seed=i)
        for _ in range(warmup):
            g.step()
        t0 = time.perf_counter()
        for _ in range(steps):
            g.step()
        dt = time.perf_counter() - t0
        t_all += dt
        per_gan.append(steps / dt)
        covered.append(g.modes_covered())
    rate = float(np.median(per_gan))
    return {
        "per_gan_steps_per_s": per_gan,
        "per_gan_steps_per_s_median": rate,
        "sequential_steps_per_s": n_gans * steps / t_all,
        "timed_seconds": t_all,
        "extrapolated_seconds_1024_gans_per_1000_steps": 1024 * 1000 / rate,
        "modes_covered_after_timed_steps": covered,
    }


def _write_atomic(path: str, text: str):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gans", type=int, default=4, help="GANs trained one after another")
    ap.add_argument("--steps", type=int, default=500, help="timed steps per GAN")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps per GAN first")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    ap.add_argument("--out", default=None, help="also write the JSON here (atomically)")
    a = ap.parse_args(argv)
    if a.gans < 1 or a.steps < 1 or a.warmup < 0 or (a.threads is not None and a.threads < 1):
        sys.stderr.write("need --gans >= 1, --steps >= 1, --warmup >= 0, --threads >= 1\n")
        return 2
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    try:
        res = run(a.gans, a.steps, a.warmup)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    out = {
        "benchmark": "train_torch",
        "workload": {"batch": BATCH, "hidden": [HIDDEN, HIDDEN], "zdim": ZDIM, "data": "ring8",
                     "loss": "non-saturating", "optimizer": "adam", "lr": LR,
                     "betas": list(BETAS), "n_disc": 1, "dtype": "float32"},
        "gans": a.gans, "steps": a.steps, "warmup": a.warmup,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
        **res,
    }
    text = json.dumps(out, indent=1)
    print(text)
    if a.out:
        _write_atomic(a.out, text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
