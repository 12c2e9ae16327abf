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


# -- the plane lab: what ``gandyn serve`` shows ------------------------------------------------
# One jitted program per (game family, rule, n_disc, steps) computes everything a page shows:
# the field on a grid, nullcline grids, rest points with kinds and largest stable rates, the
# flow and the iterates from a start, the spectra at the equilibrium and the stability map over
# lr x γ. The game is built *inside* the program from traced numbers (p_d, γ, σ and, for a typed
# triple, its rest value D0), so a slider or a tap never recompiles and the stability map can
# vmap over γ.

#: every game the lab knows: Dirac-GANs, zoo pointwise games, a bilinear game and a typed triple
def lab_games() -> tuple:
    """``losses()`` plus ``"bilinear"`` (min_x max_y x·y + γ/2 (x² - y²)) and ``"triple"``."""
    return losses() + ("bilinear", "triple")


#: sizes of one lab run (fixed: each is a shape of the compiled program)
LAB_FIELD = 29        # field grid (streamlines) per side
LAB_NULL = 61         # nullcline grid per side
LAB_SEEDS = 7         # Newton seeds per side for the rest points
LAB_FLOW = 1200       # RK4 steps of the flow from a start
LAB_STREAM = 16      # streamline seeds per side (thinned on the page, as streamplot does)
LAB_STREAM_LEN = 45  # RK4 steps of a streamline each way, 1/90 of the window's diagonal each
LAB_MAP = 33          # stability map cells per side (lr x γ)
LAB_BISECT = 36       # halvings of the largest-stable-rate bisection
MAX_STEPS = 2000      # iterates of the update rule (a cap: the page's slider stops there)
MAP_LR = (0.0, 1.0)   # the stability map's lr axis (the lr slider's range)
MAP_GAMMA = (0.0, 3.0)  # its γ axis (the γ slider's range)


def lab_settings(**overrides) -> dict:
    """Default lab settings (``settings`` plus the typed triple ``f1 f2 f3`` and a start
    ``x0, y0``: None for the default start), updated with ``overrides``."""
    s = settings()
    s.update(f1="log(x)", f2="log(1-x)", f3="-log(1-x)", x0=None, y0=None)
    bad = set(overrides) - set(s)
    if bad:
        raise ValueError(f"unknown setting(s) {sorted(bad)}; valid: {', '.join(s)}")
    s.update(overrides)
    return s


@functools.lru_cache(maxsize=32)
def _triple_base(f1: str, f2: str, f3: str):
    """The parsed triple, its domain and rest value D0 (solved once per text)."""
    from gandyn.expr import parse
    from gandyn.games import pointwise

    fs = tuple(parse(f) for f in (f1, f2, f3))
    g = pointwise.triple(*fs, pd=1.0)
    return fs, g.domain, float(g.params["D0"])


def _spec(s: dict):
    """The static description of the game of settings ``s`` (hashable; part of the program's
    key) and its traced numbers beyond p_d, γ, σ. Raises ValueError for a bad choice."""
    loss, reg = s["loss"], s["reg"]
    if loss == "triple":
        fs, box, D0 = _triple_base(s["f1"], s["f2"], s["f3"])
        return ("triple", fs, box), {"D0": D0}
    if loss == "bilinear":
        return ("bilinear",), {}
    if loss not in losses():
        raise ValueError(f"game must be one of {', '.join(lab_games())}, got {loss!r}")
    if loss.startswith("pointwise:") and reg != "none":
        raise ValueError("regularisers apply to the Dirac-GAN only; choose reg='none'")
    if loss.startswith("dirac:") and reg not in DIRAC_REGS:
        raise ValueError(f"regulariser must be one of {', '.join(DIRAC_REGS)}, got {reg!r}")
    return (loss, reg if loss.startswith("dirac:") else "none"), {}


def _build_game(spec, nums):
    """The game of ``spec`` at traced numbers ``nums`` (inside or outside jit)."""
    if spec[0] == "triple":
        from gandyn.games import pointwise

        fs, box = spec[1], spec[2]
        return pointwise.triple(*fs, pd=nums["pd"], D0=nums["D0"], domain=box)
    if spec[0] == "bilinear":
        from gandyn.games.bilinear import bilinear

        return bilinear(1.0, a=nums["gamma"], b=nums["gamma"], name="bilinear")
    return make_game(spec[0], spec[1], pd=nums["pd"], gamma=nums["gamma"], sigma=nums["sigma"])


