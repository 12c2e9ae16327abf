"""Pure data for phase portraits: what PPLANE / phaseR show, as arrays.

A portrait lives in a *plane*: two scalar coordinates of the (flattened) joint state, every
other coordinate frozen at a reference state. For the 2-D games (pointwise fields, the
scalar Dirac-GAN, x·y) the plane is the whole state space.

Everything here returns NumPy arrays in small NamedTuples; ``gandyn.plot`` only draws them.

* ``field_grid``     the field on a grid (``U``, ``V``, speed), NaN outside the game's domain;
                     its zero level sets ``U = 0`` and ``V = 0`` are the nullclines.
* ``find_equilibria`` rest points in a window: damped Newton (Levenberg–Marquardt) from a
                     grid of seeds, deduplicated, each with its Jacobian, eigenvalues, kind
                     (``gandyn.analysis.spectrum.KINDS``) and real eigen-directions.
* ``separatrices``   stable and unstable manifolds of each saddle: orbits from
                     ``z* ± ε e_u`` forward in time and from ``z* ± ε e_s`` backward.
* ``trajectory``     the flow ``dz/dt = v(z)`` forward (``t1 > 0``) or backward (``t1 < 0``),
                     classical RK4, stopped (NaN) when it leaves the window or the domain.
* ``iterates``       the iterates of any discrete updater (``gandyn.updaters``).
* ``portrait``       all of the above in one ``Portrait``.

Orbits of separatrices are traced with the reparametrised field ``v / (|v| + v0)``, which has
the same orbits as ``v`` (a positive rescaling of time) but a bounded speed, so a fixed step
follows them through stiff regions (e.g. D -> 0 or 1 for the log losses) and still settles
into stable rest points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from gandyn.analysis.flow import rk4_step
from gandyn.analysis.spectrum import KINDS, classify_matrix, eigenvalues, jacobian
from gandyn.games.base import Game, State, as_state

__all__ = [
    "STABLE_KINDS",
    "UNSTABLE_KINDS",
    "Equilibrium",
    "FieldGrid",
    "Orbit",
    "Plane",
    "Portrait",
    "field_grid",
    "find_equilibria",
    "iterates",
    "plane",
    "portrait",
    "separatrices",
    "trajectory",
]

STABLE_KINDS = ("stable node", "stable focus")
UNSTABLE_KINDS = ("unstable node", "unstable focus")

_PLAYER_INDEX = {"gen": 0, "disc": 1}


# -- the plane ------------------------------------------------------------------------------
class Plane:
    """Two coordinates ``(ix, iy)`` of the flattened state ``like``; the rest is frozen.

    ``to_state(x, y)`` builds a full ``State``; ``coords(state)`` reads ``(x, y)`` back.
    ``xlabel`` / ``ylabel`` name the axes for plots.
    """

    def __init__(self, like: State, ix: int, iy: int, xlabel: str, ylabel: str):
        like = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), as_state(like))
        self.like = like
        self.flat, self._unravel = ravel_pytree(like)
        n = self.flat.shape[0]
        if not (0 <= ix < n and 0 <= iy < n and ix != iy):
            raise ValueError(f"plane coordinates must be two distinct indices in [0, {n}), got "
                             f"({ix}, {iy})")
        self.ix, self.iy, self.xlabel, self.ylabel = ix, iy, xlabel, ylabel

    def to_state(self, x, y) -> State:
        z = self.flat.at[self.ix].set(x).at[self.iy].set(y)
        return as_state(self._unravel(z))

    def coords(self, state) -> jax.Array:
        z, _ = ravel_pytree(as_state(state))
        return jnp.stack([z[self.ix], z[self.iy]])

    def field(self, game: Game, xy: jax.Array) -> jax.Array:
        """The field's two in-plane components at ``xy = (x, y)``."""
        v, _ = ravel_pytree(game.field(self.to_state(xy[0], xy[1])))
        return jnp.stack([v[self.ix], v[self.iy]])

    def in_domain(self, game: Game, xy) -> jax.Array:
        return game.in_domain(self.to_state(xy[0], xy[1]))


