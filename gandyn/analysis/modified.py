"""First-order modified flows of update rules (backward error analysis for two-player games).

An update rule with step h is a map ``z_{k+1} = F_h(z_k)``. Its *modified flow* ``ż = ṽ_h(z)`` is
the ODE whose time-``Δt`` flow agrees with ``F_h`` to ``O(h³)`` per step, so the iterates follow
``z(kΔt)`` of the modified flow to ``O(h²)`` over a fixed time horizon, while they follow the
game's own flow only to ``O(h)`` (Hairer, Lubich & Wanner, "Geometric Numerical Integration",
2006, Ch. IX; for two-player games Rosca, Wu, Qin & Dherin, "Discretization Drift in Two-Player
Games", ICML 2021, Thms. 3.1 and 3.2). Time is measured so that one map step lasts
``Δt = lr_gen`` (``step_time``). With ``H = diag(h_g, h_d)``, ``J = v'(z)`` and block Jacobians
``J_ab = ∂v_a/∂b`` (derivations in docs/change.md):

simultaneous (``z <- z + H v``):
    Δt ṽ = H v - ½ H J H v                         (h_g = h_d = h:  ṽ = v - (h/2) J v)

extragradient (``z <- z + H v(z + E v)``, extrapolation rates E):
    Δt ṽ = H v + H J (E - ½ H) v                   (E = H = h:  ṽ = v + (h/2) J v)

alternating, discriminator first, ``n_d`` steps of ``h_d`` then ``n_g`` of ``h_g``, with the
displacements ``u_g = n_g h_g v_g`` and ``u_d = n_d h_d v_d``:
    Δt ṽ_d = u_d - (h_d/2) J_dd u_d - (n_d h_d/2) J_dg u_g
    Δt ṽ_g = u_g - (h_g/2) J_gg u_g + (n_g h_g/2) J_gd u_d
(the player moving first drifts as under simultaneous steps, the second one's interaction term
flips sign; ``order="gen_first"`` swaps the roles).

drift_cancelled (``z <- z + H (v + ½ J H v)``):  Δt ṽ = H v  (the drift is cancelled);
drift_cancelled_alternating:  Δt ṽ = (u_g, u_d)  (``gandyn.updaters.drift``).

``leading_field`` is ``ṽ`` without the ``O(h)`` terms (``H v / Δt``, ``(u_g, u_d) / Δt``):
the flow the iterates follow to first order. ``drift_distances`` measures both distances at a horizon
and ``fitted_order`` the slope of ``log distance`` against ``log h``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.analysis.discrete import map_step
from gandyn.games.base import Game, State, as_state
from gandyn.ode import integrate

__all__ = [
    "MODIFIED_RULES",
    "drift_distances",
    "fitted_order",
    "iterate",
    "leading_field",
    "modified_field",
    "step_time",
]

MODIFIED_RULES = ("simultaneous", "alternating", "extragradient", "drift_cancelled",
                  "drift_cancelled_alternating")


def _tmap(f, *xs):
    return jax.tree_util.tree_map(f, *xs)


def _sc(c, a):
    return _tmap(lambda x: c * x, a)


def _rule(updater) -> str:
    name = getattr(updater, "name", type(updater).__name__)
    if name not in MODIFIED_RULES:
        raise ValueError(f"no modified flow for update rule {name!r}; known: "
                         f"{', '.join(MODIFIED_RULES)}")
    return name


def step_time(updater):
    """``Δt``: the flow time one map step stands for (the generator's rate ``lr_gen``)."""
    _rule(updater)
    return updater.lr_gen


def _blocks(game: Game, z: State, tg, td):
    """``(J (tg, 0), J (0, td))`` as States: the columns of J by player."""
    zeros = lambda a: _tmap(jnp.zeros_like, a)
    a = jax.jvp(game.field, (z,), (State(tg, zeros(z.disc)),))[1]
    b = jax.jvp(game.field, (z,), (State(zeros(z.gen), td),))[1]
    return as_state(a), as_state(b)


def _counts(updater):
    if getattr(updater, "name", "") in ("alternating", "drift_cancelled_alternating"):
        return updater.n_gen, updater.n_disc
    return 1, 1


def leading_field(game: Game, updater) -> Callable:
    """``z -> (n_g h_g v_g, n_d h_d v_d) / Δt``: the flow the iterates follow to O(h)."""
    _rule(updater)
    dt = step_time(updater)
    ng, nd = _counts(updater)

    def f(z):
        z = as_state(z)
        v = game.field(z)
        return State(_sc(ng * updater.lr_gen / dt, v.gen), _sc(nd * updater.lr_disc / dt, v.disc))

    return f


def modified_field(game: Game, updater) -> Callable:
    """``z -> ṽ_h(z)``: the first-order modified flow of ``updater`` (see the module doc)."""
    rule = _rule(updater)
    dt = step_time(updater)
    hg, hd = updater.lr_gen, updater.lr_disc

    def simultaneous_like(z, eg, ed):
        v = game.field(z)
        a, b = _blocks(game, z, _sc(eg - hg / 2, v.gen), _sc(ed - hd / 2, v.disc))
        jv = _tmap(lambda x, y: x + y, a, b)          # J (E - H/2) v
        return State(_tmap(lambda x, y: (hg * x + hg * y) / dt, v.gen, jv.gen),
                     _tmap(lambda x, y: (hd * x + hd * y) / dt, v.disc, jv.disc))

    def alternating(z):
        v = game.field(z)
        ng, nd = updater.n_gen, updater.n_disc
        ug, ud = _sc(ng * hg, v.gen), _sc(nd * hd, v.disc)
        a, b = _blocks(game, z, ug, ud)               # a = J(u_g, 0), b = J(0, u_d)
        s = 1.0 if updater.order == "disc_first" else -1.0
        gen = _tmap(lambda u, x, y: (u - hg / 2 * x + s * ng * hg / 2 * y) / dt, ug, a.gen, b.gen)
        disc = _tmap(lambda u, y, x: (u - hd / 2 * y - s * nd * hd / 2 * x) / dt,
                     ud, b.disc, a.disc)
        return State(gen, disc)

    def f(z):
        z = as_state(z)
        if rule == "simultaneous":
            return simultaneous_like(z, 0.0, 0.0)
        if rule == "extragradient":
            return simultaneous_like(z, updater.extra_gen, updater.extra_disc)
        if rule == "alternating":
            return alternating(z)
        return leading_field(game, updater)(z)        # drift-cancelled: no first-order drift

    return f


def iterate(game: Game, updater, z0, n):
    """The ``n``-th iterate of the update map from ``z0`` (``n`` may be traced)."""
    z0 = _tmap(jnp.asarray, as_state(z0))
    s0 = updater.init(game, z0)
    z, _ = jax.lax.fori_loop(0, n, lambda i, c: map_step(game, updater, *c), (z0, s0))
    return z


def _dist(a, b):
    la = jnp.concatenate([jnp.ravel(x) for x in jax.tree_util.tree_leaves(a)])
    lb = jnp.concatenate([jnp.ravel(x) for x in jax.tree_util.tree_leaves(b)])
    return jnp.linalg.norm(la - lb)


@jax.jit
def _distances(game, updater, z0, n, horizon, rtol, atol):
    z = iterate(game, updater, z0, n)
    lead, mod = leading_field(game, updater), modified_field(game, updater)

    def both(y):  # the two flows side by side: one solve, one compilation
        a, b = lead(State(y.gen[0], y.disc[0])), mod(State(y.gen[1], y.disc[1]))
        return State((a.gen, b.gen), (a.disc, b.disc))

    y0 = State((z0.gen, z0.gen), (z0.disc, z0.disc))
    yf = integrate(game, y0, horizon, field=both, rtol=rtol, atol=atol).z_final
    return jnp.stack([_dist(z, State(yf.gen[0], yf.disc[0])),
                      _dist(z, State(yf.gen[1], yf.disc[1]))])


def drift_distances(game: Game, make_updater: Callable, hs, z0, horizon: float = 1.0, *,
                    rtol: float = 1e-12, atol: float = 1e-14) -> dict:
    """Distances at ``t = horizon`` between the iterates and the two flows, for each rate h.

    ``make_updater(h)`` builds the rule; ``horizon / Δt`` must be an integer number of steps
    for each h (checked). The flows are integrated by ``gandyn.ode.integrate`` (Tsit5, tight
    tolerances, float64). Returns ``{"h", "leading", "modified"}`` arrays. One compiled
    program serves every h.
    """
    z0 = _tmap(lambda x: jnp.asarray(x, jnp.result_type(float)), as_state(z0))
    rows = []
    for h in hs:
        u = make_updater(float(h))
        dt = float(step_time(u))
        n = horizon / dt
        if abs(n - round(n)) > 1e-9 * max(1.0, n):
            raise ValueError(f"horizon {horizon} is not a whole number of steps of {dt}")
        rows.append(np.asarray(_distances(game, u, z0, int(round(n)), float(horizon),
                                          float(rtol), float(atol))))
    rows = np.array(rows)
    return {"h": np.asarray(hs, float), "leading": rows[:, 0], "modified": rows[:, 1]}


def fitted_order(hs, distances) -> float:
    """Least-squares slope of ``log distance`` against ``log h`` (the observed order)."""
    return float(np.polyfit(np.log(np.asarray(hs, float)), np.log(np.asarray(distances)), 1)[0])