def _lab_axes(spec) -> tuple:
    """(across, up): D across and p_g up for pointwise games, else the generator across."""
    return ("disc", "gen") if spec[0] == "triple" or spec[0].startswith("pointwise") else (
        "gen", "disc")


def lab_game(**kw):
    """The game of ``lab_settings(**kw)`` (concrete numbers), e.g. to check the lab against
    ``gandyn.analysis``."""
    s = lab_settings(**kw)
    spec, extra = _spec(s)
    return _build_game(spec, {"pd": s["pd"], "gamma": s["gamma"], "sigma": s["sigma"], **extra})


def _lab_window(spec, game):
    """``(lo, hi, default start)`` of the plane: the explore window, kept inside a typed
    triple's domain of D."""
    axes = _lab_axes(spec)
    eq = game.equilibrium
    ex = float(np.ravel(eq.gen if axes[0] == "gen" else eq.disc)[0])
    ey = float(np.ravel(eq.disc if axes[1] == "disc" else eq.gen)[0])
    if axes[0] == "gen":  # Dirac-GAN and bilinear: (θ, ψ) or (x, y) around the equilibrium
        r = 2.0
        return np.array([ex - r, ey - r]), np.array([ex + r, ey + r]), np.array([ex + 1, ey + 1])
    rx = 0.45 * max(abs(ex), 1.0)
    lo_d, hi_d = ex - rx, ex + rx
    box = game.domain
    if box is not None:  # an open domain: keep a margin so the window's edge is in it
        span = min(hi_d, box.disc_high) - max(lo_d, box.disc_low)
        lo_d = max(lo_d, box.disc_low + 0.02 * span)
        hi_d = min(hi_d, box.disc_high - 0.02 * span)
    lo, hi = np.array([lo_d, 0.0]), np.array([hi_d, 2.0 * ey])
    return lo, hi, np.array([ex + 0.4 * (hi_d - ex), 1.4 * ey])


_LAB: dict = {}  # (spec, rule, n_disc, steps) -> its jitted program


def _lab_program(spec, rule: str, n_disc: int, steps: int):
    """The one jitted program of a (game family, rule, n_disc, steps), built once."""
    key = (spec, rule, n_disc, steps)
    if key not in _LAB:
        if len(_LAB) >= 64:  # a long session typing many triples: forget the oldest
            _LAB.pop(next(iter(_LAB)))
        _LAB[key] = _new_lab_program(*key)
    return _LAB[key]


