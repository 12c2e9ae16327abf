"""Eigenvalues in the complex plane.

* continuous time (``discrete=False``): the stability boundary is the imaginary axis; the
  open left half-plane (Re λ < 0) is shaded;
* discrete maps (``discrete=True``): the boundary is the unit circle; the open unit disc
  (|λ| < 1) is shaded.

``spectrum`` draws one or several labelled sets of eigenvalues; ``eigenvalue_path`` draws how
eigenvalues move as a parameter grows (e.g. the gradient penalty γ through its critical value).
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

__all__ = ["eigenvalue_path", "spectrum", "stability_boundary"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")


def stability_boundary(ax, discrete: bool, shade: bool = True) -> dict:
    """Draw the imaginary axis (continuous) or the unit circle (discrete) and shade the
    stable region. Returns ``{"imaginary_axis": Line2D}`` or ``{"unit_circle": Circle}`` plus
    ``"real_axis"`` and ``"region"``."""
    out = {}
    out["real_axis"] = ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    if discrete:
        out["unit_circle"] = ax.add_patch(Circle((0, 0), 1.0, fill=False, color="black", lw=1.3,
                                                 zorder=1, label="unit circle |λ| = 1"))
        out["region"] = (ax.add_patch(Circle((0, 0), 1.0, color="tab:green", alpha=0.08,
                                             zorder=0)) if shade else None)
    else:
        out["imaginary_axis"] = ax.axvline(0.0, color="black", lw=1.3, zorder=1,
                                           label="imaginary axis Re λ = 0")
        out["region"] = (ax.axvspan(-1e9, 0.0, color="tab:green", alpha=0.08, zorder=0)
                         if shade else None)
    return out


def _limits(ax, pts, discrete, zoom=False):
    pts = np.asarray(pts)
    pts = pts[np.isfinite(pts)]
    r = max(1.15, float(np.abs(pts).max()) * 1.15) if discrete else None
    if discrete:
        re = np.concatenate([pts.real, [-1, 1]]) if pts.size else np.array([-1, 1])
        im = np.concatenate([pts.imag, [-1, 1]]) if pts.size else np.array([-1, 1])
    else:
        re = np.concatenate([pts.real, [0]]) if pts.size else np.array([-1, 1])
        im = np.concatenate([pts.imag, [0]]) if pts.size else np.array([-1, 1])
    if discrete and zoom:  # frame the points only (the unit circle stays drawn around them)
        re, im = pts.real, pts.imag
    span = max(re.max() - re.min(), im.max() - im.min(),
               2.0 if discrete and not zoom else 1e-3)
    pad = 0.15 * span
    cx, cy = (re.max() + re.min()) / 2, (im.max() + im.min()) / 2
    half = span / 2 + pad
    if discrete and not zoom:
        half = max(half, r)
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal")


def spectrum(ax, eigs, *, discrete: bool = False, labels=None, title=None, legend=True,
             shade: bool = True, markersize: float = 8) -> dict:
    """Plot eigenvalues in the complex plane.

    Args:
      eigs: an array of eigenvalues, or ``{label: array}`` for several sets (one marker each).
      discrete: unit circle (maps ``z <- F(z)``) instead of the imaginary axis (flows).

    Returns ``{"points": [PathCollection, ...], "imaginary_axis"| "unit_circle": artist,
    "region", "real_axis", "legend"}``.
    """
    sets = eigs if isinstance(eigs, dict) else {labels or "eigenvalues": eigs}
    out = stability_boundary(ax, discrete, shade)
    out["points"] = []
    allpts = []
    for k, (label, e) in enumerate(sets.items()):
        e = np.atleast_1d(np.asarray(e, complex))
        allpts.append(e)
        out["points"].append(ax.scatter(e.real, e.imag, marker=MARKERS[k % len(MARKERS)],
                                        s=markersize ** 2, zorder=3, label=label,
                                        edgecolors="black", linewidths=0.6))
    _limits(ax, np.concatenate(allpts) if allpts else np.zeros(0, complex), discrete)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(title or ("spectrum of the update map" if discrete else
                           "spectrum of the Jacobian v'(z*)"))
    out["legend"] = ax.legend(fontsize=7, loc="best", framealpha=0.85) if legend else None
    return out


def eigenvalue_path(ax, params, eigs, *, discrete: bool = False, param_label: str = "γ",
                    critical=None, cmap: str = "viridis", title=None, colorbar=True,
                    zoom: bool = False) -> dict:
    """How eigenvalues move in the complex plane as a parameter grows.

    Args:
      params: ``(n,)`` parameter values (increasing).
      eigs: ``(n, k)`` eigenvalues for each parameter value (one column per branch).
      critical: optional parameter value to mark (e.g. the critical penalty γ = 2 f'(0)).
      zoom: (discrete) frame the path only, showing the arc of the unit circle near it.

    Returns ``{"paths": [LineCollection per branch], "critical": [PathCollection],
    "start"/"end": PathCollection, "colorbar", ...boundary artists}``.
    """
    params = np.asarray(params, float)
    eigs = np.asarray(eigs, complex).reshape(len(params), -1)
    out = stability_boundary(ax, discrete)
    out["paths"], out["critical"] = [], []
    norm = (params.min(), params.max())
    for j in range(eigs.shape[1]):
        z = eigs[:, j]
        pts = np.stack([z.real, z.imag], 1)
        segs = np.stack([pts[:-1], pts[1:]], 1)
        lc = LineCollection(segs, cmap=cmap, linewidths=2.5, zorder=3)
        lc.set_array((params[:-1] + params[1:]) / 2)
        lc.set_clim(*norm)
        ax.add_collection(lc)
        out["paths"].append(lc)
    out["start"] = ax.scatter(eigs[0].real, eigs[0].imag, marker="o", s=50, facecolors="white",
                              edgecolors="black", zorder=4,
                              label=f"{param_label} = {params[0]:g}")
    out["end"] = ax.scatter(eigs[-1].real, eigs[-1].imag, marker="s", s=50, color="black",
                            zorder=4, label=f"{param_label} = {params[-1]:g}")
    if critical is not None:
        i = int(np.argmin(np.abs(params - critical)))
        out["critical"].append(ax.scatter(eigs[i].real, eigs[i].imag, marker="*", s=220,
                                          color="tab:red", edgecolors="black", zorder=5,
                                          label=f"critical {param_label} = {critical:g}"))
    _limits(ax, eigs.ravel(), discrete, zoom)
    if colorbar:
        out["colorbar"] = ax.figure.colorbar(out["paths"][0], ax=ax, pad=0.02, fraction=0.05,
                                             label=param_label)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(title or f"eigenvalues as {param_label} grows")
    out["legend"] = ax.legend(fontsize=7, loc="best", framealpha=0.85)
    return out
