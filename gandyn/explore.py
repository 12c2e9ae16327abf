"""Explore a game interactively: the callbacks behind ``notebooks/00_explore.ipynb``.

Every slider move calls ``redraw(fig, **settings)``: it builds the game and the update rule
from the settings, runs one jitted program (field on a grid, iterates, the Jacobian's
eigenvalues and those of the update map's Jacobian at the equilibrium) and draws three panels:
the field with the iterates, the distance to the equilibrium per step, and the spectrum of the
update map with the unit circle. Numbers (p_d, γ, σ, c, learning rate, start) are traced leaves of
the game and the updater, so a slider move never recompiles: one program is compiled per
(family, loss, regulariser, rule, n_disc) and cached (``compiled_programs()`` lists them).

Pure functions, no widgets needed: ``settings()`` (defaults), ``compute(**settings)`` (NumPy
arrays), ``draw(fig, data)``, ``redraw(fig, **settings)``, ``to_png(fig)``; ``widget()`` builds
the ipywidgets panel for a notebook.

Local convergence of a discrete map ``z <- F_h(z)``: the iterates converge near ``z*`` when the
spectral radius of ``F_h'(z*)`` is below 1 (Ostrowski's theorem); for simultaneous steps
``F_h' = I + h J`` so each continuous eigenvalue λ maps to ``1 + h λ``.
"""

from __future__ import annotations

import functools
import io
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "DIRAC_REGS",
    "RULES",
    "ExploreData",
    "compiled_programs",
    "compute",
    "draw",
    "figure",
    "losses",
    "make_game",
    "make_updater",
    "redraw",
    "settings",
    "to_png",
    "widget",
]

DIRAC_REGS = ("none", "r1", "r2", "noise", "nk")
RULES = ("simultaneous", "alternating", "extragradient", "optimistic", "consensus",
         "negative_momentum")
N_GRID = 17


def losses() -> tuple:
    """Loss choices: ``"dirac:<loss>"`` (Dirac-GAN) and ``"pointwise:<game>"`` ((D, p_g) field)."""
    from gandyn.games import dirac as d
    from gandyn.games import pointwise as pw

    return tuple(f"dirac:{n}" for n in d.LOSSES) + tuple(f"pointwise:{n}" for n in pw.names())


def settings(**overrides) -> dict:
    """Default settings, updated with ``overrides`` (unknown names are refused)."""
    s = dict(loss="dirac:gan", reg="none", pd=1.0, gamma=0.3, sigma=0.5, lr=0.1, n_disc=1,
             rule="simultaneous", steps=150)
    bad = set(overrides) - set(s)
    if bad:
        raise ValueError(f"unknown setting(s) {sorted(bad)}; valid: {', '.join(s)}")
    s.update(overrides)
    return s


def make_game(loss: str, reg: str = "none", *, pd=1.0, gamma=0.3, sigma=0.5):
    """The game of a ``loss`` choice: a Dirac-GAN (regulariser ``reg``; γ for r1/r2, σ for noise,
    η = γ for nk) or a pointwise (D, p_g) game at data density ``pd`` (``reg`` must be none)."""
    family, _, name = loss.partition(":")
    if family == "dirac":
        from gandyn.animate import dirac_game

        if reg not in DIRAC_REGS:
            raise ValueError(f"regulariser must be one of {', '.join(DIRAC_REGS)}, got {reg!r}")
        # the Nagarajan–Kolter weight η shares the γ slider
        return dirac_game(name, () if reg == "none" else (reg,), gamma=gamma, sigma=sigma)
    if family == "pointwise":
        from gandyn.games import pointwise

        if reg != "none":
            raise ValueError("regularisers apply to the Dirac-GAN only; choose reg='none'")
        return pointwise.by_name(name, pd)
    raise ValueError(f"loss must be 'dirac:<loss>' or 'pointwise:<game>', got {loss!r}")


def make_updater(rule: str, lr, n_disc: int = 1):
    """An update rule with traced rate ``lr`` (``n_disc`` discriminator steps for alternating)."""
    from gandyn import updaters as U

    makers = {
        "simultaneous": lambda: U.simultaneous(lr),
        "alternating": lambda: U.alternating(lr, n_disc=int(n_disc)),
        "extragradient": lambda: U.extragradient(lr),
        "optimistic": lambda: U.optimistic(lr),
        "consensus": lambda: U.consensus(lr, gamma=1.0),
        "negative_momentum": lambda: U.negative_momentum(lr, beta=-0.5),
    }
    if rule not in makers:
        raise ValueError(f"update rule must be one of {', '.join(RULES)}, got {rule!r}")
    return makers[rule]()


