"""Figures about divergences between distributions (registered in ``gandyn.figures.FIGURES``).

``FIGURES`` is a tuple of ``Figure(name, caption, make)`` records (the same three fields as
``gandyn.figures.Figure``; ``make(smoke)`` returns a matplotlib ``Figure``). Every number
comes from ``gandyn.divergences`` and its ``jax.grad``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.figures.record import Figure

from gandyn import divergences as D

__all__ = ["FIGURES", "Figure", "fig_divergences_parallel_lines"]

COLORS = {"w1": "tab:blue", "js": "tab:red", "tv": "tab:green", "kl": "tab:purple"}




def _curves(thetas):
    d = jax.vmap(D.parallel_lines)(thetas)
    grads = {k: jax.vmap(jax.grad(lambda t, k=k: getattr(D.parallel_lines(t), k)))(thetas)
             for k in ("w1", "js", "tv")}
    return d, grads


def fig_divergences_parallel_lines(smoke: bool = False):
    n = 101 if smoke else 401
    thetas = jnp.linspace(-1.0, 1.0, n)
    thetas = thetas[thetas != 0]                         # theta = 0 drawn as its own point
    d, grads = _curves(thetas)
    zero = D.parallel_lines(0.0)
    t = np.asarray(thetas)
    neg, pos = t < 0, t > 0

    fig = MplFigure(figsize=(15, 4.8), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    labels = {"w1": "W1 = |θ|", "js": "JS = log 2 (θ ≠ 0)", "tv": "TV = 1 (θ ≠ 0)"}
    for k in ("w1", "js", "tv"):
        v = np.asarray(getattr(d, k))
        for m in (neg, pos):
            ax1.plot(t[m], v[m], color=COLORS[k], lw=2.5, label=labels[k] if m is pos else None)
        ax1.plot(0.0, float(getattr(zero, k)), "o", color=COLORS[k], ms=7)
    ax1.text(0.0, 1.17, "KL = ∞ for every θ ≠ 0;  all four are 0 at θ = 0", ha="center",
             color=COLORS["kl"], fontsize=11.5)
    ax1.set_ylim(-0.05, 1.62)
    ax1.set_xlabel("θ (shift of the generator's line)", fontsize=12)
    ax1.set_ylabel("divergence between P_0 and P_θ", fontsize=12)
    ax1.set_title("Values: only W1 is continuous at θ = 0", fontsize=13)
    ax1.legend(fontsize=11, loc="upper center", ncol=2)

    for k, lab in (("w1", "dW1/dθ = sign θ"), ("js", "dJS/dθ = 0"), ("tv", "dTV/dθ = 0")):
        g = np.asarray(grads[k])
        for m in (neg, pos):
            ax2.plot(t[m], g[m], color=COLORS[k], lw={"w1": 2.5, "js": 4.5, "tv": 2.0}[k],
                     ls={"w1": "-", "js": "-", "tv": "--"}[k], label=lab if m is pos else None)
    ax2.set_ylim(-1.4, 1.4)
    ax2.axhline(0, color="0.7", lw=0.8)
    ax2.set_xlabel("θ", fontsize=12)
    ax2.set_ylabel("gradient with respect to θ (jax.grad)", fontsize=12)
    ax2.set_title("Gradients: W1 points to θ = 0, JS and TV are flat", fontsize=13)
    ax2.legend(fontsize=11, loc="upper left")

    # the same story for two Gaussians as their width shrinks to a Dirac
    mus = jnp.linspace(0.0, 1.0, 61 if smoke else 201)
    for sigma, shade in zip((0.3, 0.1, 0.03), ("#f4a582", "#d6604d", "#67001f")):
        js = jax.vmap(lambda m, s=sigma: D.gaussians(0.0, s, m, s).js)(mus)
        ax3.plot(mus, js, color=shade, lw=2.2, label=f"JS, σ = {sigma:g}")
    w1 = jax.vmap(lambda m: D.gaussians(0.0, 0.1, m, 0.1).w1)(mus)
    ax3.plot(mus, w1, color=COLORS["w1"], lw=2.5, ls="--", label="W1 = |μ| (any σ)")
    ax3.axhline(math.log(2), color="0.6", lw=0.8, ls=":")
    ax3.text(0.98, math.log(2) + 0.02, "log 2", ha="right", fontsize=11, color="0.4")
    ax3.set_xlabel("μ (shift of the generator's Gaussian)", fontsize=12)
    ax3.set_ylabel("divergence between N(0, σ²) and N(μ, σ²)", fontsize=12)
    ax3.set_title("Narrow Gaussians: JS saturates, W1 does not", fontsize=13)
    ax3.set_ylim(-0.05, 1.05)
    ax3.legend(fontsize=11, loc="lower right")
    for ax in (ax1, ax2, ax3):
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
    fig.suptitle("Arjovsky et al. (2017), Example 1: P_0 = (0, Z), P_θ = (θ, Z), Z ~ U[0, 1]",
                 fontsize=14)
    return fig


FIGURES = (
    Figure("divergences_parallel_lines", "Parallel lines (Arjovsky et al. 2017): W1 = |θ| is "
           "continuous with gradient sign θ, while JS (log 2), TV (1) and KL (∞) jump at θ = 0 "
           "and give no gradient; narrow Gaussians show the same saturation of JS.",
           fig_divergences_parallel_lines),
)
