"""Animations of discrete iterates over a game's field: GIF (Pillow) or MP4 (ffmpeg).

One column per panel (an update rule, or a (game, update rule) pair so that e.g. the plain and
the R1-regularised Dirac-GAN run side by side). Each column shows

* ``"plane"``: the in-plane field (streamlines, grey) with the iterates' trail and the current
  point;
* ``"data"`` (1-D Dirac-GAN only): the view of Mescheder et al.'s notebook (ICML 2018): the data
  point ``x = c``, the generator's point ``x = θ`` and the discriminator's line ``D(x) = ψ x``
  over ``x``.

The iterates come from ``gandyn.analysis.portrait.iterates``, the field from ``field_grid``
on a ``plane``; this module only draws arrays. Files are written atomically (a temporary name
in the same folder, then ``os.replace``).

Example::

    from gandyn.animate import animate, dirac_game
    animate(dirac_game("gan"), ["simultaneous", "alternating"], (1.0, 1.0), 200, "anim.gif")
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["FORMATS", "VIEWS", "animate", "dirac_game", "panel_data", "panel_title",
           "resolve_updaters"]

FORMATS = (".gif", ".mp4")
VIEWS = ("auto", "plane", "data", "both")
_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")


def dirac_game(loss="gan", regs: Sequence[str] = (), *, gamma: float = 1.0,
               sigma: float = 0.0, c: float = 0.0, dim: int = 1):
    """The Dirac-GAN with ``loss`` and regulariser names ``regs`` (γ for r1/r2, σ for noise).

    ``loss``: a name of ``gandyn.games.dirac.LOSSES``, or a loss triple ``(f1, f2, f3)``
    (expressions in x or D, or functions of the score D = ψ·x; ``dirac_triple``).
    The single place where gandyn's interactive tools build a Dirac-GAN, so a change of the
    ``gandyn.games.dirac.dirac`` signature is one edit here.
    """
    from gandyn.games.dirac import dirac, dirac_triple
    from gandyn.games.dirac_names import build

    built = tuple(build(r, gamma=gamma, sigma=sigma, eta=gamma) for r in regs)
    if isinstance(loss, (tuple, list)):
        return dirac_triple(*loss, built, c=c, dim=dim)
    return dirac(loss, built, c=c, dim=dim)


def resolve_updaters(updaters, lr: float = 0.1, n_disc: int | None = None) -> dict:
    """``{label: updater or (game, updater)}`` from a mapping, or from names of
    ``gandyn.updaters.ALL_UPDATERS`` built with rate ``lr``.

    ``n_disc`` (names only): critic steps per generator step of every named rule that plays a
    schedule (``gandyn.updaters.registry.SCHEDULED``; default 1); ValueError when none does.
    """
    if isinstance(updaters, Mapping):
        if n_disc is not None:
            raise ValueError("n_disc applies to rule names, not to built updaters")
        return dict(updaters)
    from gandyn.updaters.registry import ALL_UPDATERS, SCHEDULED, build_updater

    names = list(updaters)
    for name in names:
        if name not in ALL_UPDATERS:
            raise ValueError(f"unknown update rule {name!r}; valid: {', '.join(ALL_UPDATERS)}")
    if n_disc is not None and not any(n in SCHEDULED for n in names):
        raise ValueError(f"n_disc sets the critic steps of {', '.join(SCHEDULED)}; none of "
                         f"{', '.join(names)} has a critic schedule to set")
    return {n: build_updater(n, lr, n_disc=n_disc if n in SCHEDULED else None) for n in names}


def panel_title(label: str, item) -> str:
    """A panel's title: its label, and below it the schedule its rule plays, if any."""
    from gandyn.updaters.registry import schedule_text

    text = schedule_text(item[1] if isinstance(item, tuple) else item, name=False)
    return label if text is None else f"{label}\n{text}"