def _axes_names(game):
    from gandyn.animate import axes

    return axes(game)


@functools.lru_cache(maxsize=64)
def _program(key, steps: int):
    """One jitted program per static configuration ``key``; game, updater and numbers traced."""
    from gandyn.analysis.discrete import map_verdict, update_jacobian
    from gandyn.analysis.portrait import plane
    from gandyn.analysis.spectrum import eigenvalues, jacobian

    x, y = key[-1]

    @jax.jit
    def run(game, updater, start, lo, hi):
        pl = plane(game, x=x, y=y)
        gx = jnp.linspace(lo[0], hi[0], N_GRID)
        gy = jnp.linspace(lo[1], hi[1], N_GRID)
        X, Y = jnp.meshgrid(gx, gy)

        def at(a, b):
            xy = jnp.stack([a, b])
            v = pl.field(game, xy)
            ok = pl.in_domain(game, xy) & jnp.all(jnp.isfinite(v))
            return jnp.where(ok, v, jnp.nan)

        V = jax.vmap(jax.vmap(at))(X, Y)
        s0 = pl.to_state(start[0], start[1])
        u0 = updater.init(game, s0)

        def body(carry, _):
            s, u = carry
            s, u = updater.step(game, s, u)
            return (s, u), pl.coords(s)

        _, path = jax.lax.scan(body, (s0, u0), None, length=steps)
        path = jnp.concatenate([start[None], path])
        eq = game.equilibrium
        cont = eigenvalues(jacobian(game, eq))
        Jm = update_jacobian(game, updater, eq)
        disc = eigenvalues(Jm)
        return gx, gy, V, path, pl.coords(eq), cont, disc, map_verdict(Jm)

    return run


def compiled_programs() -> int:
    """How many (configuration, steps) programs are cached (each compiled once)."""
    return _program.cache_info().currsize


class ExploreData(NamedTuple):
    """What ``draw`` shows (NumPy arrays)."""

    x: np.ndarray           # (n,) grid across
    y: np.ndarray           # (n,) grid up
    U: np.ndarray           # (n, n) field across, NaN off-domain
    V: np.ndarray           # (n, n) field up
    path: np.ndarray        # (steps + 1, 2) iterates
    equilibrium: np.ndarray  # (2,)
    eig_flow: np.ndarray    # eigenvalues of the field's Jacobian at the equilibrium
    eig_map: np.ndarray     # eigenvalues of the update map's Jacobian there
    xlabel: str
    ylabel: str
    title: str
    # converges / marginal / diverges: each |μ| against 1 within its rounding bound
    # (``map_verdict``); undetermined for a non-finite spectrum
    map_verdict: str = "undetermined"


def _window(game, axes):
    eq = game.equilibrium
    ex = float(np.ravel(eq.gen if axes[0] == "gen" else eq.disc)[0])
    ey = float(np.ravel(eq.disc if axes[1] == "disc" else eq.gen)[0])
    if axes[0] == "gen":  # Dirac-GAN: (θ, ψ) around (c, 0)
        r = 2.0
        return (ex, ey), np.array([ex - r, ey - r]), np.array([ex + r, ey + r]), (ex + 1, ey + 1)
    # pointwise: D around D0, p_g in [0, 2 p_d]
    rx = 0.45 * max(abs(ex), 1.0)
    lo, hi = np.array([ex - rx, 0.0]), np.array([ex + rx, 2.0 * ey])
    return (ex, ey), lo, hi, (ex + 0.4 * rx, 1.4 * ey)


def compute(**kw) -> ExploreData:
    """Everything one redraw shows, for ``settings(**kw)``."""
    s = settings(**kw)
    game = make_game(s["loss"], s["reg"], pd=s["pd"], gamma=s["gamma"], sigma=s["sigma"])
    upd = make_updater(s["rule"], s["lr"], s["n_disc"])
    axes = _axes_names(game)
    n_disc = int(s["n_disc"]) if s["rule"] == "alternating" else 1
    key = (s["loss"], s["reg"], s["rule"], n_disc, axes)
    _, lo, hi, start = _window(game, axes)
    run = _program(key, int(s["steps"]))
    gx, gy, V, path, eq, cont, disc, mverd = run(game, upd, jnp.asarray(start, jnp.float64),
                                          jnp.asarray(lo, jnp.float64),
                                          jnp.asarray(hi, jnp.float64))
    V = np.asarray(V)
    names = ({"gen": "θ (generator)", "disc": "ψ (discriminator)"} if axes[0] == "gen"
             else {"gen": "p_g (generator)", "disc": "D (discriminator)"})
    extra = {"r1": f", γ = {s['gamma']:g}", "r2": f", γ = {s['gamma']:g}",
             "nk": f", η = {s['gamma']:g}", "noise": f", σ = {s['sigma']:g}"}.get(s["reg"], "")
    pd = f", p_d = {s['pd']:g}" if s["loss"].startswith("pointwise") else ""
    nd = f" (n_disc = {n_disc})" if s["rule"] == "alternating" else ""
    title = f"{game.name}{extra}{pd}   ·   {s['rule']}{nd}, lr = {s['lr']:g}"
    from gandyn.analysis.spectrum import DISCRETE_VERDICTS

    disc = np.asarray(disc)
    verdict = (DISCRETE_VERDICTS[int(mverd)] if disc.size and np.all(np.isfinite(disc))
               else "undetermined")
    return ExploreData(np.asarray(gx), np.asarray(gy), V[..., 0], V[..., 1], np.asarray(path),
                       np.asarray(eq), np.asarray(cont), disc, names[axes[0]],
                       names[axes[1]], title, verdict)


