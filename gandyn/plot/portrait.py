"""Phase portraits: streamlines coloured by speed, nullclines, equilibria by kind, their
eigen-directions, separatrices of saddles, flows and discrete iterates.

Draws a ``gandyn.analysis.portrait.Portrait`` (pure data) on a given ``Axes``; nothing here
touches pyplot's global state. Conventions (as PPLANE / phaseR):

* equilibria: filled disc = stable (node or focus), open disc = unstable, half-filled disc =
  saddle, centre or degenerate;
* eigen-directions: short segments through a rest point with real eigenvalues, blue for a
  contracting direction (λ < 0), red for an expanding one (λ > 0);
* separatrices: stable manifolds in blue, unstable manifolds in red (thick);
* nullclines: dashed, orange where the x-component vanishes, purple where the y-component does.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.lines import Line2D

from gandyn.analysis.portrait import STABLE_KINDS, UNSTABLE_KINDS, Portrait

__all__ = ["ITERATE_COLORS", "equilibrium_style", "phase_portrait"]

ITERATE_COLORS = ("tab:red", "tab:green", "tab:blue", "tab:orange", "tab:purple", "tab:brown",
                  "tab:pink", "tab:cyan")
STABLE_COLOR, UNSTABLE_COLOR = "tab:blue", "tab:red"


def equilibrium_style(kind: str) -> dict:
    """Marker keyword arguments for a rest point of the given kind (see module docstring)."""
    base = dict(marker="o", markersize=9, markeredgecolor="black", markeredgewidth=1.4,
                linestyle="none", zorder=6)
    if kind in STABLE_KINDS:
        return {**base, "markerfacecolor": "black", "fillstyle": "full"}
    if kind in UNSTABLE_KINDS:
        return {**base, "markerfacecolor": "white", "fillstyle": "full"}
    return {**base, "markerfacecolor": "black", "fillstyle": "left", "markerfacecoloralt": "white"}


def _has_zero_crossing(a) -> bool:
    a = a[np.isfinite(a)]
    return a.size > 0 and a.min() < 0 < a.max()


def phase_portrait(ax, data: Portrait, *, streamlines: bool = True, density: float = 1.3,
                   cmap: str = "viridis", log_speed: bool = True, nullclines: bool = True,
                   eigen_directions: bool = True, colorbar: bool = True, legend: bool = True,
                   legend_loc: str = "best", iterate_markersize: float = 2.5) -> dict:
    """Draw a phase portrait on ``ax``.

    Returns a dict of the artists drawn: ``streamlines`` (StreamplotSet or None),
    ``colorbar``, ``nullclines`` (list of ContourSets), ``equilibria`` (one Line2D per rest
    point, in the order of ``data.equilibria``), ``eigen_directions``, ``separatrices`` (one
    Line2D per manifold branch), ``trajectories``, ``iterates`` (label -> Line2D) and
    ``legend``.
    """
    g = data.grid
    out = {"streamlines": None, "colorbar": None, "nullclines": [], "equilibria": [],
           "eigen_directions": [], "separatrices": [], "trajectories": [], "iterates": {},
           "legend": None}
    diag = float(np.hypot(data.xlim[1] - data.xlim[0], data.ylim[1] - data.ylim[0]))
    handles = []

    if streamlines and np.any(np.isfinite(g.speed)):
        U = np.ma.masked_invalid(g.U)
        V = np.ma.masked_invalid(g.V)
        sp = np.ma.masked_invalid(g.speed)
        pos = sp.compressed()
        pos = pos[pos > 0]
        if log_speed and pos.size and pos.max() / max(pos.min(), 1e-300) > 20:
            norm = LogNorm(vmin=max(np.percentile(pos, 2), pos.max() * 1e-4), vmax=pos.max())
            sp = np.ma.masked_less_equal(sp, 0)
        else:
            norm = Normalize(vmin=0, vmax=pos.max() if pos.size else 1)
        s = ax.streamplot(g.x, g.y, U, V, color=sp, cmap=cmap, norm=norm, density=density,
                          linewidth=0.8, arrowsize=0.9, zorder=1)
        out["streamlines"] = s
        if colorbar:
            out["colorbar"] = ax.figure.colorbar(s.lines, ax=ax, pad=0.02, fraction=0.05,
                                                 label="speed |v|")

    if nullclines:
        for comp, color, name in ((g.U, "tab:orange", f"nullcline d{data.xlabel}/dt = 0"),
                                  (g.V, "tab:purple", f"nullcline d{data.ylabel}/dt = 0")):
            if _has_zero_crossing(comp):
                cs = ax.contour(g.x, g.y, np.ma.masked_invalid(comp), levels=[0.0],
                                colors=color, linestyles="--", linewidths=1.3, zorder=2)
                out["nullclines"].append(cs)
                handles.append(Line2D([], [], color=color, ls="--", label=name))

    for orbit in data.separatrices:
        color = UNSTABLE_COLOR if orbit.role.startswith("unstable") else STABLE_COLOR
        (ln,) = ax.plot(orbit.xy[:, 0], orbit.xy[:, 1], color=color, lw=2.2, zorder=4)
        out["separatrices"].append(ln)
    roles = {o.role for o in data.separatrices}
    for role, color in (("stable manifold", STABLE_COLOR), ("unstable manifold", UNSTABLE_COLOR)):
        if role in roles:
            handles.append(Line2D([], [], color=color, lw=2.2, label=role))

    for orbit in data.trajectories:
        fwd = orbit.role == "forward"
        (ln,) = ax.plot(orbit.xy[:, 0], orbit.xy[:, 1], color="black" if fwd else "0.45",
                        ls="-" if fwd else ":", lw=1.6, zorder=5)
        ax.plot(*orbit.origin, marker="s", color="black", ms=5, zorder=6)
        out["trajectories"].append(ln)
    if any(o.role == "forward" for o in data.trajectories):
        handles.append(Line2D([], [], color="black", lw=1.6, label="flow (ODE), forward"))
    if any(o.role == "backward" for o in data.trajectories):
        handles.append(Line2D([], [], color="0.45", ls=":", lw=1.6, label="flow, backward"))

    for k, (label, xy) in enumerate(data.iterates.items()):
        color = ITERATE_COLORS[k % len(ITERATE_COLORS)]
        (ln,) = ax.plot(xy[:, 0], xy[:, 1], color=color, lw=0.9, marker="o",
                        ms=iterate_markersize, zorder=5, label=label)
        out["iterates"][label] = ln
        handles.append(ln)

    seen = set()
    for e in data.equilibria:
        (m,) = ax.plot(e.xy[0], e.xy[1], **equilibrium_style(e.kind))
        out["equilibria"].append(m)
        if e.kind not in seen:
            seen.add(e.kind)
            handles.append(Line2D([], [], label=e.kind, **equilibrium_style(e.kind)))
        if eigen_directions:
            for d, lam in zip(e.directions, e.direction_eigs):
                seg = np.stack([e.xy - 0.05 * diag * d, e.xy + 0.05 * diag * d])
                (ln,) = ax.plot(seg[:, 0], seg[:, 1], lw=3,
                                color=UNSTABLE_COLOR if lam > 0 else STABLE_COLOR,
                                solid_capstyle="round", alpha=0.8, zorder=5)
                out["eigen_directions"].append(ln)

    ax.set_xlim(*data.xlim)
    ax.set_ylim(*data.ylim)
    ax.set_xlabel(data.xlabel)
    ax.set_ylabel(data.ylabel)
    if data.title:
        ax.set_title(data.title)
    if legend and handles:
        out["legend"] = ax.legend(handles=handles, loc=legend_loc, fontsize=7, framealpha=0.85)
    return out