def _new_lab_program(spec, rule: str, n_disc: int, steps: int):
    from gandyn.analysis.discrete import map_verdict, max_stable_lr, update_jacobian
    from gandyn.analysis.discrete import update_spectral_radius
    from gandyn.analysis.flow import rk4_step
    from gandyn.analysis.portrait import plane
    from gandyn.analysis.spectrum import (classify_matrix, eigenvalues, jacobian,
                                          max_lr_simultaneous)

    ax, ay = _lab_axes(spec)

    def upd(lr):
        return make_updater(rule, lr, n_disc)

    @jax.jit
    def run(nums, start, lo, hi):
        game = _build_game(spec, nums)
        pl = plane(game, x=ax, y=ay)

        def field(xy):
            v = pl.field(game, xy)
            ok = pl.in_domain(game, xy) & jnp.all(jnp.isfinite(v))
            return jnp.where(ok, v, jnp.nan)

        def grid(n):
            gx, gy = jnp.linspace(lo[0], hi[0], n), jnp.linspace(lo[1], hi[1], n)
            X, Y = jnp.meshgrid(gx, gy)
            return gx, gy, jax.vmap(jax.vmap(lambda a, b: field(jnp.stack([a, b]))))(X, Y)

        gx, gy, V = grid(LAB_FIELD)
        nx, ny, N = grid(LAB_NULL)

        # the iterates of the rule from the start
        s0 = pl.to_state(start[0], start[1])
        u = upd(nums["lr"])

        def body(carry, _):
            s, us = carry
            s, us = u.step(game, s, us)
            return (s, us), pl.coords(s)

        _, path = jax.lax.scan(body, (s0, u.init(game, s0)), None, length=steps)
        path = jnp.concatenate([start[None], path])

        # the flow from the start: the orbit-preserving field v / (|v| + v0) (a positive
        # change of time, as gandyn.analysis.portrait traces separatrices), so a fixed step
        # follows it through stiff regions and it still settles into a stable rest point
        diag = jnp.hypot(hi[0] - lo[0], hi[1] - lo[1])
        v0 = 0.1 * jnp.nanmedian(jnp.hypot(V[..., 0], V[..., 1]))
        v0 = jnp.where(jnp.isfinite(v0) & (v0 > 0), v0, 1.0)
        pad = 0.05 * (hi - lo)

        def alive(z):
            inside = jnp.all((z >= lo - pad) & (z <= hi + pad))
            return inside & pl.in_domain(game, z) & jnp.all(jnp.isfinite(z))

        def rhs(z):
            v = pl.field(game, z)
            return v / (jnp.linalg.norm(v) + v0)

        def fstep(carry, _):
            z, ok = carry
            new = rk4_step(rhs, z, diag / 400)
            ok = ok & alive(new)
            new = jnp.where(ok, new, z)
            return (new, ok), jnp.where(ok, new, jnp.nan)

        _, flow = jax.lax.scan(fstep, (start, alive(start)), None, length=LAB_FLOW)
        flow = jnp.concatenate([start[None], flow])

        # streamlines: the direction field v/|v| both ways from a grid of seeds (a
        # streamplot in numpy would take most of a redraw; the page thins them)
        def unit(sign):
            def f(z):
                v = pl.field(game, z)
                return sign * v / (jnp.linalg.norm(v) + 1e-300)
            return f

        def line(seed, sign):
            def st(carry, _):
                z, ok = carry
                new = rk4_step(unit(sign), z, diag / 90)
                ok = ok & jnp.all(jnp.isfinite(new)) & jnp.all((new >= lo) & (new <= hi)) & (
                    pl.in_domain(game, new))
                return (jnp.where(ok, new, z), ok), jnp.where(ok, new, jnp.nan)

            _, zs = jax.lax.scan(st, (seed, alive(seed)), None, length=LAB_STREAM_LEN)
            return zs

        tx = lo[0] + (hi[0] - lo[0]) * (jnp.arange(LAB_STREAM) + 0.5) / LAB_STREAM
        ty = lo[1] + (hi[1] - lo[1]) * (jnp.arange(LAB_STREAM) + 0.5) / LAB_STREAM
        TX, TY = jnp.meshgrid(tx, ty)
        tseeds = jnp.stack([TX.ravel(), TY.ravel()], 1)
        stream = (tseeds, jax.vmap(lambda z: line(z, 1.0))(tseeds),
                  jax.vmap(lambda z: line(z, -1.0))(tseeds))

        # rest points: damped Gauss-Newton from a grid of seeds and the equilibrium
        sx = jnp.linspace(lo[0], hi[0], LAB_SEEDS + 2)[1:-1]
        sy = jnp.linspace(lo[1], hi[1], LAB_SEEDS + 2)[1:-1]
        SX, SY = jnp.meshgrid(sx, sy)
        seeds = jnp.concatenate([jnp.stack([SX.ravel(), SY.ravel()], 1),
                                 pl.coords(game.equilibrium)[None]])

        def newton(xy):
            def f(z):
                return pl.field(game, z)

            def it(_, z):
                v, J = f(z), jax.jacfwd(f)(z)
                mu = 1e-12 * (1.0 + jnp.sum(J * J))
                dz = -jnp.linalg.solve(J.T @ J + mu * jnp.eye(2), J.T @ v)
                n = jnp.linalg.norm(dz)
                dz = jnp.where(n > diag / 10, dz * diag / 10 / n, dz)
                new = z + dz
                ok = jnp.all(jnp.isfinite(new)) & pl.in_domain(game, new)
                return jnp.where(ok, new, z)

            z = jax.lax.fori_loop(0, 50, it, xy)
            st = pl.to_state(z[0], z[1])
            J = jacobian(game, st)
            kind, verd = classify_matrix(J)
            e = eigenvalues(J)
            best = max_stable_lr(game, upd, lo=1e-4, hi=10.0, iters=LAB_BISECT, state=st)
            ok = pl.in_domain(game, z) & jnp.all(jnp.isfinite(J))
            res = jnp.linalg.norm(f(z)) / (1.0 + jnp.max(jnp.abs(J)))
            return z, res, ok, kind, verd, e, max_lr_simultaneous(e), best.lr, best.status

        rest = jax.vmap(newton)(seeds)

        # the spectra at the game's equilibrium
        eq = game.equilibrium
        Jc = jacobian(game, eq)
        Jm = update_jacobian(game, u, eq)
        best = max_stable_lr(game, upd, lo=1e-4, hi=10.0, iters=LAB_BISECT)

        # the stability map: ρ over lr x γ, the game rebuilt at each γ
        lrs = jnp.linspace(MAP_LR[0], MAP_LR[1], LAB_MAP + 1)[1:]
        gammas = jnp.linspace(MAP_GAMMA[0], MAP_GAMMA[1], LAB_MAP)

        def rho(h, g):
            return update_spectral_radius(_build_game(spec, {**nums, "gamma": g}), upd(h))

        smap = jax.vmap(jax.vmap(rho, in_axes=(None, 0)), in_axes=(0, None))(lrs, gammas)
        return dict(gx=gx, gy=gy, V=V, nx=nx, ny=ny, N=N, path=path, flow=flow, stream=stream,
                    rest=rest, eq=pl.coords(eq), eig_flow=eigenvalues(Jc), jac_flow=Jc,
                    eig_map=eigenvalues(Jm), map_verdict=map_verdict(Jm),
                    best_lr=best.lr, best_status=best.status, map_lr=lrs, map_gamma=gammas,
                    map_rho=smap)

    return run