def figure(width: float = 13.0, height: float = 4.2, dpi: int = 80):
    """A figure for ``redraw`` (not registered with pyplot: no global state, no leak)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi)


def _build(fig):
    """Axes and artists, created once per figure; later redraws only update their data (a
    fresh layout per slider move would cost most of the redraw)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fig.clear()
    fig.set_layout_engine("none")
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.14, top=0.84, wspace=0.28)
    ax0, ax1, ax2 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.15, 1.0, 0.9]})
    n = N_GRID
    g = np.linspace(0, 1, n)
    X, Y = np.meshgrid(g, g)
    a = {"axes": (ax0, ax1, ax2)}
    a["quiver"] = ax0.quiver(X, Y, np.ones_like(X), np.zeros_like(X), color="0.45",
                             angles="xy", pivot="mid",
                             scale=n * 1.1, width=0.004)
    (a["path"],) = ax0.plot([], [], "-", color="tab:red", linewidth=1.5, label="iterates")
    (a["start"],) = ax0.plot([], [], "o", color="tab:red", markersize=6, label="start")
    (a["eq"],) = ax0.plot([], [], "*", color="black", markersize=13, label="equilibrium")
    ax0.legend(loc="lower left", fontsize=9, framealpha=0.85)
    (a["dist"],) = ax1.semilogy([1], [1], color="tab:red", label="distance")
    (a["rate"],) = ax1.semilogy([1], [1], "--", color="0.4", label="ρ^k")
    a["rate_legend"] = ax1.legend(loc="upper right", fontsize=9)
    ax1.set_xlabel("step k", fontsize=11)
    ax1.set_ylabel("distance to equilibrium", fontsize=11)
    ax1.grid(True, which="major", alpha=0.3)
    # plain "1e-05" labels: mathtext ("10^{-5}") is parsed again on every redraw
    ax1.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))
    ax1.yaxis.set_minor_formatter(NullFormatter())
    t = np.linspace(0, 2 * np.pi, 200)
    ax2.plot(np.cos(t), np.sin(t), color="0.5", linewidth=1)
    ax2.axhline(0, color="0.85", linewidth=0.8)
    ax2.axvline(0, color="0.85", linewidth=0.8)
    (a["eig"],) = ax2.plot([], [], "o", color="tab:red", markersize=8)
    ax2.set_aspect("equal")
    ax2.set_xlabel("Re", fontsize=11)
    ax2.set_ylabel("Im", fontsize=11)
    a["title"] = fig.suptitle("", fontsize=12)
    # fewer, fixed-position texts: each tick label and an auto-placed title is laid out again
    # on every redraw, most of a redraw's CPU time (benchmarks/explore_callback.py)
    from matplotlib.ticker import MaxNLocator

    for ax in (ax0, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))
    ax1.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    # a title given a y is not re-placed at every draw (the auto placement measures all ticks)
    for ax, title in ((ax0, "field and iterates"), (ax1, "convergence"), (ax2, "map spectrum")):
        ax.set_title(title, fontsize=11, y=1.01)
    fig._gandyn_explore = a
    return a


