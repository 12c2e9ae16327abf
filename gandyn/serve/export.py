"""The page's numbers as strict JSON and its picture as PNG (server-side, matplotlib Agg).

Both take the settings of a query string, so a shared link and the page's download links give
the same files: ``/export.json?gamma=0.5`` is what the page with ``?gamma=0.5`` shows.
"""

from __future__ import annotations

import io
import json

import numpy as np

from gandyn.serve import views as V


def _pairs(z) -> list:
    return [[float(np.real(v)), float(np.imag(v))] for v in np.ravel(z)]


def numbers(d) -> dict:
    """Everything the page shows, as JSON-ready Python values (NaN left for ``finite_json``)."""
    return {
        "settings": d.settings,
        "title": d.title,
        "axes": [d.xlabel, d.ylabel],
        "window": [[float(d.x[0]), float(d.x[-1])], [float(d.y[0]), float(d.y[-1])]],
        "equilibrium": {
            "xy": d.equilibrium.tolist(), "kind": d.kind, "verdict": d.flow_verdict,
            "eigenvalues": _pairs(d.eig_flow),
            "map_eigenvalues": _pairs(d.eig_map), "rho": d.rho, "map_verdict": d.map_verdict,
            "max_stable_lr": d.max_lr_rule, "max_stable_lr_status": d.max_lr_status,
        },
        "rest_points": [{
            "xy": r.xy.tolist(), "kind": r.kind, "verdict": r.verdict,
            "eigenvalues": _pairs(r.eigenvalues),
            "max_lr_simultaneous": r.max_lr_simultaneous,
            "max_stable_lr": r.max_lr_rule, "max_stable_lr_status": r.max_lr_status,
        } for r in d.rest_points],
        "start": d.start.tolist(),
        "iterates": d.path.tolist(),
        "flow": {k: v.tolist() for k, v in V.curve(d.flow).items()},
        "stability_map": {"lr": d.map_lr.tolist(), "gamma": d.map_gamma.tolist(),
                          "rho": d.map_rho.tolist(), "indexing": "rho[i][j] at (lr[i], gamma[j])"},
    }


def to_json(d) -> str:
    """Strict JSON (no NaN: a value that is not finite is null)."""
    from gandyn.io import finite_json

    clean, _ = finite_json(numbers(d))
    return json.dumps(clean, allow_nan=False, separators=(",", ":"))


def figure(d, dpi: int = 100):
    """The four panels of the page in one matplotlib figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 9.6), dpi=dpi, layout="constrained")
    (ax0, ax1), (ax2, ax3) = fig.subplots(2, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    lines, _ = V.streamlines(d)
    for p in lines:
        ax0.plot(p[:, 0], p[:, 1], color="0.65", lw=0.8)
        k = len(p) // 2
        ax0.annotate("", p[k + 1], p[k], arrowprops=dict(arrowstyle="-|>", color="0.55", lw=0.8))
    nc = V.nullclines(d)
    for xs, ys, c, w in zip(nc["xs"], nc["ys"], nc["color"], nc["which"]):
        ax0.plot(xs, ys, "--", color=c, lw=1.6)
    f = V.curve(d.flow)
    ax0.plot(f["x"], f["y"], color="#08519c", lw=2.2, label="flow")
    ax0.plot(d.path[:, 0], d.path[:, 1], ".-", color="#cb181d", lw=1, ms=3, label="iterates")
    ax0.plot(*d.start, "o", color="#cb181d", ms=7)
    for r in d.rest_points:
        ax0.plot(*r.xy, "o", ms=11, color=V.KIND_COLOURS[r.kind], mec="black", label=r.kind)
    ax0.set_xlim(d.x[0], d.x[-1])
    ax0.set_ylim(d.y[0], d.y[-1])
    ax0.set_xlabel(d.xlabel)
    ax0.set_ylabel(d.ylabel)
    ax0.legend(loc="upper left", fontsize=8, framealpha=0.8)
    ax0.set_title("phase portrait")
    e = np.asarray(d.eig_map)
    t = np.linspace(0, 2 * np.pi, 200)
    ax1.plot(np.cos(t), np.sin(t), color="0.5")
    ax1.plot(e.real, e.imag, "o", color="#cb181d", ms=8)
    r = max(1.3, 1.1 * float(np.nanmax(np.abs(e)))) if e.size and np.isfinite(e).any() else 1.3
    ax1.set_xlim(-r, r)
    ax1.set_ylim(-r, r)
    ax1.set_aspect("equal")
    ax1.set_title(f"update map's spectrum: ρ = {d.rho:.4f} ({d.map_verdict})")
    dist, rate = V.convergence(d)
    ax2.semilogy(dist["x"], dist["y"], color="#cb181d", label="distance")
    ax2.semilogy(rate["x"], rate["y"], "--", color="0.3", label="dist₀ ρ^k")
    ax2.set_xlabel("step k")
    ax2.set_title("distance to the equilibrium")
    ax2.legend()
    im = V.map_image(d)
    x0, y0, w, h = im["x"][0], im["y"][0], im["dw"][0], im["dh"][0]
    art = ax3.imshow(im["image"][0], origin="lower", extent=(x0, x0 + w, y0, y0 + h),
                     aspect="auto", cmap="RdBu_r", vmin=0, vmax=2)
    for xs, ys in zip(*V.map_boundary(d).values()):
        ax3.plot(xs, ys, color="black", lw=1.5)
    ax3.plot(d.settings["lr"], d.settings["gamma"], "x", color="black", ms=12, mew=3)
    ax3.set_xlabel("learning rate")
    ax3.set_ylabel("γ")
    ax3.set_title("stability map (black: ρ = 1)")
    fig.colorbar(art, ax=ax3, label="ρ")
    fig.suptitle(d.title)
    return fig


def to_png(d) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(figure(d)).print_png(buf)
    return buf.getvalue()