def lab_programs() -> int:
    """How many lab programs are compiled (one per game family, rule, n_disc and steps, unless
    a traced number changed its type or shape: then this count grows)."""
    return sum(p._cache_size() for p in _LAB.values())


class RestPoint(NamedTuple):
    """A rest point of the plane's field, with its analysis."""

    xy: np.ndarray          # (2,) in-plane coordinates
    kind: str               # one of gandyn.analysis.spectrum.KINDS
    verdict: str            # of the flow: stable / marginal / unstable
    eigenvalues: np.ndarray  # of the full Jacobian, complex
    max_lr_simultaneous: float  # largest rate of simultaneous steps (0: none)
    max_lr_rule: float      # largest stable rate of the chosen rule (bisection; 0: none)
    max_lr_status: str      # bracketed / unstable_at_lo / stable_at_hi


class LabData(NamedTuple):
    """Everything one page of ``gandyn serve`` shows (NumPy arrays, Python scalars)."""

    settings: dict
    x: np.ndarray           # (LAB_FIELD,) grid across
    y: np.ndarray           # (LAB_FIELD,) grid up
    U: np.ndarray           # (n, n) field across, NaN off-domain
    V: np.ndarray
    null_x: np.ndarray      # the finer nullcline grid
    null_y: np.ndarray
    null_U: np.ndarray
    null_V: np.ndarray
    stream_seeds: np.ndarray  # (s, 2) streamline seeds
    stream_fwd: np.ndarray  # (s, LAB_STREAM_LEN, 2) forward from each seed, NaN once out
    stream_bwd: np.ndarray  # the same backward
    start: np.ndarray       # (2,)
    path: np.ndarray        # (steps + 1, 2) iterates of the rule
    flow: np.ndarray        # (LAB_FLOW + 1, 2) the flow's orbit, NaN once it left
    equilibrium: np.ndarray  # (2,) the game's equilibrium
    eig_flow: np.ndarray
    kind: str               # of the equilibrium
    flow_verdict: str
    eig_map: np.ndarray     # the update map's eigenvalues there
    rho: float
    map_verdict: str
    max_lr_rule: float
    max_lr_status: str
    rest_points: list       # RestPoint, sorted by x then y
    map_lr: np.ndarray      # (LAB_MAP,)
    map_gamma: np.ndarray   # (LAB_MAP,)
    map_rho: np.ndarray     # (len(map_lr), len(map_gamma)), indexing "ij"
    xlabel: str
    ylabel: str
    title: str


