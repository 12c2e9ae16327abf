"""Stability maps: the spectral radius ρ of an update map over a hyperparameter grid.

Grids follow one convention across gandyn (``indexing="ij"``): ``rho[i, j]`` is the value at
``(x[i], y[j])``, the shape is ``(len(x), len(y))``, exactly what
:func:`gandyn.analysis.discrete.stability_map` returns.

Colours diverge at ρ = 1 (green below: the map converges locally; red above: it diverges)
and the ρ = 1 contour, the stability boundary, is drawn in black.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D

__all__ = ["stability_map"]


def stability_map(ax, x, y, rho, *, xlabel="learning rate h", ylabel="γ", title=None,
                  xlog=False, ylog=False, cmap="RdYlGn_r", vmax=None, colorbar=True,
                  legend=True) -> dict:
    """Draw ``rho[i, j]`` = spectral radius at ``(x[i], y[j])`` with the ρ = 1 contour.

    ``rho`` has shape ``(len(x), len(y))``, as ``gandyn.analysis.discrete.stability_map``
    returns it (``indexing="ij"``, the module docstring).

    Returns ``{"mesh": QuadMesh, "contour": ContourSet or None (when ρ never crosses 1),
    "colorbar", "legend"}``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    rho = np.asarray(rho, float)
    if rho.shape != (len(x), len(y)):
        raise ValueError(f"rho must have shape (len(x), len(y)) = {(len(x), len(y))}, got "
                         f"{rho.shape} (grids are indexed [i, j] at (x[i], y[j]))")
    rho = rho.T                     # matplotlib draws z[row=y, column=x]
    finite = rho[np.isfinite(rho)]
    lo = float(min(finite.min(), 0.999)) if finite.size else 0.0
    hi = float(vmax if vmax is not None else max(finite.max() if finite.size else 2.0, 1.001))
    hi = min(hi, 2.0) if vmax is None else hi
    norm = TwoSlopeNorm(vcenter=1.0, vmin=lo, vmax=hi)
    mesh = ax.pcolormesh(x, y, np.ma.masked_invalid(rho), cmap=cmap, norm=norm, shading="auto")
    out = {"mesh": mesh, "contour": None, "colorbar": None, "legend": None}
    if finite.size and finite.min() < 1 < finite.max():
        out["contour"] = ax.contour(x, y, np.ma.masked_invalid(rho), levels=[1.0],
                                    colors="black", linewidths=2)
    if colorbar:
        out["colorbar"] = ax.figure.colorbar(mesh, ax=ax, pad=0.02, fraction=0.05,
                                             label="spectral radius ρ", extend="max")
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "spectral radius of the update map")
    if legend and out["contour"] is not None:
        out["legend"] = ax.legend(handles=[Line2D([], [], color="black", lw=2,
                                                  label="ρ = 1 (stability boundary)")],
                                  loc="upper right", fontsize=7, framealpha=0.85)
    return out
