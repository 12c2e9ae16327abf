"""GAN-training steps per second: N small GANs trained AT ONCE by gandyn against the same GANs
trained one after another by a plain PyTorch loop (benchmarks/train_torch.py), in one process.

    python benchmarks/train_gandyn.py [--gans 1024] [--steps 50] [--torch-gans 4]
                                      [--torch-steps 200] [--out benchmarks/results/train_gandyn-cpu.json]

Workload on both sides (train_torch.py's docstring): the 8-Gaussian ring (radius 2, σ 0.02),
G and D MLPs 2 -> 64 -> 64 -> out (ReLU), batch 256 drawn fresh for every player step,
non-saturating loss, Adam (lr 1e-4, betas (0.5, 0.999)) per player, one D step then one G
step per GAN-training step, float32. gandyn: ``gandyn.train.train("nsgan", "ring", ...)``
(statuses checked every 10 steps, metrics at the start and the end only), timed on its second
call (the first compiles; the compile time is reported apart). PyTorch: threads=1 and torch's
default, each GAN warmed up then timed; its per-GAN rate (median) gives the sequential rate.
Reported: GAN-steps/s of each side, the ratios, the machine load.

On the CPU one host device per core is requested before jax is imported (set XLA_FLAGS
yourself to override).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

if "--xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + f" --xla_force_host_platform_device_count={os.cpu_count()}")

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def gandyn_rate(gans: int, steps: int) -> dict:
    import jax
    import numpy as np

    import gandyn  # noqa: F401
    from gandyn.train import train

    kw = dict(seeds=gans, steps=steps, width=64, depth=2, batch=256, n_eval=1024, lr=1e-4)
    t0 = time.perf_counter()
    train("nsgan", "ring", **kw)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    tr = train("nsgan", "ring", seed0=gans, **kw)
    dt = time.perf_counter() - t0
    r = tr.result
    return {"gans": gans, "steps": steps, "seconds": dt, "steps_per_s": gans * steps / dt,
            "compile_and_first_run_seconds": first, "devices": len(jax.devices()),
            "backend": jax.default_backend(), "jax": jax.__version__,
            "status_running": int(np.sum(r.status == 0)),
            "modes_final_mean": float(np.nanmean(r.metrics["modes"][:, -1]))}


def flops_per_gan_step() -> float:
    """XLA's flop count of one GAN-training step of one lane (the ensemble's own program)."""
    import jax
    import jax.numpy as jnp

    from gandyn.train import Config, ensemble

    cfg = Config(loss="nsgan", data="ring", width=64, depth=2, batch=256)
    hp = {"lr": jnp.float32(1e-4), "lr_disc": jnp.float32(1e-4), "gamma": jnp.float32(0.0)}
    game, u, z0 = ensemble(cfg).make(jax.random.PRNGKey(0), hp)
    s0 = u.init(game, z0)
    cost = jax.jit(u.step).lower(game, z0, s0).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    return float(cost["flops"])


def peak_gflops() -> dict:
    """A ceiling for the CPU: cores x clock x 32 float32 flops per cycle (two 8-wide AVX2 FMA
    units); 64 with AVX-512. Read from /proc/cpuinfo where it exists."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return {}
    mhz = [float(line.split(":")[1]) for line in text.splitlines() if line.startswith("cpu MHz")]
    per_cycle = 64 if "avx512f" in text else (32 if "avx2" in text else 16)
    if not mhz:
        return {}
    return {"cores": os.cpu_count(), "ghz": max(mhz) / 1e3, "flops_per_cycle": per_cycle,
            "peak_gflops": os.cpu_count() * max(mhz) / 1e3 * per_cycle}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gans", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--torch-gans", type=int, default=4)
    ap.add_argument("--torch-steps", type=int, default=200)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    if min(a.gans, a.steps, a.torch_gans, a.torch_steps) < 1:
        sys.stderr.write("all counts must be >= 1\n")
        return 2
    import torch
    import train_torch

    load0 = list(os.getloadavg())
    res = {"benchmark": "train_gandyn", "workload": "nsgan ring 2x64 batch 256 adam float32",
           "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
           "loadavg_start": load0}
    try:
        res["gandyn"] = gandyn_rate(a.gans, a.steps)
        default_threads = torch.get_num_threads()
        torch_runs = {}
        for threads in (1, default_threads):
            torch.set_num_threads(threads)
            t = train_torch.run(a.torch_gans, a.torch_steps, 20)
            torch_runs[f"threads={threads}"] = {
                "threads": threads, "per_gan_steps_per_s_median": t["per_gan_steps_per_s_median"],
                "sequential_steps_per_s": t["sequential_steps_per_s"]}
        res["torch"] = torch_runs
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    g = res["gandyn"]["steps_per_s"]
    res["ratio"] = {k: g / v["per_gan_steps_per_s_median"] for k, v in res["torch"].items()}
    # what the two sides achieve in flop/s, and the ratio the CPU's peak would allow
    f = flops_per_gan_step()
    best_torch = max(v["per_gan_steps_per_s_median"] for v in res["torch"].values())
    res["flops"] = {"per_gan_step": f, "gandyn_gflops": g * f / 1e9,
                    "torch_gflops": best_torch * f / 1e9, **peak_gflops()}
    if "peak_gflops" in res["flops"]:
        res["flops"]["ratio_at_peak"] = res["flops"]["peak_gflops"] / res["flops"]["torch_gflops"]
    res["loadavg_end"] = list(os.getloadavg())
    text = json.dumps(res, indent=1)
    print(text)
    if a.out:
        from gandyn.io import atomic_write

        atomic_write(a.out, text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