def _index(spec, like_state: State) -> int:
    if isinstance(spec, (int, np.integer)):
        return int(spec)
    if spec not in _PLAYER_INDEX:
        raise ValueError(f"a plane axis is 'gen', 'disc' or a flat index, got {spec!r}")
    # first scalar of that player's (possibly pytree) state
    sizes = [sum(int(np.size(leaf)) for leaf in jax.tree_util.tree_leaves(p)) for p in like_state]
    return 0 if spec == "gen" else sizes[0]


def _is_pointwise(game: Game) -> bool:
    return isinstance(game.params, dict) and set(game.params) == {"pd", "D0"}


def plane(game: Game, like=None, x=None, y=None, xlabel=None, ylabel=None) -> Plane:
    """The portrait plane of ``game``: axis ``x`` and ``y`` are ``"gen"``, ``"disc"`` or flat
    indices of the state ``like`` (default: the game's equilibrium, else ``State(0., 0.)``).

    Defaults: pointwise (D, p_g) games put D across and p_g up (``x="disc", y="gen"``, labels
    "D" and "p_g", as every figure does); other games the generator across and the
    discriminator up (the Dirac-GAN: θ across, ψ up, as in Mescheder et al. 2018).
    """
    if x is None and y is None and _is_pointwise(game):
        x, y = "disc", "gen"
        xlabel, ylabel = xlabel or "D", ylabel or "p_g"
    x = "gen" if x is None else x
    y = "disc" if y is None else y
    if like is None:
        like = game.equilibrium if game.equilibrium is not None else State(0.0, 0.0)
    like = as_state(like)
    ix, iy = _index(x, like), _index(y, like)
    xlabel = xlabel or (x if isinstance(x, str) else f"z[{ix}]")
    ylabel = ylabel or (y if isinstance(y, str) else f"z[{iy}]")
    return Plane(like, ix, iy, xlabel, ylabel)


# -- the field on a grid --------------------------------------------------------------------
class FieldGrid(NamedTuple):
    """The in-plane field on a ``ny × nx`` grid: ``U`` across, ``V`` up, NaN off-domain."""

    x: np.ndarray       # (nx,)
    y: np.ndarray       # (ny,)
    U: np.ndarray       # (ny, nx)
    V: np.ndarray       # (ny, nx)
    speed: np.ndarray   # (ny, nx) = hypot(U, V)


def _vgrid(game, pl, X, Y):
    def at(x, y):
        xy = jnp.stack([x, y])
        v = pl.field(game, xy)
        ok = pl.in_domain(game, xy) & jnp.all(jnp.isfinite(v))
        return jnp.where(ok, v, jnp.nan)

    return jax.vmap(jax.vmap(at))(X, Y)


def field_grid(game: Game, pl: Plane, xlim, ylim, n: int = 41) -> FieldGrid:
    """Sample the field on an ``n × n`` grid of the window ``xlim × ylim``."""
    x = np.linspace(*xlim, n)
    y = np.linspace(*ylim, n)
    X, Y = np.meshgrid(x, y)
    v = np.asarray(_vgrid(game, pl, jnp.asarray(X), jnp.asarray(Y)))
    U, V = v[..., 0], v[..., 1]
    return FieldGrid(x, y, U, V, np.hypot(U, V))


# -- equilibria -----------------------------------------------------------------------------
class Equilibrium(NamedTuple):
    """A rest point found in the window."""

    xy: np.ndarray            # (2,) in-plane coordinates
    state: State              # the full state
    jacobian: np.ndarray      # the full Jacobian v'(z*)
    eigenvalues: np.ndarray   # of the full Jacobian, complex
    kind: str                 # one of KINDS
    directions: np.ndarray    # (k, 2) unit in-plane eigen-directions (real eigenvalues only)
    direction_eigs: np.ndarray  # (k,) the real eigenvalue of each direction

    @property
    def stable_directions(self):
        return self.directions[self.direction_eigs < 0]

    @property
    def unstable_directions(self):
        return self.directions[self.direction_eigs > 0]


