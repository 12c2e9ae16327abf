"""One picture of a ``check_triple`` report: ``check_triple(...).plot()``.

Three kinds of panel (D across, p_g up, as in every pointwise picture):

* the phase portrait at each p_d of the report (up to four) with the rest point ``(D0, p_d)``;
* a p_d sweep of the two eigenvalues at the rest point (real parts solid, imaginary parts
  dashed), the report's p_d values marked: the rest point is stable where both real parts
  are below zero;
* the global test's outcome map at the first p_d: the end status of each start of a
  ``n_side × n_side`` grid over the report's box (converged / left domain / diverged /
  non-finite / still moving), starts whose path went through p_g < 0 hatched.

The triple is rebuilt from the report's expression strings (``gandyn.expr``); for Python
callables pass ``functions=(f1, f2, f3)``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

__all__ = ["plot_report", "OUTCOME_COLOURS"]

#: outcome -> colour of the outcome map (order of ``gandyn.results.TRAJECTORY``)
OUTCOME_COLOURS = {"running": "#fdd835", "converged": "#43a047", "diverged": "#e53935",
                   "left_domain": "#8e24aa", "non_finite": "#424242"}


def _functions(rep, functions):
    if functions is not None:
        return tuple(functions)
    from gandyn.expr import ExprError, parse

    try:
        return tuple(parse(f) for f in rep.functions)
    except ExprError as e:
        raise ValueError("this report's functions are not expression strings: pass "
                         "functions=(f1, f2, f3) to plot it") from e


def _outcomes(fs, rep, n_side):
    """Status codes and p_g<0 flags of the report's global test at its first p_d, on an
    ``n_side²`` grid (the same program as ``check_triple``, fewer starts)."""
    from gandyn.analysis import report as R

    lo, hi = rep.domain
    pd = np.asarray(rep.pd[:1], np.float64)
    D0 = np.float64(rep.D0s[0])
    _, _, (horizon, lam_max), _ = R._local(*fs, pd, D0, lo, hi)
    out = R._global_jit(*fs, pd, D0, lo, hi, int(n_side), R.STEPS, horizon, lam_max)
    status, neg, a, b, pg_hi = (np.asarray(out[i])[0] for i in (0, 1, 5, 6, 7))
    return (status.reshape(n_side, n_side), neg.reshape(n_side, n_side),
            (float(a), float(b)), (0.0, float(pg_hi)))


def plot_report(rep, *, functions=None, n_side: int = 40, n_grid: int = 25,
                n_sweep: int = 80, fig: Figure | None = None) -> Figure:
    """Draw ``rep`` (a ``TripleReport``) as one figure (module docstring); returns it.

    ``n_side``: starts per side of the outcome map; ``n_grid``: field grid of each portrait;
    ``n_sweep``: p_d values of the eigenvalue sweep (log-spaced around the report's).
    """
    import jax
    import jax.numpy as jnp

    from gandyn.analysis.portrait import portrait
    from gandyn.analysis.spectrum import eigenvalues, jacobian
    from gandyn.games.pointwise import at_pd, triple
    from gandyn.plot.portrait import phase_portrait
    from gandyn.results import NAMES, TRAJECTORY

    if not rep.D0s:
        raise ValueError(f"nothing to draw: {rep.verdict} ({rep.message})")
    fs = _functions(rep, functions)
    D0 = rep.D0s[0]
    lo, hi = rep.domain
    pds = rep.pd[:4]
    game = triple(*fs, pd=pds[0], D0=D0, domain=(lo, hi), name=rep.name)
    n_top = len(pds)
    # one p_d: the three panels in one row; more: the portraits on top, the sweep and the map
    # below. Titles are kept short (the constrained layout then keeps them apart at the
    # README's sizes) and the map's legend goes under the map, not beside it
    if n_top == 1:
        fig = fig or Figure(figsize=(15.0, 4.9), layout="constrained")
        axes, sweep_ax, map_ax = fig.subplots(1, 3, width_ratios=(1.25, 1.0, 1.0))
        axes = np.atleast_1d(axes)
    else:
        fig = fig or Figure(figsize=(max(4.6 * n_top, 11.0), 9.0), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=(1.0, 1.05))
        axes = np.atleast_1d(top.subplots(1, n_top))
        sweep_ax, map_ax = bottom.subplots(1, 2)
    dlo, dhi = max(lo + 1e-3, D0 - 1.5), min(hi - 1e-3, D0 + 1.5)
    for ax, p in zip(axes, pds):
        data = portrait(at_pd(game, p), (dlo, dhi), (0.0, p + 1.0), n_grid=n_grid, n_seeds=5,
                        with_separatrices=False, title=f"phase portrait at p_d = {p:g}")
        phase_portrait(ax, data, colorbar=False, legend=False)
        ax.plot([D0], [p], "*", ms=16, color="white", mec="black", zorder=6,
                label=f"rest point ({D0:.3g}, {p:g})")
        ax.legend(loc="best", fontsize=8, framealpha=0.9)
    fig.suptitle(f"{rep.name}: f1 = {rep.functions[0]}, f2 = {rep.functions[1]}, "
                 f"f3 = {rep.functions[2]}  —  verdict: {rep.verdict}", fontsize=13)

    p_lo, p_hi = min(rep.pd) / 10, max(rep.pd) * 10
    sweep = np.geomspace(p_lo, p_hi, n_sweep)
    eig = np.asarray(jax.jit(jax.vmap(lambda p: eigenvalues(jacobian(at_pd(game, p)))))(
        jnp.asarray(sweep)))
    eig = np.sort_complex(eig)
    for k, c in enumerate(("tab:blue", "tab:orange")):
        sweep_ax.plot(sweep, eig[:, k].real, color=c, lw=2, label=f"Re λ{k + 1}")
        sweep_ax.plot(sweep, eig[:, k].imag, color=c, lw=1.2, ls="--", label=f"Im λ{k + 1}")
    sweep_ax.axhline(0, color="black", lw=0.8)
    for p in rep.pd:
        sweep_ax.axvline(p, color="grey", lw=0.8, ls=":")
    sweep_ax.set_xscale("log")
    sweep_ax.set_xlabel("p_d (dotted: the report's values)")
    sweep_ax.set_ylabel("eigenvalue at the rest point")
    sweep_ax.set_title("eigenvalues vs p_d (stable: Re λ < 0)")
    sweep_ax.legend(fontsize=8, ncol=2)

    status, neg, (a, b), (plo, phi) = _outcomes(fs, rep, n_side)
    names = [NAMES[c] for c in TRAJECTORY]
    cmap = ListedColormap([OUTCOME_COLOURS[n] for n in names])
    map_ax.pcolormesh(np.linspace(a, b, n_side + 1), np.linspace(plo, phi, n_side + 1),
                      status.T, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5)
    if neg.any():
        map_ax.contourf(np.linspace(a, b, n_side), np.linspace(plo, phi, n_side),
                        neg.T.astype(float), levels=[0.5, 1.5], colors="none", hatches=["//"])
    map_ax.plot([D0], [rep.pd[0]], "*", ms=14, color="white", mec="black")
    present = [n for i, n in enumerate(names) if np.any(status == int(TRAJECTORY[i]))]
    handles = [Patch(color=OUTCOME_COLOURS[n], label=n.replace("_", " ")) for n in present]
    if neg.any():
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                             label=f"went through p_g < 0 ({neg.mean():.0%})"))
    map_ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8,
                  ncol=min(len(handles), 3), frameon=False)
    map_ax.set_xlabel("D at the start")
    map_ax.set_ylabel("p_g at the start")
    map_ax.set_title(f"global test at p_d = {rep.pd[0]:g}: where each start ends")
    return fig
