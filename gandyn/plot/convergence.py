"""Convergence plots: distance to the equilibrium against steps, on a log scale, with the
slope ``log ρ`` predicted by the spectral radius ρ of the update map at the equilibrium
(``|z_k - z*| ≈ C ρ^k`` near a hyperbolic rest point)."""

from __future__ import annotations

import numpy as np

from gandyn.plot.portrait import ITERATE_COLORS

__all__ = ["convergence", "distances"]


def distances(xy, target) -> np.ndarray:
    """``|z_k - z*|`` for an ``(n, d)`` array of iterates and a ``(d,)`` target."""
    xy = np.asarray(xy, float)
    return np.linalg.norm(xy - np.asarray(target, float)[None], axis=-1)


def convergence(ax, dist, *, rho=None, title=None, xlabel="step k",
                ylabel="distance to equilibrium |z_k - z*|", legend=True) -> dict:
    """Plot distances against steps (log y) with the predicted slopes.

    Args:
      dist: an ``(n,)`` array, or ``{label: (n,) array}``.
      rho: the spectral radius (or ``{label: rho}``); draws ``d_0 ρ^k`` dashed in the same
        colour.

    Returns ``{"curves": {label: Line2D}, "predicted": {label: Line2D}, "legend"}``.
    """
    sets = dist if isinstance(dist, dict) else {"iterates": dist}
    rhos = rho if isinstance(rho, dict) else ({next(iter(sets)): rho} if rho is not None else {})
    out = {"curves": {}, "predicted": {}, "legend": None}
    floor = np.inf
    for k, (label, d) in enumerate(sets.items()):
        d = np.asarray(d, float)
        steps = np.arange(len(d))
        color = ITERATE_COLORS[k % len(ITERATE_COLORS)]
        pos = np.where(d > 0, d, np.nan)
        (ln,) = ax.semilogy(steps, pos, color=color, lw=1.6, label=label)
        out["curves"][label] = ln
        if np.any(np.isfinite(pos)):
            floor = min(floor, np.nanmin(pos))
        r = rhos.get(label)
        if r is not None and np.isfinite(r) and r > 0:
            pred = d[0] * float(r) ** steps.astype(float)
            pred = np.where(pred > 1e-300, pred, np.nan)
            (pl,) = ax.semilogy(steps, pred, color=color, ls="--", lw=1.2,
                                label=f"predicted ρ^k, ρ = {float(r):.4f}")
            out["predicted"][label] = pl
    if np.isfinite(floor):
        lo, hi = ax.get_ylim()
        ax.set_ylim(max(lo, floor / 10), hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "convergence to the equilibrium")
    ax.grid(True, which="major", alpha=0.3)
    if legend:
        out["legend"] = ax.legend(fontsize=7, loc="best", framealpha=0.85)
    return out
