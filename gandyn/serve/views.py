"""What the page draws, as plain columns (pure NumPy: no Bokeh, no jax).

Each function takes a ``gandyn.explore.LabData`` and returns the ``data`` dict of one Bokeh
``ColumnDataSource`` (lists of equal length), so the app only assigns them and the tests and
the PNG export read the same numbers.
"""

from __future__ import annotations

import numpy as np

#: one colour per kind of rest point (``gandyn.analysis.spectrum.KINDS``)
KIND_COLOURS = {
    "stable node": "#1a9850", "stable focus": "#66bd63", "centre": "#fdae61",
    "saddle": "#7b3294", "unstable node": "#d73027", "unstable focus": "#f46d43",
    "degenerate": "#878787",
}
STREAM_CELLS = 30  # occupancy grid of the streamline thinning, per side


def _runs(mask: np.ndarray) -> list:
    """Index ranges ``(a, b)`` of the runs of True in ``mask``."""
    m = np.concatenate([[False], mask, [False]]).astype(int)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _split(xy: np.ndarray) -> list:
    """The finite pieces (at least 2 points) of a curve with NaN gaps."""
    ok = np.all(np.isfinite(xy), axis=1)
    return [xy[a:b] for a, b in _runs(ok) if b - a >= 2]


def streamlines(d) -> tuple:
    """``(lines, arrows)``: streamlines thinned on a grid of cells as matplotlib's streamplot
    does (a line stops where it enters a cell another line already crossed), and one arrow
    head (x, y, angle) at the middle of each."""
    lo = np.array([d.x[0], d.y[0]])
    span = np.array([d.x[-1] - d.x[0], d.y[-1] - d.y[0]])
    n = STREAM_CELLS
    taken = np.zeros((n, n), bool)
    lines, arrows = [], []
    # seeds from the centre outwards: the lines near the middle are the longest kept
    order = np.argsort(np.hypot(*((d.stream_seeds - lo) / span - 0.5).T), kind="stable")
    for i in order:
        seed = d.stream_seeds[i]
        back = d.stream_bwd[i][::-1]
        xy = np.concatenate([back, seed[None], d.stream_fwd[i]])
        mid = len(back)
        ok = np.all(np.isfinite(xy), axis=1)
        cells = np.clip(((np.nan_to_num(xy) - lo) / span * n).astype(int), 0, n - 1)
        if not ok[mid] or taken[cells[mid, 1], cells[mid, 0]]:
            continue
        blocked = ~ok | taken[cells[:, 1], cells[:, 0]]
        fwd = np.flatnonzero(blocked[mid:])
        bwd = np.flatnonzero(blocked[:mid][::-1])
        b = mid + (fwd[0] if fwd.size else len(xy) - mid)
        a = mid - (bwd[0] if bwd.size else mid)
        if b - a < 4:
            continue
        piece = xy[a:b]
        taken[cells[a:b, 1], cells[a:b, 0]] = True
        lines.append(piece)
        k = len(piece) // 2
        dx, dy = piece[min(k + 1, len(piece) - 1)] - piece[max(k - 1, 0)]
        arrows.append((piece[k, 0], piece[k, 1], float(np.arctan2(dy / span[1], dx / span[0]))))
    return lines, arrows


def joined(pieces) -> dict:
    """Curves as one column pair with NaN between them: one glyph and two binary buffers for the
    browser instead of one per curve (most of a redraw's message and drawing otherwise)."""
    if not pieces:
        return {"x": np.zeros(0), "y": np.zeros(0)}
    gap = np.full((1, 2), np.nan)
    xy = np.concatenate([q for p in pieces for q in (np.asarray(p, float), gap)][:-1])
    return {"x": xy[:, 0].copy(), "y": xy[:, 1].copy()}


def stream_source(d) -> tuple:
    lines, arrows = streamlines(d)
    a = np.array(arrows).reshape(-1, 3)
    # a triangle marker points up: turn it by (direction - 90°); screen angles are taken in
    # units of the window so that the head follows the line on a non-square window
    # NumPy arrays, not lists: Bokeh sends them as binary buffers
    return joined(lines), {"x": a[:, 0].copy(), "y": a[:, 1].copy(), "angle": a[:, 2] - np.pi / 2}


def nullclines(d) -> dict:
    """Zero level sets of the field's two components on the finer grid."""
    import contourpy

    xs, ys, which = [], [], []
    a, b = (lab.split(" ")[0] for lab in (d.xlabel, d.ylabel))  # "D (discriminator)" -> D
    across, up = f"d{a}/dt = 0", f"d{b}/dt = 0"
    for comp, label in ((d.null_U, across), (d.null_V, up)):
        z = np.ma.masked_invalid(comp)
        if z.count() < 4:
            continue
        gen = contourpy.contour_generator(d.null_x, d.null_y, z)
        for seg in gen.lines(0.0):
            if len(seg) >= 2:
                xs.append(np.ascontiguousarray(seg[:, 0]))
                ys.append(np.ascontiguousarray(seg[:, 1]))
                which.append(label)
    colour = {across: "#2c7fb8", up: "#e6550d"}
    return {"xs": xs, "ys": ys, "which": which, "color": [colour[w] for w in which],
            "labels": (across, up)}


