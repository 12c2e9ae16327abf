"""The idealised games' figures: pointwise fields, the Dirac-GAN, bilinear games, spectra."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.analysis import portrait as P
from gandyn.analysis.spectrum import eigenvalues, jacobian
from gandyn.games.base import State, from_fields
from gandyn.io import atomic_write
from gandyn.figures.record import Figure
from gandyn.plot import (
    convergence,
    distances,
    eigenvalue_path,
    phase_portrait,
    spectrum,
    stability_map,
)

__all__ = ["FIGURES", "SEED_PD", "SEED_START", "portrait_hook"]

SEED_PD = 0.2          # the article's p_d
SEED_START = (0.75, 0.9)  # (D, p_g): the article script's D = 0.75 (its text says 0.25), p_g = 0.9
SEED_LR, SEED_STEPS = 1e-3, 100_000




# -- pointwise games ------------------------------------------------------------------------
def _pointwise(name: str, p_d: float = SEED_PD):
    """A built-in pointwise triple at data density ``p_d`` (from ``gandyn.games.pointwise``)."""
    from gandyn.games import pointwise

    return pointwise.by_name(name, p_d)


def _pointwise_plane(game):
    """The article's view of a pointwise game: D across, p_g up."""
    return P.plane(game, x="disc", y="gen", xlabel="D (discriminator)",
                   ylabel="p_g (generator density)")


def _pointwise_portrait(game, xlim, ylim, smoke, **kw):
    pl = _pointwise_plane(game)
    return P.portrait(game, xlim, ylim, pl=pl, n_grid=25 if smoke else 41,
                      n_seeds=6 if smoke else 12, **kw)


