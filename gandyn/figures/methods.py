"""Figures of the special GAN methods: ratio clipping, consensus on trained GANs (registered
in ``gandyn.figures.FIGURES``).

* ``methods_consensus_cloud``: the eigenvalue cloud of the full parametric game (G and D small
  MLPs on the 8-Gaussian ring) at a trained checkpoint, for the field ``v'`` and for the
  consensus field ``w' = (v - γ v'ᵀ v)'`` (Mescheder, Nowozin & Geiger 2017, "The Numerics of
  GANs", mixture-of-Gaussians experiment);
* ``methods_ratio_clip_variance``: critic-loss curves of a small ensemble (``vmap`` over
  initialisation keys) trained by WGAN-GP and by ratio clipping + re-weighting (Wu et al.
  2020), and their spread.

Numbers come from ``gandyn.games`` (sampled, ratio_clip), ``gandyn.updaters`` (consensus,
alternating, ratio_clip) and ``gandyn.analysis.parametric_spectrum``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.analysis.parametric_spectrum import cloud_summary, dense_eigenvalues
from gandyn.data import ring
from gandyn.figures.record import Figure
from gandyn.games import State
from gandyn.games.ratio_clip import ratio_clip_game
from gandyn.games.sampled import sampled_game
from gandyn.players import mlp
from gandyn.updaters.alternating import alternating
from gandyn.updaters.consensus import Consensus, consensus
from gandyn.updaters.ratio_clip import ratio_clip

__all__ = ["FIGURES", "consensus_cloud_data", "fig_consensus_cloud", "fig_ratio_clip_variance",
           "ratio_clip_variance_data"]

GAMMA = 1.0


def _nets(key, width, in_dim=2):
    k = jax.random.split(key, 3)
    g = mlp(k[0], in_dim, width=width, depth=2, out_dim=2, parameterization="standard",
            activation="tanh")
    d = mlp(k[1], 2, width=width, depth=2, parameterization="standard", activation="tanh")
    c = mlp(k[2], 2, width=width, depth=2, parameterization="standard", activation="tanh")
    return g, d, c


def consensus_cloud_data(smoke: bool = False):
    """Train a small GAN (NS-GAN loss, fixed banks, consensus steps) and return the dense
    spectra of ``v'`` and of the consensus field at the final checkpoint, with summaries."""
    width, n, steps = (4, 16, 20) if smoke else (12, 128, 1500)
    key = jax.random.PRNGKey(0)
    (ga, th), (da, ps), _ = _nets(key, width)
    kd, kz = jax.random.split(jax.random.PRNGKey(1))
    game = sampled_game(loss="nsgan", G=(ga, th), D=(da, ps), data=ring(kd, n),
                        latents=jax.random.normal(kz, (n, 2)))
    u = consensus(0.05, gamma=GAMMA)

    @jax.jit
    def train(z):
        def body(c, _):
            z, s = c
            return u.step(game, z, s), None

        return jax.lax.scan(body, (z, u.init(game, z)), None, length=steps)[0][0]

    z = train(State(th, ps))
    e = np.asarray(dense_eigenvalues(game, z))
    ec = np.asarray(dense_eigenvalues(Consensus(GAMMA)(game), z))
    return e, ec, cloud_summary(e), cloud_summary(ec), steps


def _cloud_panel(ax, eig, colour, title, re_lim, im_lim):
    """One cloud on linear axes (a symlog axis squeezed the rotations, the figure's point, into
    a few pixels): the stable half-plane shaded, eigenvalues left of the window drawn as arrows
    at its edge with their real part written, and the numbers the eye should compare."""
    lo, hi = re_lim
    inside = eig.real >= lo
    ax.axvspan(lo, 0.0, color="tab:green", alpha=0.07, zorder=0)
    ax.axvline(0.0, color="black", lw=1.1, zorder=1)
    ax.axhline(0.0, color="0.7", lw=0.8, zorder=0)
    ax.scatter(eig.real[inside], eig.imag[inside], s=30, color=colour, alpha=0.75,
               edgecolor="black", linewidth=0.4, zorder=3)
    out = np.sort(eig.real[~inside])
    for k, re in enumerate(out):   # a handful at most (the stiff modes)
        y = im_lim[0] * 0.55 + 0.22 * k * (im_lim[1] - im_lim[0]) / 2
        ax.plot(lo + 0.12, y, "<", ms=9, color=colour, mec="black", mew=0.6, zorder=3)
        ax.annotate(f"Re λ = {re:.3g}", (lo + 0.3, y), va="center", fontsize=10)
    n_pos = int(np.sum(eig.real > 1e-9))
    ax.text(0.98, 0.97, f"max Re λ = {eig.real.max():.2f}\nmax |Im λ| = {np.abs(eig.imag).max():.2f}"
            f"\nRe λ > 0: {n_pos} of {eig.size}", transform=ax.transAxes, ha="right", va="top",
            fontsize=11, bbox=dict(facecolor="white", edgecolor="0.7", alpha=0.95))
    ax.set_xlim(lo, hi)
    ax.set_ylim(*im_lim)
    ax.set_xlabel("Re λ  (< 0: decays)", fontsize=12)
    ax.set_title(title, fontsize=13)