def _newton(game, pl, seed, iters, max_step):
    def f(xy):
        return pl.field(game, xy)

    def body(_, xy):
        v = f(xy)
        J = jax.jacfwd(f)(xy)
        mu = 1e-12 * (1.0 + jnp.sum(J * J))
        JT = J.T
        dz = -jnp.linalg.solve(JT @ J + mu * jnp.eye(2), JT @ v)
        nrm = jnp.linalg.norm(dz)
        dz = jnp.where(nrm > max_step, dz * max_step / nrm, dz)
        new = xy + dz
        ok = jnp.all(jnp.isfinite(new)) & pl.in_domain(game, new)
        return jnp.where(ok, new, xy)

    xy = jax.lax.fori_loop(0, iters, body, seed)
    return xy, f(xy), jax.jacfwd(f)(xy), pl.in_domain(game, xy)


def _directions(Jp):
    """Unit real eigenvectors of a 2x2 in-plane Jacobian (none for complex pairs)."""
    w, vecs = np.linalg.eig(Jp)
    if np.any(np.abs(np.imag(w)) > 1e-9 * (1 + np.abs(w).max())):
        return np.zeros((0, 2)), np.zeros((0,))
    w = np.real(w)
    vecs = np.real(vecs)
    dirs, lams = [], []
    for k in range(len(w)):
        v = vecs[:, k]
        nrm = np.linalg.norm(v)
        if nrm == 0:
            continue
        v = v / nrm
        if any(abs(abs(np.dot(v, d)) - 1) < 1e-9 for d in dirs):  # repeated eigenvalue
            continue
        dirs.append(v)
        lams.append(w[k])
    return np.array(dirs).reshape(-1, 2), np.array(lams)


def find_equilibria(game: Game, pl: Plane, xlim, ylim, n_seeds: int = 12, iters: int = 60,
                    tol: float = 1e-8, extra_seeds: Sequence = (),
                    max_points: int = 40) -> list:
    """Rest points of the in-plane field in the window ``xlim × ylim``.

    Damped Gauss–Newton (Levenberg–Marquardt, ``dz = -(JᵀJ + μ)⁻¹ Jᵀ v``, each step capped at a
    tenth of the window) from an ``n_seeds × n_seeds`` grid (plus ``extra_seeds`` and the game's
    equilibrium); points with ``|v| < tol (1 + |∇v|)`` inside the window and the domain are kept
    and merged when closer than 2% of the window's diagonal. A continuum of rest points (WGAN
    hinge, degenerate games) shows up as a row of ``"degenerate"`` points, at most ``max_points``.

    Returns a list of ``Equilibrium`` sorted by ``x`` then ``y``.
    """
    xs = np.linspace(*xlim, n_seeds + 2)[1:-1]
    ys = np.linspace(*ylim, n_seeds + 2)[1:-1]
    seeds = [np.array([a, b]) for b in ys for a in xs]
    seeds += [np.asarray(s, float) for s in extra_seeds]
    if game.equilibrium is not None:
        try:
            seeds.append(np.asarray(pl.coords(game.equilibrium), float))
        except Exception:  # equilibrium of another shape than the plane's reference state
            pass
    seeds = jnp.asarray(np.stack(seeds))
    diag = float(np.hypot(xlim[1] - xlim[0], ylim[1] - ylim[0]))
    sols, res, jps, dom = jax.jit(jax.vmap(lambda s: _newton(game, pl, s, iters, diag / 10)))(
        seeds)
    sols, res, jps, dom = map(np.asarray, (sols, res, jps, dom))
    found: list = []
    for xy, r, Jp, ok in zip(sols, res, jps, dom):
        if not (ok and np.all(np.isfinite(xy)) and np.all(np.isfinite(r))
                and np.all(np.isfinite(Jp))):
            continue
        if not (xlim[0] <= xy[0] <= xlim[1] and ylim[0] <= xy[1] <= ylim[1]):
            continue
        if np.linalg.norm(r) > tol * (1 + np.abs(Jp).max()):
            continue
        if any(np.hypot(*(xy - e[0])) < 0.02 * diag for e in found):
            continue
        found.append((xy, Jp))
        if len(found) >= max_points:
            break
    out = []
    for xy, Jp in sorted(found, key=lambda e: (e[0][0], e[0][1])):
        state = pl.to_state(xy[0], xy[1])
        J = np.asarray(jacobian(game, state))
        eigs = np.asarray(eigenvalues(jnp.asarray(J)))
        kind = KINDS[int(classify_matrix(jnp.asarray(J))[0])]  # signs within rounding
        dirs, lams = _directions(Jp)
        out.append(Equilibrium(np.asarray(xy), state, J, eigs, kind, dirs, lams))
    return out