def draw(fig, data: ExploreData):
    """Draw ``data`` on ``fig``: field + iterates, distance per step, the map's spectrum with
    the unit circle. The first call lays the figure out; later calls update the artists."""
    a = getattr(fig, "_gandyn_explore", None) or _build(fig)
    ax0, ax1, ax2 = a["axes"]
    X, Y = np.meshgrid(data.x, data.y)
    speed = np.hypot(data.U, data.V)
    with np.errstate(invalid="ignore", divide="ignore"):
        U, V = data.U / speed, data.V / speed  # directions only: speeds span decades
    q = a["quiver"]
    q.set_offsets(np.column_stack([X.ravel(), Y.ravel()]))
    q.set_UVC(np.nan_to_num(U), np.nan_to_num(V))
    p = data.path
    a["path"].set_data(p[:, 0], p[:, 1])
    a["start"].set_data(p[:1, 0], p[:1, 1])
    a["eq"].set_data([data.equilibrium[0]], [data.equilibrium[1]])
    ax0.set_xlim(data.x[0], data.x[-1])
    ax0.set_ylim(data.y[0], data.y[-1])
    ax0.set_xlabel(data.xlabel, fontsize=11)
    ax0.set_ylabel(data.ylabel, fontsize=11)

    dist = np.hypot(*(p - data.equilibrium).T)
    k = np.arange(len(dist))
    ok = np.isfinite(dist) & (dist > 0)
    a["dist"].set_data(k[ok], dist[ok])
    rho = float(np.max(np.abs(data.eig_map))) if data.eig_map.size else np.nan
    if np.isfinite(rho) and rho > 0 and ok.any() and dist[0] > 0:
        with np.errstate(over="ignore", under="ignore"):
            pred = dist[0] * rho ** k
        a["rate"].set_data(k, pred)
        a["rate"].set_label(f"ρ^k, ρ = {rho:.4f}")
        a["rate_legend"].get_texts()[1].set_text(f"ρ^k, ρ = {rho:.4f}")
        vals = np.concatenate([dist[ok], pred[np.isfinite(pred) & (pred > 0)]])
    else:
        a["rate"].set_data([], [])
        vals = dist[ok]
    ax1.set_xlim(0, max(1, len(dist) - 1))
    if vals.size:
        lo, hi = max(vals.min(), 1e-17), vals.max()
        ax1.set_ylim(lo / 2, hi * 2 if hi > lo else lo * 10)

    e = data.eig_map
    a["eig"].set_data(e.real, e.imag)
    m = max(1.3, float(np.nanmax(np.abs(e))) * 1.1 if e.size and np.isfinite(e).any() else 1.3)
    ax2.set_xlim(-m, m)
    ax2.set_ylim(-m, m)
    ax2.title.set_text(f"map spectrum: ρ = {rho:.4f} ({data.map_verdict})")
    a["title"].set_text(data.title)
    return fig


def redraw(fig, **kw):
    """The slider callback: compute for ``settings(**kw)`` and draw on ``fig``."""
    return draw(fig, compute(**kw))


def to_png(fig) -> bytes:
    """The figure as PNG bytes (Agg), for an ``ipywidgets.Image`` or ``IPython.display.Image``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, pil_kwargs={"compress_level": 1})  # speed over size
    return buf.getvalue()


def widget(**initial):
    """The ipywidgets panel: sliders and dropdowns that call ``redraw`` (needs ipywidgets)."""
    import ipywidgets as W

    s = settings(**initial)
    fig = figure()
    controls = {
        "loss": W.Dropdown(options=losses(), value=s["loss"], description="loss"),
        "reg": W.Dropdown(options=DIRAC_REGS, value=s["reg"], description="regulariser"),
        "rule": W.Dropdown(options=RULES, value=s["rule"], description="update rule"),
        "pd": W.FloatSlider(value=s["pd"], min=0.05, max=2.0, step=0.05, description="p_d"),
        "gamma": W.FloatSlider(value=s["gamma"], min=0.0, max=3.0, step=0.05,
                                description="γ / η"),
        "sigma": W.FloatSlider(value=s["sigma"], min=0.0, max=2.0, step=0.05, description="σ"),
        "lr": W.FloatLogSlider(value=s["lr"], base=10, min=-3, max=0, step=0.05,
                               description="learning rate"),
        "n_disc": W.IntSlider(value=s["n_disc"], min=1, max=5, description="n_disc"),
    }
    image = W.Image(format="png")
    message = W.HTML()

    def update(_=None):
        kw = {k: c.value for k, c in controls.items()}
        if kw["loss"].startswith("pointwise"):
            kw["reg"] = "none"
        try:
            image.value = to_png(redraw(fig, steps=s["steps"], **kw))
            message.value = ""
        except ValueError as e:
            message.value = f"<b>{e}</b>"

    for c in controls.values():
        c.observe(update, names="value")
    update()
    left = W.VBox([controls[k] for k in ("loss", "reg", "rule")])
    mid = W.VBox([controls[k] for k in ("pd", "gamma", "sigma")])
    right = W.VBox([controls[k] for k in ("lr", "n_disc")])
    return W.VBox([W.HBox([left, mid, right]), message, image])
