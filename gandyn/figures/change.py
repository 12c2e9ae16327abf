"""Figures of change: bifurcations of rest points and update maps, modified flows.

``FIGURES`` (registered in ``gandyn.figures``) holds ``Figure(name, caption, make)`` records;
every number comes from ``gandyn.analysis.continuation`` / ``modified``, the plots only draw.
"""

from __future__ import annotations


import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.figures.record import Figure

__all__ = ["FIGURES"]

FPRIME = {"gan": 0.5, "wgan": 1.0}


def _dirac_r1(loss, gamma):
    """The Dirac-GAN with an R1 penalty of weight γ."""
    from gandyn.games.dirac import R1, dirac

    return dirac(loss, R1(gamma))


def _style(ax):
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=11)


def fig_bifurcation_r1(smoke=False):
    from gandyn.analysis.continuation import continue_equilibrium

    fig = MplFigure(figsize=(13, 5), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, loss in zip(axes, ("gan", "wgan")):
        br = continue_equilibrium(lambda g: _dirac_r1(loss, g), 0.0, 3.0,
                                  num=16 if smoke else 121)
        lam = np.sort_complex(br.eigenvalues)
        ax.plot(br.params, lam[:, 0].real, color="C0", lw=2.5, label="Re λ₁")
        ax.plot(br.params, lam[:, 1].real, color="C0", lw=2.5, ls="--", label="Re λ₂")
        ax.plot(br.params, np.abs(lam[:, 0].imag), color="C3", lw=2.5, label="|Im λ|")
        for p in br.points:
            ax.axvline(p.param, color="0.3", lw=1, ls=":")
            ax.annotate(f"{p.kind}\nγ = {p.param:.10g}", (p.param, 0.02), xytext=(6, 0),
                        textcoords="offset points", fontsize=11, va="bottom")
        ax.set_xlabel("R1 weight γ", fontsize=13)
        ax.set_ylabel("eigenvalues of v'(z*)", fontsize=13)
        ax.set_title(f"{loss.upper()}: focus → node at γ = 2 f'(0) = {2 * FPRIME[loss]:g}",
                     fontsize=13)
        ax.legend(fontsize=11, loc="lower left")
        _style(ax)
    fig.suptitle("Dirac-GAN + R1: the rest point's spectrum along γ, bifurcations located by "
                 "continuation", fontsize=14)
    return fig


def _rules():
    from gandyn.updaters.alternating import alternating
    from gandyn.updaters.extragradient import extragradient
    from gandyn.updaters.optimistic import optimistic
    from gandyn.updaters.simultaneous import simultaneous

    return (("simultaneous", lambda h, g: simultaneous(h)),
            ("alternating", lambda h, g: alternating(h)),
            ("alternating n_disc = 5", lambda h, g: alternating(h, n_disc=5)),
            ("extragradient", lambda h, g: extragradient(h)),
            ("optimistic", lambda h, g: optimistic(h)))


def fig_critical_lr(smoke=False):
    from gandyn.analysis.continuation import boundary

    # off the node-focus γ = 1 itself: there the pair is double and -1 is touched, not crossed
    gammas = np.linspace(0.05, 2.95, 4 if smoke else 30)
    kinds = ("fold", "flip", "neimark-sacker")
    fig = MplFigure(figsize=(10, 6), layout="constrained")
    ax = fig.subplots()
    for i, (name, make) in enumerate(_rules()):
        out = boundary(lambda h, g: _dirac_r1("gan", g), kinds, 0.01, 12.0, gammas,
                       make_updater=make, num=12 if smoke else 40)
        stacked = np.stack([out[k] for k in kinds])
        crit = np.where(np.all(np.isnan(stacked), axis=0), np.nan,
                        np.nanmin(np.where(np.isnan(stacked), np.inf, stacked), axis=0))
        ax.plot(gammas, crit, marker="o", ms=4, lw=2, color=f"C{i}", label=name)
    f = FPRIME["gan"]
    g = np.linspace(gammas[0], gammas[-1], 200)
    closed = np.where(g < 2 * f, g / f**2, 2 / (g / 2 + np.sqrt(np.maximum(g**2 / 4 - f**2, 0))))
    ax.plot(g, closed, color="k", lw=1, ls="--", label="simultaneous, closed form |1 + hλ| = 1")
    ax.axvline(2 * f, color="0.5", lw=1, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("R1 weight γ", fontsize=13)
    ax.set_ylabel("critical learning rate (first unit-circle crossing)", fontsize=13)
    ax.set_title("Dirac-GAN + R1: where each update rule stops converging", fontsize=14)
    ax.legend(fontsize=11)
    _style(ax)
    return fig


def fig_modified_flow(smoke=False):
    from gandyn.analysis.modified import drift_distances, fitted_order, leading_field, \
        modified_field
    from gandyn.games.base import State
    from gandyn.ode import integrate
    from gandyn.updaters.alternating import alternating
    from gandyn.updaters.simultaneous import simultaneous

    game = _dirac_r1("gan", 0.3)
    z0 = State(jnp.array([1.0]), jnp.array([0.5]))
    h, steps = 0.5, 30 if smoke else 60
    fig = MplFigure(figsize=(14, 5.5), layout="constrained")
    a, b = fig.subplots(1, 2)
    upd = simultaneous(h)
    s, z, path = upd.init(game, z0), z0, [z0]
    for _ in range(steps):
        z, s = upd.step(game, z, s)
        path.append(z)
    pts = np.array([[p.gen[0], p.disc[0]] for p in path])
    ts = jnp.linspace(0.0, steps * h, 400)
    for field, label, color in ((leading_field(game, upd), "game's flow ż = v", "C0"),
                                (modified_field(game, upd), "modified flow v - (h/2) J v",
                                 "C3")):
        sol = integrate(game, z0, steps * h, ts=ts, field=field)
        a.plot(sol.zs.gen[:, 0], sol.zs.disc[:, 0], color=color, lw=2.5, label=label)
    a.plot(pts[:, 0], pts[:, 1], "o", color="k", ms=4, label=f"simultaneous steps, h = {h}")
    a.set_xlabel("θ (generator)", fontsize=13)
    a.set_ylabel("ψ (discriminator)", fontsize=13)
    a.set_title("Dirac-GAN + R1 (γ = 0.3): iterates follow the modified flow", fontsize=13)
    a.legend(fontsize=11, loc="lower right")
    a.set_aspect("equal", adjustable="datalim")
    _style(a)
    hs = [0.1, 0.05, 0.025] if smoke else [0.2, 0.1, 0.05, 0.025, 0.0125]
    for i, (name, make) in enumerate((("simultaneous", simultaneous),
                                      ("alternating 2:1", lambda x: alternating(x, n_disc=2)))):
        d = drift_distances(game, make, hs, z0, horizon=1.0)
        for key, ls in (("leading", "--"), ("modified", "-")):
            b.loglog(hs, d[key], ls, marker="o", color=f"C{i}", lw=2,
                     label=f"{name} vs {'game' if key == 'leading' else 'modified'} flow "
                           f"(order {fitted_order(hs, d[key]):.2f})")
    from matplotlib.ticker import NullFormatter

    b.xaxis.set_minor_formatter(NullFormatter())
    b.set_xticks(hs, labels=[f"{x:g}" for x in hs])
    b.set_xlabel("learning rate h", fontsize=13)
    b.set_ylabel("distance at t = 1", fontsize=13)
    b.set_title("distance to each flow: O(h) vs O(h²)", fontsize=13)
    b.legend(fontsize=10)
    _style(b)
    return fig



def _records():
    return (
        Figure("bifurcation_r1", "Continuation of the Dirac-GAN + R1 rest point in γ: the "
               "node-focus switch located at γ = 2 f'(0) (GAN 1, WGAN 2).", fig_bifurcation_r1),
        Figure("critical_lr_r1", "The critical learning rate of each update rule on the "
               "Dirac-GAN + R1 over γ, from the located unit-circle crossings.", fig_critical_lr),
        Figure("modified_flow", "Simultaneous steps follow the modified flow v - (h/2) J v to "
               "O(h²) and the game's flow only to O(h).", fig_modified_flow),
    )


FIGURES = _records()