# -- orbits ---------------------------------------------------------------------------------
class Orbit(NamedTuple):
    """A curve in the plane: ``xy`` is ``(n, 2)``, NaN after it left the window/domain.

    ``role`` says what it is: "unstable manifold", "stable manifold", "forward", "backward",
    or an updater's name; ``origin`` the in-plane point it started from (or the saddle).
    """

    xy: np.ndarray
    role: str
    origin: np.ndarray


def _window_ok(game, pl, xy, xlim, ylim, pad=0.05):
    dx, dy = (xlim[1] - xlim[0]) * pad, (ylim[1] - ylim[0]) * pad
    inside = ((xy[0] >= xlim[0] - dx) & (xy[0] <= xlim[1] + dx)
              & (xy[1] >= ylim[0] - dy) & (xy[1] <= ylim[1] + dy))
    return inside & pl.in_domain(game, xy) & jnp.all(jnp.isfinite(xy))


def _rk4_scan(rhs, start, h, n, keep):
    """Fixed-step RK4 of ``dz/ds = rhs(z)``; the curve is NaN from the first ``keep`` failure."""

    def step(carry, _):
        z, alive = carry
        new = rk4_step(rhs, z, h)
        alive = alive & keep(new)
        new = jnp.where(alive, new, z)
        return (new, alive), jnp.where(alive, new, jnp.nan)

    start = jnp.asarray(start, jnp.float64)
    _, zs = jax.lax.scan(step, (start, keep(start)), None, length=n)
    return jnp.concatenate([start[None], zs])


def trajectory(game: Game, pl: Plane, start, t1: float, n: int = 2000, xlim=None,
               ylim=None) -> Orbit:
    """The flow of ``dz/dt = v(z)`` from ``start`` (in-plane) over time ``t1`` (negative:
    backward in time), ``n`` RK4 steps; NaN once it leaves the window (when given) or the
    game's domain, or stops being finite."""
    start = jnp.asarray(start, jnp.float64)
    big = (-np.inf, np.inf)
    xl, yl = xlim or big, ylim or big

    def keep(z):
        return _window_ok(game, pl, z, xl, yl) if xlim is not None else (
            pl.in_domain(game, z) & jnp.all(jnp.isfinite(z)))

    zs = jax.jit(lambda s: _rk4_scan(lambda z: pl.field(game, z), s, t1 / n, n, keep))(start)
    return Orbit(np.asarray(zs), "forward" if t1 >= 0 else "backward", np.asarray(start))


def _orbit(game, pl, start, sign, xlim, ylim, v0, ds, n):
    def rhs(z):
        v = pl.field(game, z)
        return sign * v / (jnp.linalg.norm(v) + v0)

    return _rk4_scan(rhs, start, ds, n, lambda z: _window_ok(game, pl, z, xlim, ylim))


def separatrices(game: Game, pl: Plane, equilibria, xlim, ylim, eps: float = 1e-3,
                 n: int = 1500, v0: float | None = None) -> list:
    """Stable and unstable manifolds of every saddle in ``equilibria``.

    From ``z* ± ε e_u`` (``e_u`` the unstable eigen-direction) forward, and from
    ``z* ± ε e_s`` backward, with ``ε = eps ×`` the window's diagonal; curves are traced with
    the orbit-preserving field ``v / (|v| + v0)`` (``v0`` defaults to a tenth of the median
    speed on a coarse grid), ``n`` RK4 steps of length 1/500 of the diagonal.
    """
    diag = float(np.hypot(xlim[1] - xlim[0], ylim[1] - ylim[0]))
    if v0 is None:
        g = field_grid(game, pl, xlim, ylim, 15)
        v0 = 0.1 * float(np.nanmedian(g.speed)) if np.any(np.isfinite(g.speed)) else 1.0
        v0 = v0 if v0 > 0 else 1.0
    ds = diag / 500
    out = []
    jobs = []
    for e in equilibria:
        if e.kind != "saddle":
            continue
        for d, lam in zip(e.directions, e.direction_eigs):
            sign = 1.0 if lam > 0 else -1.0
            role = "unstable manifold" if lam > 0 else "stable manifold"
            for s in (1.0, -1.0):
                jobs.append((e.xy + s * eps * diag * d, sign, role, e.xy))
    if not jobs:
        return out
    starts = jnp.asarray(np.stack([j[0] for j in jobs]))
    signs = jnp.asarray([j[1] for j in jobs])
    curves = jax.jit(jax.vmap(lambda s, g: _orbit(game, pl, s, g, xlim, ylim, v0, ds, n)))(
        starts, signs)
    curves = np.asarray(curves)
    for c, (_, _, role, origin) in zip(curves, jobs):
        out.append(Orbit(np.concatenate([origin[None], c]), role, np.asarray(origin)))
    return out