def axes(game) -> tuple:
    """The plane a picture of ``game`` uses: players with one-element vector states (the 1-D
    Dirac-GAN: θ across, ψ up) as ``("gen", "disc")``; scalar players (the pointwise games:
    D across, p_g up) as ``("disc", "gen")``."""
    g, d = game.equilibrium if game.equilibrium is not None else (None, None)
    vec = [hasattr(x, "shape") and x.shape == (1,) for x in (g, d)]
    return ("gen", "disc") if all(vec) else ("disc", "gen")


def _is_dirac_1d(game) -> bool:
    return axes(game) == ("gen", "disc")


def _window(paths: list, centre: np.ndarray, start: np.ndarray, cap: float = 3.0):
    """A square-ish window around ``centre`` holding the start and the iterates, at most
    ``cap`` times the start's distance (diverging runs leave the frame instead of shrinking
    everything else to a dot)."""
    r0 = float(np.max(np.abs(start - centre))) or 1.0
    r = r0
    for p in paths:
        f = p[np.all(np.isfinite(p), axis=1)]
        if f.size:
            r = max(r, float(np.max(np.abs(f - centre))))
    r = min(r, cap * r0) * 1.15
    return (centre[0] - r, centre[0] + r), (centre[1] - r, centre[1] + r)


def panel_data(game, updaters, start, steps: int, *, lr: float = 0.1, xlim=None, ylim=None,
               n_grid: int = 25) -> dict:
    """The arrays an animation draws: per panel label its game, ``(steps + 1, 2)`` iterates and
    field grid, plus the common window. Pure data (NumPy out)."""
    from gandyn.analysis.portrait import field_grid, iterates, plane

    panels = resolve_updaters(updaters, lr)
    if not panels:
        raise ValueError("give at least one update rule")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps!r}")
    start = np.asarray(start, float)
    out = {}
    for label, item in panels.items():
        g, upd = item if isinstance(item, tuple) else (game, item)
        x, y = axes(g)
        pl = plane(g, x=x, y=y)
        out[label] = {"game": g, "plane": pl, "xy": iterates(g, upd, start, int(steps), pl)}
    first = next(iter(out.values()))
    pl = first["plane"]
    eq = first["game"].equilibrium
    centre = np.asarray(pl.coords(eq), float) if eq is not None else np.zeros(2)
    if xlim is None or ylim is None:
        wx, wy = _window([d["xy"] for d in out.values()], centre, start)
        xlim, ylim = xlim or wx, ylim or wy
    for d in out.values():
        d["grid"] = field_grid(d["game"], d["plane"], xlim, ylim, n_grid)
    return {"panels": out, "xlim": tuple(xlim), "ylim": tuple(ylim), "xlabel": pl.xlabel,
            "ylabel": pl.ylabel, "centre": centre}