def _seed_run(game, smoke):
    """The article's script: simultaneous steps, lr 1e-3, 100 000 steps from (D, p_g) = (0.75, 0.9)."""
    from gandyn.simulate import simulate
    from gandyn.updaters import simultaneous

    steps = 2_000 if smoke else SEED_STEPS
    every = max(steps // 1000, 1)
    z0 = State(jnp.array([SEED_START[1]]), jnp.array([SEED_START[0]]))
    r = simulate(game, simultaneous(SEED_LR), z0, steps, record_every=every, tol=0.0,
                 dtype=jnp.float64)
    h = r.history  # leaves (batch, n_rec)
    return np.stack([np.asarray(h.disc)[0], np.asarray(h.gen)[0]], 1)


def fig_seed_classic_goodfellow(smoke=False):
    fig = MplFigure(figsize=(12, 5), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, name, title in zip(axes, ("classic", "goodfellow"),
                               ("classic (minimax): f3 = -log(1-D)",
                                "Goodfellow (non-saturating): f3 = log D")):
        g = _pointwise(name)
        data = _pointwise_portrait(g, (0.02, 0.98), (0.0, 1.2), smoke, title=title)
        data.iterates["the article's script: simultaneous, lr 1e-3, 1e5 steps"] = _seed_run(g, smoke)
        art = phase_portrait(ax, data, iterate_markersize=0)
        for ln in art["iterates"].values():
            ln.set_linewidth(2.2)
        ax.plot(*SEED_START, marker="s", color="black", ms=6)
    fig.suptitle("The article's trajectories at p_d = 0.2 from (D, p_g) = (0.75, 0.9): both "
                 "spiral into the rest point (D0, p_d) = (1/2, 0.2)")
    return fig


def fig_seed_wgan_circle(smoke=False):
    from gandyn.updaters import simultaneous

    g = _pointwise("wgan", 0.5)    # p_d = 0.5 keeps the circle from (0, 0.9) inside p_g >= 0
    fig = MplFigure(figsize=(6.5, 5.5), layout="constrained")
    ax = fig.add_subplot()
    data = _pointwise_portrait(
        g, (-0.7, 0.7), (0.0, 1.05), smoke, starts=[(0.0, 0.9)], t1=2 * math.pi, n_steps=1000,
        updaters={"simultaneous, lr 0.05": simultaneous(0.05)},
        n_iterates=60 if smoke else 120, iterate_start=(0.0, 0.9), with_separatrices=False,
        title="WGAN pointwise field (f1 = D, f2 = -D, f3 = D) at p_d = 0.5: a centre")
    phase_portrait(ax, data, legend_loc="lower left")
    return fig


def fig_seed_quadratic(smoke=False):
    fig = MplFigure(figsize=(12, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    # the game's box keeps p_g >= 0, so the frame starts there; the flow starts on an orbit of
    # radius 0.18 < p_d around the rest point, which V keeps inside p_g > 0 and the frame
    xlim, ylim = (-0.2, 2.2), (0.0, 1.1)
    for ax, name, title, starts in zip(
            axes, ("quadratic", "quadratic_saddle"),
            ("the article's new GAN: f1 = -D²/2, f2 = D, f3 = -D (stable focus)",
             "sign flipped: f3 = +D (saddle)"),
            ([(1.18, 0.2)], [])):
        g = _pointwise(name)
        data = _pointwise_portrait(g, xlim, ylim, smoke, starts=starts, t1=60, title=title)
        phase_portrait(ax, data, legend_loc="upper left")
    fig.suptitle("The article's quadratic triple at p_d = 0.2: rest point (D0, p_d) = (1, 0.2); "
                 "V = (D-1)² + (p_g-p_d)² is a Lyapunov function on the left")
    return fig


# -- Dirac-GAN ------------------------------------------------------------------------------
DIRAC_H, DIRAC_STEPS, DIRAC_START = 0.2, 500, (1.0, 1.0)


def _dirac_rows():
    """The rows of Mescheder et al. (2018)'s Fig. 3 / notebook: (label, game)."""
    from gandyn.games.dirac import WGANGP, Clip, Noise, R1, dirac
    from gandyn.updaters.consensus import consensus_field

    base = dirac("gan")

    def cg(g, d, p):
        return consensus_field(base, State(g, d), 1.0).gen

    def cd(g, d, p):
        return consensus_field(base, State(g, d), 1.0).disc

    cons = from_fields("gan+consensus(1.0)", cg, cd, equilibrium=base.equilibrium)
    return (
        ("GAN", base),
        ("non-saturating GAN", dirac("nsgan")),
        ("WGAN, clipping 1.0", dirac("wgan", Clip(1.0))),
        # the notebook's penalty weight 0.7 gives the same trajectories as λ = 0.35 here
        ("WGAN-GP (λ 0.35, target 1.0)", dirac("wgan", WGANGP(0.35, 1.0))),
        ("instance noise σ = 0.7", dirac("gan", Noise(0.7))),
        ("gradient penalty γ = 0.3", dirac("gan", R1(0.3))),
        ("gradient penalty γ = 1.0 (critical)", dirac("gan", R1(1.0))),
        ("consensus γ = 1.0", cons),
        ("non-saturating + penalty γ = 0.3", dirac("nsgan", R1(0.3))),
    )


def _projected_field(game):
    """The flow of a projected (clipped) game: the component pushing out of the box is zeroed
    on its boundary (a projected dynamical system); the plain field when there is no clip."""
    if game.projection is None:
        return None
    c = next(r.c for r in game.params.regs if getattr(r, "projects", False))

    def f(z):
        v = game.field(z)
        psi = z.disc
        out = ((psi >= c) & (v.disc > 0)) | ((psi <= -c) & (v.disc < 0))
        return State(v.gen, jnp.where(out, 0.0, v.disc))

    return f


def _ode_path(game, start, t1, n):
    from gandyn.ode import integrate

    z0 = State(jnp.array([start[0]]), jnp.array([start[1]]))
    ts = jnp.linspace(0.0, t1, n)
    r = integrate(game, z0, t1, ts=ts, field=_projected_field(game), max_steps=200_000)
    return np.stack([np.asarray(r.zs.gen)[:, 0], np.asarray(r.zs.disc)[:, 0]], 1)


def _dirac_panel(ax, game, pl, grid, cname, upd, steps, h, smoke):
    """One panel of the Dirac grid: the field and the path of ``upd`` (the ODE when None)
    from ``DIRAC_START``; the path is the axes' last line."""
    if upd is None:
        xy = _ode_path(game, DIRAC_START, steps * h, 400 if smoke else 2000)
    else:
        xy = P.iterates(game, upd, DIRAC_START, steps, pl)
    data = P.Portrait(grid, [], [], [], {cname: xy}, (-2, 2), (-2, 2), pl.xlabel, pl.ylabel, "")
    phase_portrait(ax, data, density=0.7, colorbar=False, legend=False, nullclines=False,
                   iterate_markersize=0)


def fig_dirac_grid(smoke=False):
    from gandyn.updaters import alternating, simultaneous

    rows = _dirac_rows()
    if smoke:
        rows = rows[:2]
    steps = 50 if smoke else DIRAC_STEPS
    h = DIRAC_H
    cols = (("simultaneous", simultaneous(h)),
            ("alternating, 1 D step", alternating(h, n_disc=1, order="gen_first")),
            ("alternating, 5 D steps", alternating(h, n_disc=5, order="gen_first")),
            ("ODE (t = steps × h)", None))
    fig = MplFigure(figsize=(13, 3.0 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), len(cols), squeeze=False)
    colors = ("tab:red", "tab:green", "tab:orange", "black")
    for i, (label, game) in enumerate(rows):
        pl = P.plane(game, x="gen", y="disc", xlabel="θ (generator)", ylabel="ψ (discriminator)")
        grid = P.field_grid(game, pl, (-2, 2), (-2, 2), 15 if smoke else 21)
        for j, (cname, upd) in enumerate(cols):
            ax = axes[i, j]
            _dirac_panel(ax, game, pl, grid, cname, upd, steps, h, smoke)
            ax.get_lines()[-1].set_color(colors[j])
            ax.plot(*DIRAC_START, marker="s", color="black", ms=4)
            ax.plot(0, 0, marker="*", color="gold", ms=11, markeredgecolor="black", zorder=7)
            if i == 0:
                ax.set_title(cname, fontsize=11, fontweight="bold")
            if j == 0:
                ax.set_ylabel(f"{label}\nψ", fontsize=9)
            else:
                ax.set_ylabel("")
            if i < len(rows) - 1:
                ax.set_xlabel("")
            ax.tick_params(labelsize=7)
            ax.set_aspect("equal")
    fig.suptitle(f"Dirac-GAN (Mescheder et al. 2018): h = {h} for both players, "
                 f"start θ = ψ = 1 (square), {steps} steps; equilibrium (0, 0) = star")
    return fig


def _dirac_piece(rows, smoke, title):
    """A readable piece of the Dirac grid: the same rows × rule columns as ``fig_dirac_grid``
    (its h, start and step count), larger panels and one colour key for the columns."""
    from matplotlib.lines import Line2D

    from gandyn.updaters import alternating, simultaneous

    if smoke:
        rows = rows[:1]
    steps = 50 if smoke else DIRAC_STEPS
    h = DIRAC_H
    cols = (("simultaneous", simultaneous(h), "tab:red"),
            ("alternating, 1 D step", alternating(h, n_disc=1, order="gen_first"), "tab:green"),
            ("alternating, 5 D steps", alternating(h, n_disc=5, order="gen_first"), "tab:orange"),
            ("ODE (t = steps × h)", None, "black"))
    fig = MplFigure(figsize=(13, 3.25 * len(rows) + 1.2), layout="constrained")
    axes = fig.subplots(len(rows), len(cols), squeeze=False)
    for i, (label, game) in enumerate(rows):
        pl = P.plane(game, x="gen", y="disc", xlabel="θ (generator)", ylabel="ψ (discriminator)")
        grid = P.field_grid(game, pl, (-2, 2), (-2, 2), 15 if smoke else 21)
        for j, (cname, upd, colour) in enumerate(cols):
            ax = axes[i, j]
            _dirac_panel(ax, game, pl, grid, cname, upd, steps, h, smoke)
            ax.get_lines()[-1].set_color(colour)
            ax.get_lines()[-1].set_linewidth(1.8)
            ax.plot(*DIRAC_START, marker="s", color="black", ms=5)
            ax.plot(0, 0, marker="*", color="gold", ms=13, markeredgecolor="black", zorder=7)
            ax.set_title(f"{label}" if j == 0 else "", fontsize=11, loc="left",
                         fontweight="bold")
            ax.set_ylabel("ψ (discriminator)" if j == 0 else "", fontsize=10)
            ax.set_xlabel("θ (generator)" if i == len(rows) - 1 else "", fontsize=10)
            ax.tick_params(labelsize=9)
            ax.set_aspect("equal")
    key = [Line2D([], [], color=c, lw=2.5, label=n) for n, _, c in cols]
    key += [Line2D([], [], marker="s", ls="", color="black", label="start θ = ψ = 1"),
            Line2D([], [], marker="*", ls="", ms=13, color="gold", markeredgecolor="black",
                   label="equilibrium (0, 0)")]
    fig.legend(handles=key, loc="outside lower center", ncol=len(key), fontsize=10)
    fig.suptitle(f"{title}: h = {h} for both players, {steps} steps (Mescheder et al. 2018)",
                 fontsize=13)
    return fig


def fig_dirac_unregularised(smoke=False):
    return _dirac_piece(_dirac_rows()[:4], smoke,
                        "Dirac-GAN without a regulariser: none reaches the equilibrium")


def fig_dirac_regularised(smoke=False):
    return _dirac_piece(_dirac_rows()[4:], smoke,
                        "Dirac-GAN with a regulariser: all but one panel reach the equilibrium")


def _penalty_eigs(gammas):
    from gandyn.games.dirac import R1, dirac

    return np.asarray(jax.vmap(lambda g: eigenvalues(jacobian(dirac("gan", R1(g)))))(
        jnp.asarray(gammas)))


def fig_dirac_penalty_path(smoke=False):
    from gandyn.analysis.discrete import update_eigenvalues
    from gandyn.games.dirac import R1, dirac, loss_constants
    from gandyn.updaters import simultaneous

    fp0 = float(loss_constants("gan")[0]) if callable(loss_constants) else 0.5
    crit = 2 * fp0
    gam = np.linspace(0.0, 2.0, 41 if smoke else 201)
    eigs = _penalty_eigs(gam)
    fig = MplFigure(figsize=(12, 5), layout="constrained")
    a, b = fig.subplots(1, 2)
    eigenvalue_path(a, gam, eigs, critical=crit, param_label="γ",
                    title=f"continuous time: λ = -γ/2 ± sqrt(γ²/4 - f'(0)²), critical γ = "
                          f"2 f'(0) = {crit:g}")
    disc = np.asarray(jax.vmap(lambda g: update_eigenvalues(dirac("gan", R1(g)),
                                                            simultaneous(DIRAC_H)))(
        jnp.asarray(gam)))
    eigenvalue_path(b, gam, disc, discrete=True, critical=crit, param_label="γ", zoom=True,
                    title=f"simultaneous steps h = {DIRAC_H}: λ = 1 + h λ_cont")
    fig.suptitle("Dirac-GAN with a zero-centred gradient penalty (R1): the eigenvalues meet "
                 "on the real axis at the critical γ and split")
    return fig


# -- x·y under six updaters -------------------------------------------------------------------
def _xy_updaters(h):
    from gandyn.updaters.alternating import alternating
    from gandyn.updaters.consensus import consensus
    from gandyn.updaters.extragradient import extragradient
    from gandyn.updaters.optimistic import optimistic
    from gandyn.updaters.sga import sga
    from gandyn.updaters.simultaneous import simultaneous

    return {
        "simultaneous": simultaneous(h),
        "alternating": alternating(h),
        "extragradient": extragradient(h),
        "optimistic": optimistic(h),
        "consensus (γ = 1)": consensus(h, gamma=1.0),
        "SGA (λ = 1)": sga(h, lam=1.0),
    }


def fig_xy_updaters(smoke=False):
    from gandyn.analysis.discrete import update_eigenvalues, update_spectral_radius
    from gandyn.games.bilinear import xy

    g = xy()
    h = 0.2
    n = 40 if smoke else 150
    ups = _xy_updaters(h)
    pl = P.plane(g, xlabel="x (generator)", ylabel="y (discriminator)")
    lim = (-1.6, 1.6)
    grid = P.field_grid(g, pl, lim, lim, 21)
    flow = P.trajectory(g, pl, (1.0, 0.0), 2 * math.pi, 400)
    fig = MplFigure(figsize=(15, 7.5), layout="constrained")
    axes = fig.subplots(2, 4)
    dists, rhos, specs = {}, {}, {}
    for k, (label, upd) in enumerate(ups.items()):
        ax = axes.flat[k]
        its = P.iterates(g, upd, (1.0, 0.0), n, pl)
        eq = P.find_equilibria(g, pl, lim, lim, n_seeds=3)
        data = P.Portrait(grid, eq, [], [flow], {label: its}, lim, lim, pl.xlabel, pl.ylabel,
                          f"{label}, h = {h}")
        phase_portrait(ax, data, density=0.8, colorbar=False, legend=False)
        ax.set_aspect("equal")
        dists[label] = distances(its, (0.0, 0.0))
        rhos[label] = float(update_spectral_radius(g, upd))
        specs[label] = np.asarray(update_eigenvalues(g, upd))
    # one legend for the six portraits, outside them (the iterates are red dots in every panel)
    from matplotlib.lines import Line2D

    key = [Line2D([], [], color="tab:orange", ls="--", label="nullcline dx/dt = 0"),
           Line2D([], [], color="tab:purple", ls="--", label="nullcline dy/dt = 0"),
           Line2D([], [], color="black", lw=2, label="flow (ODE) from (1, 0)"),
           Line2D([], [], color="tab:red", marker="o", ms=4, label="iterates of the rule"),
           Line2D([], [], color="black", marker="s", ls="", label="start (1, 0)")]
    fig.legend(handles=key, loc="outside lower center", ncol=len(key), fontsize=9)
    # rules whose iterates coincide (consensus and SGA on x·y) are drawn once, both named
    merged_d, merged_r, merged_s = {}, {}, {}
    for label in dists:
        twin = next((m for m in merged_d if len(merged_d[m]) == len(dists[label]) and
                     np.allclose(merged_d[m], dists[label], rtol=1e-9, atol=1e-14)), None)
        if twin is None:
            merged_d[label], merged_r[label], merged_s[label] = (dists[label], rhos[label],
                                                                 specs[label])
        else:
            new = f"{twin} = {label}"
            merged_d = {(new if m == twin else m): v for m, v in merged_d.items()}
            merged_r = {(new if m == twin else m): v for m, v in merged_r.items()}
            merged_s = {(new if m == twin else m): v for m, v in merged_s.items()}
    art = convergence(axes.flat[6], merged_d, rho=merged_r, legend=False,
                      title="distance to (0, 0); dashed: predicted ρ^k")
    axes.flat[6].legend(list(art["curves"].values()),
                        [f"{m} (ρ = {merged_r[m]:.4f})" for m in art["curves"]],
                        fontsize=7, loc="lower left", framealpha=0.9)
    sp = axes.flat[7]
    spectrum(sp, merged_s, discrete=True, title="update-map spectra (zoom near 1)",
             legend=False, markersize=7)
    sp.set_xlim(0.72, 1.08)
    sp.set_ylim(-0.3, 0.3)
    sp.legend(fontsize=7, loc="center left", framealpha=0.9)
    fig.suptitle("min_x max_y x·y from (1, 0), six update rules (black: the ODE circles)")
    return fig


# -- stability maps -------------------------------------------------------------------------
def fig_stability_map(smoke=False):
    from gandyn.analysis.discrete import stability_map as rho_map
    from gandyn.analysis.discrete import update_spectral_radius
    from gandyn.games.bilinear import xy
    from gandyn.games.dirac import R1, dirac
    from gandyn.updaters import simultaneous
    from gandyn.updaters.consensus import consensus

    n = 25 if smoke else 120
    hs = np.linspace(0.01, 2.5, n)
    gs = np.linspace(0.0, 3.0, n)

    @jax.jit
    def dirac_rho(H, G):
        one = lambda h, gam: update_spectral_radius(dirac("gan", R1(gam)),
                                                    simultaneous(h))
        return jax.vmap(jax.vmap(one))(H, G)

    Hm, Gm = np.meshgrid(hs, gs, indexing="ij")
    rho1 = np.asarray(dirac_rho(jnp.asarray(Hm), jnp.asarray(Gm)))
    rho2 = np.asarray(rho_map(xy(), lambda h, gam: consensus(h, gamma=gam), hs, gs))
    fig = MplFigure(figsize=(12, 5), layout="constrained")
    a, b = fig.subplots(1, 2)
    stability_map(a, hs, gs, rho1, xlabel="learning rate h", ylabel="penalty γ (R1)",
                  title="Dirac-GAN + R1, simultaneous steps")
    stability_map(b, hs, gs, rho2, xlabel="learning rate h", ylabel="consensus γ",
                  title="x·y, consensus optimisation: ρ² = (1 - hγ)² + h²")
    fig.suptitle("Local convergence (ρ < 1, green) over learning rate × γ")
    return fig


# -- spectra of the zoo ----------------------------------------------------------------------
ZOO_RE_LIM = (-2.3, 1.0)   # Re λ window: the bulk of the zoo; the two stiff modes get an arrow


def zoo_rows(smoke=False):
    """The atlas rows of every registered game (``gandyn.atlas.analyse_game``: the same
    eigenvalues, kinds and verdicts as ``gandyn atlas``), by section; ``smoke``: three a section."""
    from gandyn.atlas import analyse_game
    from gandyn.games.registry import all_games

    return {section: [analyse_game(section, name, factory())
                      for name, factory in zoo[: 3 if smoke else None]]
            for section, zoo in all_games().items()}


def _zoo_block(ax_re, ax_im, blocks, colours):
    """One column of the zoo: for each ``(title, rows)`` a bold heading then one line per game,
    its eigenvalues' real parts on ``ax_re`` and the rotations |Im λ| on ``ax_im``."""
    lo, hi = ZOO_RE_LIM
    labels, ys, y = [], [], 0
    for k, (title, rows) in enumerate(blocks):
        if k:
            y += 0.6                    # a gap between sections
        labels.append(title)
        ys.append(y)
        y += 1
        for r in rows:
            col = colours.get(r["verdict"], "black")
            e = np.array([complex(a, b) for a, b in r["eigenvalues"]])
            e = e[e.imag >= 0]          # one of each conjugate pair
            cplx = np.abs(e.imag) > 1e-9 * max(1.0, float(np.abs(e).max(initial=0)))
            for z, c in zip(e, cplx):
                m = "D" if c else "o"
                if z.real < lo:         # off the window: an arrow at the edge with its value
                    ax_re.plot(lo + 0.06, y, "<", ms=8, color=col, mec="black", mew=0.6)
                    ax_re.annotate(f"{z.real:.3g}", (lo + 0.16, y), va="center", fontsize=7.5)
                else:
                    ax_re.plot(z.real, y, m, ms=7, color=col, mec="black", mew=0.6, alpha=0.9)
                if c:
                    ax_im.plot(abs(z.imag), y, "D", ms=7, color=col, mec="black", mew=0.6)
            if not r["eigenvalues"]:    # no Jacobian at the rest point: say so in the row
                ax_re.annotate(f"no Jacobian at the rest point ({r['kind']}): {r['verdict']}",
                               (lo + 0.1, y),
                               va="center", fontsize=8, style="italic", color=col)
            labels.append(r["game"])
            ys.append(y)
            y += 1
    for ax in (ax_re, ax_im):
        ax.set_ylim(y - 0.4, -0.6)
        ax.set_yticks(ys)
        ax.grid(axis="y", color="0.92", lw=0.8, zorder=0)
        ax.tick_params(labelsize=8)
    ax_re.set_yticklabels(labels)
    ax_im.set_yticklabels([])
    heads = {t for t, _ in blocks}
    verdict = {r["game"]: r["verdict"] for _, rows in blocks for r in rows}
    for t in ax_re.get_yticklabels():
        if t.get_text() in heads:
            t.set_fontweight("bold")
        else:
            t.set_color(colours.get(verdict.get(t.get_text()), "black"))
    ax_re.set_xlim(lo, hi)
    ax_re.axvspan(lo, 0.0, color="tab:green", alpha=0.07, zorder=0)
    ax_re.axvline(0.0, color="black", lw=1.1, zorder=1)
    ax_re.set_xlabel("Re λ  (< 0: decays)", fontsize=10)
    ax_im.set_xlim(0, 2.3)
    ax_im.set_xlabel("|Im λ|  (rotation)", fontsize=10)


def fig_zoo_spectra(smoke=False):
    """Every built-in game on one line: its eigenvalues' real parts (circles real, diamonds
    complex pairs) against the stability boundary Re λ = 0 and its rotations |Im λ|, coloured
    by the verdict; the pointwise and bilinear games in the left column, the Dirac-GANs in the
    right. A game without a Jacobian at its rest point (the WGAN-GP Dirac-GAN, non-smooth at
    ψ = 0) keeps its line and says so."""
    from matplotlib.lines import Line2D

    colours = {"stable": "tab:green", "marginal": "tab:orange", "unstable": "tab:red"}
    rows = zoo_rows(smoke)
    names = {"pointwise": "pointwise triples (p_d = 1)", "dirac": "Dirac-GANs",
             "bilinear": "bilinear games"}
    left = [(names.get(s, s), rows[s]) for s in rows if s != "dirac"]
    right = [(names["dirac"], rows["dirac"])] if "dirac" in rows else []
    n = max(sum(len(r) + 1.6 for _, r in b) - 0.6 for b in (left, right) if b)
    fig = MplFigure(figsize=(14, 0.3 * n + 1.6), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=(3.0, 1.1, 3.0, 1.1))
    _zoo_block(axes[0], axes[1], left, colours)
    if right:
        _zoo_block(axes[2], axes[3], right, colours)
    handles = [Line2D([], [], marker="s", ls="", ms=9, color=c, label=v)
               for v, c in colours.items()]
    handles += [Line2D([], [], marker="o", ls="", ms=7, color="0.6", mec="black",
                       label="real eigenvalue"),
                Line2D([], [], marker="D", ls="", ms=7, color="0.6", mec="black",
                       label="complex pair λ, λ̄"),
                Line2D([], [], marker="<", ls="", ms=8, color="0.6", mec="black",
                       label="left of the window (value written)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=9, frameon=False)
    fig.suptitle("Every built-in game at its equilibrium: where its eigenvalues lie "
                 "(green half-plane: Re λ < 0, locally stable)", fontsize=13)
    return fig


FIGURES = (
    Figure("seed_classic_goodfellow", "The article's classic and Goodfellow fields at p_d = 0.2: "
           "the article's script run (simultaneous steps, lr 1e-3, 100 000 steps, from D = 0.75, "
           "p_g = 0.9; the article's text says D = 0.25) spirals into (1/2, p_d).",
           fig_seed_classic_goodfellow),
    Figure("seed_wgan_circle", "The WGAN pointwise field is a centre: the ODE circles for ever "
           "and simultaneous steps spiral out.", fig_seed_wgan_circle),
    Figure("seed_quadratic", "The article's quadratic triple (f1 = -D²/2, f2 = D, f3 = -D) is "
           "globally stable; flipping f3 to +D makes a saddle, drawn with its separatrices.",
           fig_seed_quadratic),
    Figure("dirac_grid", "Dirac-GAN methods × update rules with the settings of Mescheder et "
           "al. (2018)'s notebook (its WGAN-GP weight 0.7 is λ = 0.35 here; alternating steps "
           "move the generator first): only the regularised rows converge; alternating steps "
           "circle where simultaneous ones diverge.", fig_dirac_grid),
    Figure("dirac_unregularised", "The Dirac grid's unregularised rows (GAN, non-saturating, WGAN "
           "with clipping, WGAN-GP) under simultaneous, alternating (1 and 5 D steps) updates "
           "and the ODE: they circle, spiral in slowly or stall away from the equilibrium.",
           fig_dirac_unregularised),
    Figure("dirac_regularised", "The Dirac grid's regularised rows (instance noise, gradient "
           "penalty below and at the critical γ, consensus, non-saturating + penalty): the "
           "iterates reach the equilibrium, except consensus under 5 D steps per round.",
           fig_dirac_regularised),
    Figure("dirac_penalty_path", "Eigenvalues of the gradient penalty as γ grows: they meet at "
           "the critical γ = 2 f'(0) = 1 and split along the real axis.",
           fig_dirac_penalty_path),
    Figure("xy_updaters", "min_x max_y x·y under six update rules, with the spectral radius "
           "predicting each convergence rate.", fig_xy_updaters),
    Figure("stability_map", "Spectral radius over learning rate × γ with the ρ = 1 boundary.",
           fig_stability_map),
    Figure("zoo_spectra", "Eigenvalues of every built-in game at its equilibrium (the atlas's "
           "rows; pointwise games at p_d = 1): real parts against Re λ = 0 and rotations "
           "|Im λ|, coloured by verdict. The WGAN-GP Dirac-GAN has no Jacobian there (its field "
           "jumps at ψ = 0) and says so on its line.", fig_zoo_spectra),
)



# -- the atlas hook: one phase portrait per two-dimensional game ----------------------------
def portrait_hook(row, game, out_dir):
    """``gandyn atlas --portraits``: draw the game's phase portrait into ``out_dir``.

    Only games whose state has two scalars get one (pointwise triples, the 1-d Dirac-GANs,
    the scalar bilinear games); returns ``{"portrait": "portraits/<section>_<game>.png"}``
    for the atlas table, ``None`` for the others. Pointwise games are drawn with D across and
    p_g up on ``[D0 - 1.5, D0 + 1.5] ∩ domain × [0, p_d + 1]``, the rest on the equilibrium
    ± 2.
    """
    import os

    import matplotlib.pyplot as plt
    from jax.flatten_util import ravel_pytree

    from gandyn.plot import phase_portrait

    if game.equilibrium is None:
        return None
    flat = ravel_pytree(game.equilibrium)[0]
    if flat.size != 2:
        return None
    eq = [float(v) for v in flat]  # (gen, disc)
    if row["section"] == "pointwise":
        dom = game.domain
        lo = max(eq[1] - 1.5, dom.disc_low + 1e-3)
        hi = min(eq[1] + 1.5, dom.disc_high - 1e-3)
        data = P.portrait(game, (lo, hi), (0.0, eq[0] + 1.0), pl=_pointwise_plane(game),
                          n_grid=31, n_seeds=6,
                          title=f"{row['game']} (p_d = {eq[0]:g})")
    else:
        data = P.portrait(game, (eq[0] - 2, eq[0] + 2), (eq[1] - 2, eq[1] + 2), n_grid=31,
                          n_seeds=6, title=f"{row['section']}: {row['game']}")
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    phase_portrait(ax, data, legend_loc="lower right")
    rel = os.path.join("portraits", f"{row['section']}_{row['game']}.png".replace("+", "_"))
    os.makedirs(os.path.join(out_dir, "portraits"), exist_ok=True)
    atomic_write(os.path.join(out_dir, rel), lambda t: fig.savefig(t, dpi=90, bbox_inches="tight"))
    plt.close(fig)
    return {"portrait": rel}