def lab(**kw) -> LabData:
    """Everything ``gandyn serve`` shows for ``lab_settings(**kw)``. Raises ValueError (a bad
    choice, a triple that does not parse or has no rest point)."""
    from gandyn.analysis.spectrum import DISCRETE_VERDICTS, KINDS, VERDICTS, classify_matrix
    from gandyn.results import LABELS

    s = lab_settings(**kw)
    steps = int(s["steps"])
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be in [1, {MAX_STEPS}], got {steps}")
    if s["rule"] not in RULES:
        raise ValueError(f"update rule must be one of {', '.join(RULES)}, got {s['rule']!r}")
    spec, extra = _spec(s)
    nums = {k: float(s[k]) for k in ("pd", "gamma", "sigma", "lr")}
    if not nums["pd"] > 0:
        raise ValueError(f"p_d must be > 0, got {nums['pd']}")
    nums.update(extra)
    game = _build_game(spec, nums)
    lo, hi, start = _lab_window(spec, game)
    if s["x0"] is not None and s["y0"] is not None:
        start = np.array([float(s["x0"]), float(s["y0"])])
    n_disc = int(s["n_disc"]) if s["rule"] == "alternating" else 1
    key = (spec, s["rule"], n_disc, steps)
    run = _lab_program(*key)
    f64 = functools.partial(jnp.asarray, dtype=jnp.float64)
    out = run({k: f64(v) for k, v in nums.items()}, f64(start), f64(lo), f64(hi))
    out = jax.tree_util.tree_map(np.asarray, out)

    z, res, ok, kinds, verds, eigs, lr_sim, lr_rule, lr_st = out["rest"]
    diag = float(np.hypot(*(hi - lo)))
    found = []
    for i in range(len(z)):
        if not (ok[i] and np.all(np.isfinite(z[i])) and res[i] < 1e-8):
            continue
        if not np.all((z[i] >= lo - 1e-12) & (z[i] <= hi + 1e-12)):
            continue
        if any(np.hypot(*(z[i] - r.xy)) < 0.02 * diag for r in found):
            continue
        found.append(RestPoint(z[i], KINDS[int(kinds[i])], VERDICTS[int(verds[i])],
                               eigs[i], float(lr_sim[i]), float(lr_rule[i]),
                               LABELS[int(lr_st[i])]))
    found.sort(key=lambda r: (r.xy[0], r.xy[1]))

    ec, em = out["eig_flow"], out["eig_map"]
    kind, fverd = (int(c) for c in classify_matrix(jnp.asarray(out["jac_flow"])))
    rho = float(np.max(np.abs(em))) if em.size else float("nan")
    mverd = (DISCRETE_VERDICTS[int(out["map_verdict"])] if em.size and np.all(np.isfinite(em))
             else "undetermined")
    ax = _lab_axes(spec)
    names = ({"gen": "θ (generator)", "disc": "ψ (discriminator)"} if spec[0].startswith("dirac")
             else {"gen": "x (generator)", "disc": "y (discriminator)"} if spec[0] == "bilinear"
             else {"gen": "p_g (generator)", "disc": "D (discriminator)"})
    if spec[0] == "triple":
        gname = f"f1 = {s['f1']}, f2 = {s['f2']}, f3 = {s['f3']}"
    elif spec[0] == "bilinear":
        gname = f"x·y + γ/2 (x² − y²), γ = {s['gamma']:g}"
    else:
        gname = game.name
    extra_t = {"r1": f", γ = {s['gamma']:g}", "r2": f", γ = {s['gamma']:g}",
               "nk": f", η = {s['gamma']:g}", "noise": f", σ = {s['sigma']:g}"}.get(
        spec[1] if spec[0].startswith("dirac") else "none", "")
    pd_t = f", p_d = {s['pd']:g}" if ax[0] == "disc" else ""
    nd = f" (n_disc = {n_disc})" if s["rule"] == "alternating" else ""
    title = f"{gname}{extra_t}{pd_t}  ·  {s['rule']}{nd}, lr = {s['lr']:g}"
    return LabData(
        s, out["gx"], out["gy"], out["V"][..., 0], out["V"][..., 1], out["nx"], out["ny"],
        out["N"][..., 0], out["N"][..., 1], *out["stream"], np.asarray(start, float), out["path"], out["flow"],
        out["eq"], ec, KINDS[kind], VERDICTS[fverd], em, rho, mverd, float(out["best_lr"]),
        LABELS[int(out["best_status"])], found, out["map_lr"], out["map_gamma"], out["map_rho"],
        names[ax[0]], names[ax[1]], title)


def nearest_rest_point(data: LabData, xy, frac: float = 0.04):
    """The rest point within ``frac`` of the window's diagonal of ``xy``, else None."""
    diag = float(np.hypot(data.x[-1] - data.x[0], data.y[-1] - data.y[0]))
    best = min(data.rest_points, key=lambda r: np.hypot(*(r.xy - np.asarray(xy))), default=None)
    if best is not None and np.hypot(*(best.xy - np.asarray(xy))) <= frac * diag:
        return best
    return None