def _blit_frames(fig, frames, draw, bar):
    """RGB frames of ``fig``: the static artists are drawn once, then per frame the background
    is restored and only the animated artists are drawn (a full redraw of the streamlines
    costs ~1 s a frame on a small CPU)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")  # keep the layout computed with the widest title
    background = canvas.copy_from_bbox(fig.bbox)
    for k in frames:
        canvas.restore_region(background)
        for artist in draw(k):
            (artist.axes if artist.axes is not None else fig).draw_artist(artist)
        yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
        bar.advance()


def _write_gif(path, frames, fps):
    """One palette for all frames (taken from the first, which already shows every colour
    but the trails' blends), so Pillow stores only each frame's changed box."""
    from PIL import Image

    images, palette = [], None
    for f in frames:
        im = Image.fromarray(f)
        if palette is None:
            palette = im.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        images.append(im.quantize(palette=palette, dither=Image.Dither.NONE))
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=max(20, round(1000 / fps)), loop=0)


def _write_mp4(path, frames, fps):
    import subprocess

    proc = None
    try:
        for f in frames:
            if proc is None:
                h, w = f.shape[:2]
                proc = subprocess.Popen(
                    [shutil.which("ffmpeg"), "-loglevel", "error", "-y", "-f", "rawvideo",
                     "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
                     "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
                     "-vcodec", "libx264", "-f", "mp4", path], stdin=subprocess.PIPE)
            proc.stdin.write(np.ascontiguousarray(f).tobytes())
    finally:
        if proc is not None:
            proc.stdin.close()
            if proc.wait() != 0:
                raise RuntimeError(f"ffmpeg failed writing {path!r}")


def _sink(path: str):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".gif":
        return _write_gif
    if ext == ".mp4":
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("writing MP4 needs ffmpeg on PATH (not found); "
                               "install ffmpeg or write a .gif")
        return _write_mp4
    raise ValueError(f"animation file must end in {' or '.join(FORMATS)}, got {path!r}")


def animate(game, updaters, start, steps: int, path, *, lr: float = 0.1,
            n_disc: int | None = None, fps: int = 20,
            view: str = "auto", max_frames: int = 200, dpi: int = 80, xlim=None, ylim=None,
            n_grid: int = 25, title: str | None = None, progress: str = "auto") -> str:
    """Write an animation of ``steps`` iterates of each update rule from ``start`` to ``path``.

    Args:
      game: the game (used by panels given as a bare updater).
      updaters: names from ``ALL_UPDATERS`` (built with rate ``lr``), or a mapping
        ``{label: updater}`` / ``{label: (game, updater)}``; one column each, titled with
        the schedule of a rule that plays one (``panel_title``).
      n_disc: with names, the critic steps per generator step of the scheduled rules.
      start: the in-plane start, ``(θ, ψ)`` for the Dirac-GAN, ``(D, p_g)`` for pointwise games.
      path: ``*.gif`` (Pillow) or ``*.mp4`` (needs ffmpeg).
      view: ``"plane"``, ``"data"`` (1-D Dirac-GAN), ``"both"``; ``"auto"``: both for the 1-D
        Dirac-GAN, else the plane.
      max_frames: iterates are subsampled to at most this many frames (``steps + 1`` if fewer).
      progress: mode of ``gandyn.progress`` for the frame count while writing.

    Returns the path written.
    """
    from matplotlib.figure import Figure

    from gandyn.progress import progress as _progress

    from gandyn.io import ensure_writable_output

    path = os.fspath(path)
    ensure_writable_output(path, folder=False)  # before the work: a bad path fails at once
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    sink = _sink(path)
    updaters = resolve_updaters(updaters, lr, n_disc)
    dirac1 = all(_is_dirac_1d(u[0] if isinstance(u, tuple) else game) for u in updaters.values())
    if view == "auto":
        view = "both" if dirac1 else "plane"
    if view in ("data", "both") and not dirac1:
        raise ValueError("the data view needs the one-dimensional Dirac-GAN")
    data = panel_data(game, updaters, start, steps, lr=lr, xlim=xlim, ylim=ylim, n_grid=n_grid)
    panels = data["panels"]
    rows = {"plane": ["plane"], "data": ["data"], "both": ["plane", "data"]}[view]

    n = len(panels)
    height = {"plane": 3.6, "data": 2.4}
    fig = Figure(figsize=(3.6 * n + 0.4, sum(height[r] for r in rows) + 0.7), dpi=dpi,
                 layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False,
                        gridspec_kw={"height_ratios": [height[r] for r in rows]})
    xlim, ylim = data["xlim"], data["ylim"]
    n_it = steps + 1
    stride = max(1, math.ceil(n_it / max_frames))
    frames = list(range(0, n_it, stride))
    if frames[-1] != n_it - 1:
        frames.append(n_it - 1)

    artists = []
    for j, (label, d) in enumerate(panels.items()):
        col = _COLORS[j % len(_COLORS)]
        xy = d["xy"]
        arts: dict[str, Any] = {"xy": xy}
        for i, row in enumerate(rows):
            ax = axes[i, j]
            if row == "plane":
                g = d["grid"]
                if np.any(np.isfinite(g.speed)):
                    ax.streamplot(g.x, g.y, np.nan_to_num(g.U), np.nan_to_num(g.V),
                                  color="0.72", density=0.9, linewidth=0.8, arrowsize=0.8)
                ax.plot(*data["centre"], marker="*", color="black", markersize=11, zorder=5,
                        linestyle="none")
                ax.set_xlim(xlim)
                ax.set_ylim(ylim)
                names = ({"gen": "θ (generator)", "disc": "ψ (discriminator)"} if dirac1
                         else {"gen": "p_g (generator)", "disc": "D (discriminator)"})
                ax.set_xlabel(names.get(data["xlabel"], data["xlabel"]))
                ax.set_ylabel(names.get(data["ylabel"], data["ylabel"]))
                ax.set_title(panel_title(label, updaters[label]), fontsize=11)
                (arts["trail"],) = ax.plot([], [], color=col, linewidth=1.6)
                (arts["dot"],) = ax.plot([], [], "o", color=col, markersize=7,
                                         markeredgecolor="black")
            else:
                # the data point: c itself (a triple's rest point θ* = -f1'(0)/f2'(0) c can
                # lie elsewhere)
                c = float(np.ravel(d["game"].params.c)[0])
                xs = np.array(xlim)
                ax.axhline(0.0, color="0.6", linewidth=0.8)
                ax.plot([c], [0.0], "o", color="black", markersize=8, label="data x = c")
                (arts["gen"],) = ax.plot([], [], "o", color=col, markersize=8,
                                         markeredgecolor="black", label="generator x = θ")
                (arts["line"],) = ax.plot([], [], color=col, linewidth=2,
                                          label="discriminator D(x) = ψx")
                arts["xs"] = xs
                ax.set_xlim(xlim)
                ax.set_ylim(-1.2 * max(abs(ylim[0]), abs(ylim[1])) * max(abs(xs)),
                            1.2 * max(abs(ylim[0]), abs(ylim[1])) * max(abs(xs)))
                ax.set_xlabel("x")
                ax.set_ylabel("D(x)")
                if j == 0:
                    ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
                if view == "data":
                    ax.set_title(panel_title(label, updaters[label]), fontsize=11)
            ax.tick_params(labelsize=9)
        artists.append(arts)
    head = fig.suptitle("", fontsize=12)
    base_title = title if title is not None else next(iter(panels.values()))["game"].name

    def draw(k):
        out = [head]
        head.set_text(f"{base_title}   step {k}/{steps}")
        for arts in artists:
            xy = arts["xy"]
            th, ps = xy[k]
            if "trail" in arts:
                arts["trail"].set_data(xy[: k + 1, 0], xy[: k + 1, 1])
                arts["dot"].set_data([th], [ps])
                out += [arts["trail"], arts["dot"]]
            if "gen" in arts:
                arts["gen"].set_data([th], [0.0])
                arts["line"].set_data(arts["xs"], ps * arts["xs"])
                out += [arts["gen"], arts["line"]]
        return out

    for arts in artists:
        for key in ("trail", "dot", "gen", "line"):
            if key in arts:
                arts[key].set_animated(True)
    head.set_text(f"{base_title}   step {steps}/{steps}")  # the widest title, for the layout
    head.set_animated(True)

    from gandyn.io import atomic_write

    # a hidden temporary beside path, renamed at the end: a full disk, a read-only folder or a
    # folder named like the file is one OutputError, and no half-written file is left
    def write(tmp):
        with _progress(total=len(frames), desc=f"frames -> {os.path.basename(path)}",
                       mode=progress) as bar:
            sink(tmp, _blit_frames(fig, frames, draw, bar), int(fps))

    atomic_write(path, write)
    return path