def fig_consensus_cloud(smoke: bool = False):
    """The cloud of v' beside that of the consensus field, on the same linear axes."""
    e, ec, s, sc, steps = consensus_cloud_data(smoke)
    both = np.concatenate([e, ec])
    # the window holds every eigenvalue of v' and all but consensus's stiffest real modes
    re_lim = (min(e.real.min(), np.percentile(both.real, 1)) * 1.12 - 0.05,
              max(both.real.max() * 1.1, 0.5))
    im = max(np.abs(both.imag).max() * 1.15, 0.2)
    fig = MplFigure(figsize=(13, 5.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    _cloud_panel(ax1, e, "tab:blue", "gradient field v′: rotations up to "
                 f"|Im λ| = {np.abs(e.imag).max():.2f}", re_lim, (-im, im))
    _cloud_panel(ax2, ec, "tab:orange", f"consensus, γ = {GAMMA:g}: rotations damped to "
                 f"|Im λ| ≤ {np.abs(ec.imag).max():.2f}", re_lim, (-im, im))
    ax1.set_ylabel("Im λ", fontsize=12)
    fig.suptitle(f"A trained GAN's Jacobian, {e.size} parameters (NS-GAN, 8-Gaussian ring, "
                 f"{steps} consensus steps): consensus damps the rotation", fontsize=14)
    return fig


# -- ratio clipping vs WGAN-GP --------------------------------------------------------------
def ratio_clip_variance_data(smoke: bool = False):
    """Critic-loss curves ``L = mean D(G(z)) - mean D(x)`` per round for ``E`` GANs (vmap over
    keys) under WGAN-GP (5 critic steps, 1 generator step) and under ratio clipping
    (5 critic steps, 1 classifier step, 3 surrogate steps, ε = 0.2); shape ``(E, T)`` each."""
    E, T, B, width = (2, 4, 16, 4) if smoke else (8, 400, 64, 16)
    lr_g, lr_d = 0.02, 0.02

    def run(key, reweight: bool):
        kn, kb = jax.random.split(key)
        (ga, th), (da, ps), (ca, cl) = _nets(kn, width)
        game = ratio_clip_game((ga, th), (da, ps), jnp.zeros((B, 2)), jnp.zeros((B, 2)),
                               reweight=reweight)
        u = (ratio_clip(lr_g, lr_d, G=ga, D=da, C=(ca, cl), eps=0.2, n_disc=5, n_gen=3)
             if reweight else alternating(lr_g, lr_d, n_disc=5))
        z0 = State(th, ps)

        def body(c, k):
            z, s = c
            k1, k2 = jax.random.split(k)
            g = game.replace(params={**game.params, "data": ring(k1, B),
                                     "latents": jax.random.normal(k2, (B, 2))})
            z, s = u.step(g, z, s)
            p = g.params
            loss = (jnp.mean(da(z.disc, ga(z.gen, p["latents"])))
                    - jnp.mean(da(z.disc, p["data"])))
            return (z, s), loss

        _, losses = jax.lax.scan(body, (z0, u.init(game, z0)), jax.random.split(kb, T))
        return losses

    keys = jax.random.split(jax.random.PRNGKey(7), E)
    gp = jax.jit(jax.vmap(lambda k: run(k, False)))(keys)
    rc = jax.jit(jax.vmap(lambda k: run(k, True)))(keys)
    return np.asarray(gp), np.asarray(rc)


def _rolling_std(x, w):
    w = max(2, min(w, x.shape[-1]))
    windows = np.lib.stride_tricks.sliding_window_view(x, w, axis=-1)
    return windows.std(axis=-1)


def fig_ratio_clip_variance(smoke: bool = False):
    gp, rc = ratio_clip_variance_data(smoke)
    E, T = gp.shape
    w = 50 if not smoke else 2
    sgp, src = _rolling_std(gp, w).mean(0), _rolling_std(rc, w).mean(0)
    fig = MplFigure(figsize=(15, 4.8), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    t = np.arange(1, T + 1)
    for ax, L, col, title in ((ax1, gp, "tab:blue", "WGAN-GP"),
                              (ax2, rc, "tab:orange", "ratio clipping + re-weighting")):
        for row in L:
            ax.plot(t, row, color=col, lw=0.8, alpha=0.6)
        ax.set_title(f"{title}: critic loss, {E} seeds", fontsize=13)
        ax.set_xlabel("round (5 critic steps + generator phase)", fontsize=11)
        ax.set_ylabel("mean D(G(z)) − mean D(x)", fontsize=11)
    lo = min(np.percentile(gp, 1), np.percentile(rc, 1))
    hi = max(np.percentile(gp, 99), np.percentile(rc, 99))
    for ax in (ax1, ax2):
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    tw = np.arange(w, T + 1)
    ax3.plot(tw, sgp, color="tab:blue", lw=2, label=f"WGAN-GP (mean {sgp.mean():.3g})")
    ax3.plot(tw, src, color="tab:orange", lw=2, label=f"ratio clipping (mean {src.mean():.3g})")
    ax3.set_title(f"Critic-loss spread: std over {w}-round windows", fontsize=13)
    ax3.set_xlabel("round", fontsize=11)
    ax3.set_ylabel(f"std of the loss, mean over {E} seeds", fontsize=11)
    ax3.legend(fontsize=11)
    return fig


FIGURES = (
    Figure("methods_consensus_cloud",
           "Eigenvalue cloud of a trained GAN's parametric Jacobian on the 8-Gaussian ring, with "
           "and without consensus (Mescheder et al. 2017), on the same linear axes: consensus "
           "damps the rotations (max |Im λ| 1.24 to 0.11) and moves the largest real part "
           "left (3.01 to 1.28); the count of Re λ > 0 hardly changes (the checkpoint is not "
           "a rest point).",
           fig_consensus_cloud),
    Figure("methods_ratio_clip_variance",
           "Critic-loss curves of 8 GANs trained by WGAN-GP and by ratio clipping + "
           "re-weighting (Wu et al. 2020) at the same rates, and their spread over training "
           "(the right panel's legend gives the measured mean spreads).",
           fig_ratio_clip_variance),
)