def nullcline_sources(d) -> tuple:
    """``(across, up, labels)``: each nullcline as one NaN-joined curve, and their names."""
    nc = nullclines(d)
    a, b = nc["labels"]
    pick = [[np.column_stack([x, y]) for x, y, w in zip(nc["xs"], nc["ys"], nc["which"]) if w == k]
            for k in (a, b)]
    return joined(pick[0]), joined(pick[1]), (a, b)


def curve(xy) -> dict:
    """A curve's columns, its trailing NaN (it left the plane) cut, inner NaN kept (a gap)."""
    xy = np.asarray(xy, float)
    ok = np.all(np.isfinite(xy), axis=1)
    n = int(np.flatnonzero(ok)[-1]) + 1 if ok.any() else 0
    return {"x": xy[:n, 0].copy(), "y": xy[:n, 1].copy()}


def rest_source(d) -> dict:
    r = d.rest_points
    return {"x": [float(p.xy[0]) for p in r], "y": [float(p.xy[1]) for p in r],
            "kind": [p.kind for p in r], "color": [KIND_COLOURS[p.kind] for p in r]}


def convergence(d) -> tuple:
    """``(distance, prediction)``: the iterates' distance to the equilibrium per step, and
    ``dist_0 ρ^k`` (the local rate of the update map there); non-positive values dropped
    (log axis)."""
    dist = np.hypot(*(d.path - d.equilibrium).T)
    k = np.arange(len(dist), dtype=float)
    ok = np.isfinite(dist) & (dist > 0)
    first = {"x": k[ok], "y": dist[ok]}
    pred = {"x": [], "y": []}
    if np.isfinite(d.rho) and d.rho > 0 and dist.size and np.isfinite(dist[0]) and dist[0] > 0:
        with np.errstate(over="ignore", under="ignore"):
            p = dist[0] * d.rho ** k
        good = np.isfinite(p) & (p > 1e-300)
        pred = {"x": k[good], "y": p[good]}
    return first, pred


def spectrum_source(d) -> dict:
    e = np.asarray(d.eig_map, complex)
    ok = np.isfinite(e)
    return {"x": e.real[ok].tolist(), "y": e.imag[ok].tolist(),
            "modulus": np.abs(e[ok]).tolist()}


def map_image(d, cap: float = 2.0) -> dict:
    """The stability map as one image (rows: γ, columns: lr), ρ clipped to ``[0, cap]``."""
    rho = np.clip(np.nan_to_num(d.map_rho, nan=cap, posinf=cap), 0, cap)
    lr, g = d.map_lr, d.map_gamma
    dl = (lr[-1] - lr[0]) / max(len(lr) - 1, 1)
    dg = (g[-1] - g[0]) / max(len(g) - 1, 1)
    return {"image": [rho.T], "x": [float(lr[0] - dl / 2)], "y": [float(g[0] - dg / 2)],
            "dw": [float(lr[-1] - lr[0] + dl)], "dh": [float(g[-1] - g[0] + dg)]}


def map_boundary(d) -> dict:
    """The ρ = 1 level set of the stability map (lr across, γ up)."""
    import contourpy

    z = np.ma.masked_invalid(np.asarray(d.map_rho, float).T)
    xs, ys = [], []
    if z.count() >= 4:
        for seg in contourpy.contour_generator(d.map_lr, d.map_gamma, z).lines(1.0):
            if len(seg) >= 2:
                xs.append(np.ascontiguousarray(seg[:, 0]))
                ys.append(np.ascontiguousarray(seg[:, 1]))
    return {"xs": xs, "ys": ys}


def fmt_eig(z) -> str:
    from gandyn.analysis.spectrum import format_eigenvalue

    return format_eigenvalue(complex(z))


def fmt_lr(lr: float, status: str) -> str:
    """A largest stable rate in words (``max_stable_lr``'s statuses)."""
    if status == "unstable at lo" or lr <= 0:
        return "none (no rate converges)"
    if status == "stable at hi":
        return f"> {lr:g}"
    return f"{lr:.4g}"


def rest_point_html(p, rule: str) -> str:
    """What a tap on a rest point shows."""
    eigs = ", ".join(fmt_eig(z) for z in p.eigenvalues)
    sim = "none (some Re λ ≥ 0)" if p.max_lr_simultaneous <= 0 else f"{p.max_lr_simultaneous:.4g}"
    return (f"<b>rest point</b> ({p.xy[0]:.4g}, {p.xy[1]:.4g}): <b>{p.kind}</b>, "
            f"flow verdict <b class='verdict'>{p.verdict}</b><br>"
            f"eigenvalues {eigs}<br>largest stable lr: simultaneous {sim}; "
            f"{rule} {fmt_lr(p.max_lr_rule, p.max_lr_status)}")


def summary_html(d) -> str:
    eigs = ", ".join(fmt_eig(z) for z in d.eig_flow)
    rule = d.settings["rule"]
    return (f"equilibrium ({d.equilibrium[0]:.4g}, {d.equilibrium[1]:.4g}): <b>{d.kind}</b> "
            f"({d.flow_verdict}), eigenvalues {eigs}<br>{rule}: ρ = {d.rho:.4f}, "
            f"<b>{d.map_verdict}</b>; largest stable lr {fmt_lr(d.max_lr_rule, d.max_lr_status)}"
            f"<br>{len(d.rest_points)} rest point(s) in view; flow from the start: "
            f"{int(np.all(np.isfinite(d.flow), axis=1).sum())} points")
