"""Continuous-time training: integrate ``dz/dt = v(z)`` with diffrax.

The gradient flow is the ``h -> 0`` limit of every first-order update rule; its rest points'
stability is the sign of ``Re λ(v'(z*))`` (``gandyn.analysis.verdict``). ``integrate`` solves

    dz/dt = v(z(t)),   z(t0) = z0

with ``diffrax.diffeqsolve`` (Kidger 2021): adaptive Tsit5 (default) or Dopri5 under a PID
step-size controller, or fixed-step classical RK4 / Euler. It saves at chosen times, can stop at
a steady state (``diffrax.steady_state_event``: ``‖v(z)‖ < atol + rtol ‖z‖``), never raises
inside a batch (``throw=False``) and reports how the solve ended in ``ODEResult.status``.

Any field can be integrated, not only the game's: pass ``field=`` e.g.
``lambda z: consensus_field(game, z, gamma)`` for consensus optimisation's continuous flow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.base import Game, as_state
from gandyn.results import LABELS, RESULTS

__all__ = ["ODE_STATUSES", "RK4", "SOLVERS", "ODEResult", "integrate"]

ODE_STATUSES = LABELS  # ``integrate`` returns one of ``results.ODE``

_rk4_tableau = diffrax.ButcherTableau(
    c=np.array([0.5, 0.5, 1.0]),
    b_sol=np.array([1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    # embedded midpoint rule (y + h k2): the error estimate is unused with fixed steps
    b_error=np.array([1 / 6, -2 / 3, 1 / 3, 1 / 6]),
    a_lower=(np.array([0.5]), np.array([0.0, 0.5]), np.array([0.0, 0.0, 1.0])),
)


class RK4(diffrax.AbstractERK):
    """The classical fourth-order Runge–Kutta method (Kutta 1901), for fixed steps."""

    tableau = _rk4_tableau
    interpolation_cls = diffrax.ThirdOrderHermitePolynomialInterpolation.from_k

    def order(self, terms):
        del terms
        return 4


SOLVERS = {"tsit5": diffrax.Tsit5, "dopri5": diffrax.Dopri5, "rk4": RK4, "euler": diffrax.Euler}
_FIXED = ("rk4", "euler")


class ODEResult(NamedTuple):
    """What ``integrate`` returns (a pytree: vmap/jit friendly).

    ts: the save times; entries after an early steady-state stop are ``inf``.
    zs: the states at ``ts`` (``State`` with a leading time axis; ``inf`` after a stop).
    t_final, z_final: where the solve ended (t1, or the steady-state time).
    status: a ``RESULTS`` code: reached t1, steady state, max steps or failed
      (non-finite values, step size collapse).
    num_steps: accepted steps taken.
    """

    ts: jax.Array
    zs: Any
    t_final: jax.Array
    z_final: Any
    status: jax.Array
    num_steps: jax.Array


def integrate(game: Game, z0, t1, *, t0=0.0, ts=None,
              solver: str | diffrax.AbstractSolver = "tsit5", dt0=None,
              rtol: float = 1e-8, atol: float = 1e-10, steady_state: bool = False,
              steady_rtol: float = 1e-6, steady_atol: float = 1e-8,
              max_steps: int = 100_000, field: Callable | None = None) -> ODEResult:
    """Integrate the game's field from ``z0`` over ``[t0, t1]``.

    Args:
      game: the game (its ``field`` is integrated unless ``field`` is given).
      z0: initial ``State`` (pytree players allowed); its dtype is kept.
      t1, t0: the time interval.
      ts: times at which to save (1-D, within [t0, t1]); default: only t1.
      solver: ``"tsit5"`` (default, adaptive), ``"dopri5"`` (adaptive), ``"rk4"`` or
        ``"euler"`` (fixed step ``dt0``, required), or any diffrax solver instance.
      dt0: initial (adaptive) or fixed step; adaptive default lets diffrax choose.
      rtol, atol: PID controller tolerances (adaptive solvers).
      steady_state: stop once ``‖v(z)‖ < steady_atol + steady_rtol ‖z‖``.
      max_steps: cap on the number of steps (status ``max_steps`` when reached).
      field: optional ``State -> State`` replacing ``game.field``.

    Returns:
      An ``ODEResult``.
    """
    z0 = as_state(z0)
    z0 = jax.tree_util.tree_map(jnp.asarray, z0)
    if isinstance(solver, str):
        if solver not in SOLVERS:
            raise ValueError(f"unknown solver {solver!r}; valid: {sorted(SOLVERS)} or a diffrax solver")
        fixed = solver in _FIXED
        if fixed and dt0 is None:
            raise ValueError(f"solver {solver!r} takes fixed steps: pass dt0")
        solver_obj = SOLVERS[solver]()
    else:
        solver_obj = solver
        fixed = False
    if fixed:
        controller = diffrax.ConstantStepSize()
    else:
        controller = diffrax.PIDController(rtol=rtol, atol=atol)

    f = game.field if field is None else field

    def vf(t, y, args):
        # keep the state's dtype (a float64 game parameter must not up-cast a float32 state)
        return jax.tree_util.tree_map(lambda v, x: jnp.asarray(v, x.dtype), as_state(f(y)), y)

    term = diffrax.ODETerm(vf)
    if ts is None:
        ts = jnp.reshape(jnp.asarray(t1, dtype=jnp.result_type(float)), (1,))
    ts = jnp.asarray(ts)
    if ts.ndim != 1:
        raise ValueError(f"ts must be a 1-D array of save times, got shape {ts.shape}")
    # two sub-saves: the requested times, and wherever the solve ends (t1 or a steady state)
    saveat = diffrax.SaveAt(subs=[diffrax.SubSaveAt(ts=ts), diffrax.SubSaveAt(t1=True)])
    event = None
    if steady_state:
        event = diffrax.Event(diffrax.steady_state_event(rtol=steady_rtol, atol=steady_atol,
                                                         norm=_rms_norm))
    sol = diffrax.diffeqsolve(term, solver_obj, t0, t1, dt0, z0, saveat=saveat,
                              stepsize_controller=controller, event=event,
                              max_steps=max_steps, throw=False)
    ts_out, t_end = sol.ts
    # diffrax promotes y to the time dtype (float64 under x64): give the caller its dtype back
    zs, z_end = (jax.tree_util.tree_map(lambda y, x: y.astype(x.dtype), ys, z0) for ys in sol.ys)
    t_final = t_end[0]
    z_final = jax.tree_util.tree_map(lambda y: y[0], z_end)

    R = diffrax.RESULTS
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(z_final)]))
    status = jnp.where(
        (sol.result == R.event_occurred) & finite, RESULTS.steady_state,
        jnp.where((sol.result == R.successful) & finite, RESULTS.reached_t1,
                  jnp.where(sol.result == R.max_steps_reached, RESULTS.max_steps, RESULTS.failed)))
    return ODEResult(ts_out, as_state(zs), t_final, as_state(z_final),
                     status.astype(jnp.int32), sol.stats["num_accepted_steps"])


def _rms_norm(tree) -> jax.Array:
    leaves = [jnp.ravel(x) for x in jax.tree_util.tree_leaves(tree)]
    x = jnp.concatenate(leaves)
    return jnp.sqrt(jnp.mean(x * x))