def iterates(game: Game, updater: Any, start, n: int, pl: Plane | None = None):
    """The states ``z_0 = start, z_1, ..., z_n`` of a discrete ``updater`` (``init``/``step``).

    ``start`` is a ``State`` (or an in-plane point when ``pl`` is given). Returns the stacked
    ``State`` of the ``n + 1`` iterates, or their in-plane ``(n + 1, 2)`` array with ``pl``.
    """
    if pl is not None and not isinstance(start, State):
        start = pl.to_state(*jnp.asarray(start, jnp.float64))
    start = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), as_state(start))

    @jax.jit
    def run(s0):
        u0 = updater.init(game, s0)

        def body(carry, _):
            s, u = carry
            s, u = updater.step(game, s, u)
            return (s, u), s

        _, hist = jax.lax.scan(body, (s0, u0), None, length=n)
        return jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), s0, hist)

    hist = run(start)
    if pl is None:
        return hist
    return np.asarray(jax.vmap(pl.coords)(hist))


# -- everything together --------------------------------------------------------------------
class Portrait(NamedTuple):
    """All the data a phase portrait draws (see ``gandyn.plot.phase_portrait``)."""

    grid: FieldGrid
    equilibria: list
    separatrices: list
    trajectories: list       # Orbits: forward / backward flows
    iterates: dict           # label -> (n, 2) array of a discrete updater's iterates
    xlim: tuple
    ylim: tuple
    xlabel: str
    ylabel: str
    title: str


def portrait(game: Game, xlim, ylim, *, pl: Plane | None = None, x=None, y=None,
             n_grid: int = 41, starts: Sequence = (), t1: float = 20.0, backward: bool = False,
             n_steps: int = 2000, updaters: dict | None = None, n_iterates: int = 200,
             iterate_start=None, n_seeds: int = 12, with_separatrices: bool = True,
             title: str | None = None) -> Portrait:
    """Compute a whole portrait of ``game`` in the window ``xlim × ylim``.

    ``x``, ``y``: the axes as in :func:`plane` (default: D across for pointwise games).

    Args:
      starts: in-plane points from which the flow is drawn forward for time ``t1`` (and
        backward too when ``backward``).
      updaters: ``{label: updater}`` whose ``n_iterates`` iterates from ``iterate_start``
        (default: the first of ``starts``) are overlaid.
    """
    pl = pl or plane(game, x=x, y=y)
    grid = field_grid(game, pl, xlim, ylim, n_grid)
    eqs = find_equilibria(game, pl, xlim, ylim, n_seeds=n_seeds)
    seps = separatrices(game, pl, eqs, xlim, ylim) if with_separatrices else []
    trajs = []
    for s in starts:
        trajs.append(trajectory(game, pl, s, t1, n_steps, xlim, ylim))
        if backward:
            trajs.append(trajectory(game, pl, s, -t1, n_steps, xlim, ylim))
    its = {}
    if updaters:
        s0 = iterate_start if iterate_start is not None else (starts[0] if starts else None)
        if s0 is None:
            raise ValueError("updaters need a start: pass iterate_start or starts")
        for label, upd in updaters.items():
            its[label] = iterates(game, upd, s0, n_iterates, pl)
    return Portrait(grid, eqs, seps, trajs, its, tuple(xlim), tuple(ylim), pl.xlabel,
                    pl.ylabel, title if title is not None else game.name)
