"""Figures of ensembles of trained GANs (registered in ``gandyn.figures.FIGURES``).

Every number comes from ``gandyn.train``: one ensemble per loss (or loss × updater), all at the
same budget; ``smoke=True`` shrinks seeds, steps and networks so that tests and notebooks run
each recipe quickly.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.figures.record import Figure

__all__ = ["FIGURES", "fig_train_ring_samples", "fig_train_modes", "fig_train_w1_curves"]

RING_LOSSES = ("gan", "nsgan", "lsgan", "wgan-clip", "wgan-gp", "sngan", "hinge", "ratio-clip")


def _budget(smoke):
    if smoke:
        return dict(seeds=4, steps=40, width=16, batch=32, n_eval=256)
    # the per-GAN budget of the README's modes-covered table (there: 64 seeds)
    return dict(seeds=32, steps=3000, width=64, batch=128, n_eval=1024)


def fig_train_ring_samples(smoke: bool = False, losses=RING_LOSSES):
    """Samples of one GAN (seed 0) per loss on the 8-Gaussian ring, same budget."""
    import jax

    from gandyn.data import ring
    from gandyn.train import samples, train

    kw = _budget(smoke)
    kw.update(seeds=1, keep_final=True)
    fig = MplFigure(figsize=(13, 7.2), layout="constrained")
    rows = 1 if len(losses) <= 4 else 2
    fig.set_size_inches(13, 3.8 * rows)
    axes = np.atleast_1d(fig.subplots(rows, -(-len(losses) // rows), sharex=True,
                                      sharey=True)).ravel()
    data = np.asarray(ring(jax.random.PRNGKey(0), 1000))
    for ax in axes[len(losses):]:
        ax.set_visible(False)
    for ax, loss in zip(axes, losses):
        tr = train(loss, "ring", lr=1e-3, **kw)
        x = samples(tr, 1000, seed=1)[0]
        ax.scatter(data[:, 0], data[:, 1], s=14, c="0.45", label="data")
        ax.scatter(x[:, 0], x[:, 1], s=4, c="tab:red", alpha=0.6, label="G(z)")
        m = int(tr.result.metrics["modes"][0, -1]) if np.isfinite(
            tr.result.metrics["modes"][0, -1]) else "-"
        ax.set_title(f"{loss}: {m}/8 modes", fontsize=13)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=10)
    axes[0].legend(fontsize=10, loc="center", markerscale=3)
    fig.suptitle(f"8-Gaussian ring, {kw['steps']} steps, lr 1e-3, 2×{kw['width']} MLPs, "
                 f"batch {kw['batch']}", fontsize=14)
    return fig


def fig_train_modes(smoke: bool = False, combos=None):
    """Distribution over seeds of the modes covered, per (loss, updater) in ``combos``."""
    from gandyn.train import LOSS_RECIPES, train

    kw = _budget(smoke)
    if combos is None:
        combos = [(loss, "default") for loss in RING_LOSSES] + [("nsgan", "alternating"),
                                                                 ("nsgan", "extragradient")]
    fig = MplFigure(figsize=(14, 5), layout="constrained")
    ax = fig.subplots()
    vals, labels = [], []
    for loss, upd in combos:
        lr = 1e-3 if upd == "default" else 0.05
        tr = train(loss, "ring", updater=upd, lr=lr, **kw)
        v = tr.result.metrics["modes"][:, -1]
        vals.append(v[np.isfinite(v)])
        opt = {"adam": "Adam", "rmsprop": "RMSProp"}[LOSS_RECIPES[loss].optimizer] \
            if upd == "default" else f"{upd} (GD)"
        labels.append(f"{loss}\n{opt}")
    for i, v in enumerate(vals):
        counts = np.bincount(v.astype(int), minlength=9)[:9] if v.size else np.zeros(9)
        seen = counts > 0                      # a share of zero draws nothing
        ax.scatter(np.full(9, i)[seen], np.arange(9)[seen],
                   s=900 * counts[seen] / max(1, v.size), c="tab:blue", alpha=0.7)
        if v.size:
            ax.plot([i - 0.3, i + 0.3], [v.mean()] * 2, c="tab:red", lw=2.5)
            ax.text(i + 0.32, v.mean(), f"{v.mean():.2f}", va="center", fontsize=9,
                    color="tab:red")
    ax.set_xticks(range(len(labels)), labels, fontsize=10)
    ax.set_ylabel("modes covered (of 8)", fontsize=12)
    ax.set_ylim(-0.5, 8.5)
    ax.set_title(f"8-Gaussian ring: modes covered by {kw['seeds']} GANs per loss and rule "
                 f"(marker area: share of seeds; red: mean)\n{kw['steps']} rounds, 2×{kw['width']}"
                 f" MLPs, batch {kw['batch']}, lr 1e-3 (Adam, RMSProp) or 0.05 (gradient rules)",
                 fontsize=12)
    return fig


def fig_train_w1_curves(smoke: bool = False, losses=("nsgan", "wgan-gp", "lsgan")):
    """Exact W1 to the 1-D mixture against the step, mean and 10-90 % band over seeds."""
    from gandyn.train import train

    kw = _budget(smoke)
    kw["record_every"] = max(1, kw["steps"] // 20)
    fig = MplFigure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    colors = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown")
    for i, loss in enumerate(losses):
        color, style = colors[i % len(colors)], ("-", "--", ":")[i % 3]
        tr = train(loss, "mixture", lr=1e-3, **kw)
        steps, w1 = tr.curves("w1")
        mean = np.nanmean(w1, 0)
        ax.plot(steps, mean, c=color, lw=2.5, ls=style,
                label=f"{loss} (final mean {mean[-1]:.3g})")
        lo, hi = np.nanquantile(w1, [0.1, 0.9], axis=0)
        ax.fill_between(steps, lo, hi, color=color, alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("step", fontsize=12)
    ax.set_ylabel("W1 to the mixture (exact, log scale)", fontsize=12)
    ax.set_title(f"1-D mixture of 3 Gaussians (σ 0.2 at -2, 0, 2): mean and 10-90 % band over "
                 f"{kw['seeds']} seeds\nlr 1e-3, 2×{kw['width']} MLPs, batch {kw['batch']}",
                 fontsize=12)
    ax.legend(fontsize=11)
    return fig


FIGURES = (
    Figure("train_ring_samples", "One GAN per loss on the 8-Gaussian ring at the same budget: "
           "its samples and the modes it covers.", fig_train_ring_samples),
    Figure("train_modes", "Modes covered on the ring over seeds, per loss and updater.",
           fig_train_modes),
    Figure("train_w1_curves", "Exact W1 to a 1-D Gaussian mixture during training, mean and "
           "10-90 % band over seeds.", fig_train_w1_curves),
)
