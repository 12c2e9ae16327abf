"""Periodic orbits of flows (shooting + Floquet multipliers) and invariant quadratic forms of maps.

Periodic orbits. A T-periodic orbit through x0 solves ``φ_T(x0) = x0`` (φ the game's flow). The
pair (x0, T) is not isolated (every point of the orbit will do), so one coordinate k is held at
its initial value (a Poincaré section ``x_k = c``; k is chosen where the field crosses the section
fastest) and Newton's method solves the n equations ``φ_T(x0) - x0 = 0`` for the other n - 1
coordinates and T (Keller 1968; Seydel, "Practical Bifurcation and Stability Analysis", 2010,
§7.3). Each Newton step solves its linear system with ``lineax.SVD`` (least squares, minimum
norm), so that it also converges on the *families* of orbits of a centre, where the system is
singular. φ_T comes from ``gandyn.ode.integrate`` (diffrax Tsit5, rtol = atol = 1e-12 by
default) and its derivatives by ``jax.jacrev`` through the solve.

Floquet multipliers are the eigenvalues of the monodromy matrix ``M = ∂φ_T/∂x0`` at the orbit.
One of them is always 1 (the flow direction); the orbit is orbitally stable when the others
lie inside the unit circle, unstable when one lies outside, ``neutral`` when they are on it
(a centre's orbits: M = I, both multipliers 1).

Non-smooth fields (``game.smooth`` false, e.g. WGAN-GP's jump at ψ = 0). Shooting itself
still works when the section lies where the field is smooth and the orbit crosses the switching
surface transversally (Newton converges, if the jump term missing from its Jacobian slows it),
but the variational equation integrated across a jump misses the saltation matrices
(Leine & Nijmeijer, "Dynamics and Bifurcations of Non-Smooth Mechanical Systems", 2004, §7.2),
so ``Φ(T)`` is not the monodromy matrix. For such games the multipliers are 1 and the
eigenvalues of the derivative of the Poincaré return map on the section, by central differences
of the return (``return_map_multipliers``), which needs no variational equation.

Invariant quadratic forms. A linear map ``z <- M z`` (an update rule linearised at its fixed
point) conserves ``E(z) = zᵀ Q z`` iff ``Mᵀ Q M = Q``; a positive definite Q makes the iterates
run on the ellipses ``E = const`` (invariant closed curves). ``invariant_quadratic_form`` solves
the linear equation for symmetric Q (null space by SVD). Alternating GD on the Dirac-GAN,
``M = [[1 - ab, -a], [b, 1]]`` with ``a = n_g h_g f'(0)``, ``b = n_d h_d f'(0)`` (disc first),
conserves ``E = b θ² + a ψ² + a b θ ψ``, positive definite iff ``a b < 4``, i.e.
``α = sqrt(n_g n_d) h f'(0) < 2`` (docs/change.md).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
from jax.flatten_util import ravel_pytree

from gandyn.analysis.discrete import update_jacobian
from gandyn.games.base import Game, State, as_state, from_fields
from gandyn.ode import integrate

__all__ = [
    "InvariantForm",
    "PeriodicOrbit",
    "cycle_branch",
    "fitted_exponent",
    "hopf_normal_form",
    "invariant_quadratic_form",
    "map_invariant_form",
    "monodromy",
    "periodic_orbit",
    "return_map_multipliers",
]


# -- the Hopf normal form (a game built from its two fields) ----------------------------------
def _hopf_x(x, y, p):
    return p[0] * x - p[1] * y + p[2] * x * (x * x + y * y)


def _hopf_y(x, y, p):
    return p[1] * x + p[0] * y + p[2] * y * (x * x + y * y)


def hopf_normal_form(mu=0.0, omega=1.0, l1=-1.0) -> Game:
    """The Hopf normal form as a game (Kuznetsov 2004, §3.4), ``gen = x``, ``disc = y``:

        ẋ = μ x - ω y + l₁ x (x² + y²),    ẏ = ω x + μ y + l₁ y (x² + y²).

    Rest point 0 with eigenvalues ``μ ± iω``; for ``l₁ < 0`` (supercritical) a stable cycle of
    radius ``sqrt(-μ/l₁)`` and period ``2π/ω`` exists for μ > 0.
    """
    f = lambda v: jnp.asarray(v, jnp.result_type(float))
    return from_fields("hopf", _hopf_x, _hopf_y, jnp.stack([f(mu), f(omega), f(l1)]),
                       equilibrium=State(f(0.0), f(0.0)), info=(("section", "normal form"),))


SAMPLES = 64

# -- shooting ----------------------------------------------------------------------------------
class PeriodicOrbit(NamedTuple):
    """A periodic orbit: ``state`` (flat, on the section), ``period``, ``multipliers``
    (Floquet, complex), ``stability`` ("stable", "unstable", "neutral"), ``amplitude``
    (largest distance of the orbit from its mean), ``residual`` ``‖φ_T(x0) - x0‖``,
    ``converged`` and ``samples (SAMPLES, n)`` equally spaced in time along one period."""

    state: np.ndarray
    period: float
    multipliers: np.ndarray
    stability: str
    amplitude: float
    residual: float
    converged: bool
    samples: np.ndarray

    def to_dict(self) -> dict:
        return {"state": [float(x) for x in self.state], "period": self.period,
                "multipliers": [[float(m.real), float(m.imag)] for m in self.multipliers],
                "stability": self.stability, "amplitude": self.amplitude,
                "residual": self.residual, "converged": self.converged}


@partial(jax.jit, static_argnums=(6,))
def _shoot(game: Game, template, x, T, rtol, atol, m=SAMPLES):
    """``(φ_T(x), ∂φ_T/∂x, v(φ_T(x)), φ_t(x) at m times in [0, T))`` by the variational
    equation ``Φ' = v'(φ) Φ``, ``Φ(0) = I``, integrated with the flow."""
    _, unravel = ravel_pytree(template)

    def flat_v(y):
        return ravel_pytree(game.field(unravel(y)))[0]

    def var_field(s):
        y, Phi = s.gen, s.disc
        v, jvp = jax.linearize(flat_v, y)
        return State(v, jax.vmap(jvp, in_axes=1, out_axes=1)(Phi))

    s0 = State(x, jnp.eye(x.shape[0], dtype=x.dtype))
    ts = jnp.linspace(0.0, T, m, endpoint=False)
    sol = integrate(game, s0, T, ts=ts, field=var_field, rtol=rtol, atol=atol,
                    max_steps=200_000)
    return sol.z_final.gen, sol.z_final.disc, flat_v(sol.z_final.gen), sol.zs.gen


def _template(state):
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.result_type(float)),
                                  as_state(state))


def monodromy(game: Game, state, period, *, rtol=1e-12, atol=1e-12) -> np.ndarray:
    """``∂φ_T/∂x0`` at ``state``, from the variational equation integrated with the flow."""
    s = _template(state)
    x, _ = ravel_pytree(s)
    return np.asarray(_shoot(game, s, x, jnp.asarray(period, x.dtype), rtol, atol)[1])


def _classify(mults, tol=1e-8) -> str:
    k = int(np.argmin(np.abs(mults - 1.0)))
    rest = np.delete(np.abs(mults), k)
    if np.any(rest > 1 + tol):
        return "unstable"
    if np.all(rest < 1 - tol):
        return "stable"
    return "neutral"


def periodic_orbit(game: Game, state, period, *, section: int | None = None,
                   rtol: float = 1e-12, atol: float = 1e-12, max_iter: int = 30,
                   tol: float = 1e-10) -> PeriodicOrbit:
    """A periodic orbit near ``state`` with period near ``period``, by shooting.

    Args:
      game: the game whose flow ``ż = v(z)`` is analysed.
      state: a point near the orbit (its ``section`` coordinate is kept fixed).
      period: the guess for T (e.g. ``2π/ω`` from the eigenvalues ``± iω`` at a Hopf point).
      section: the fixed coordinate (flat index); default where ``|v_k(state)|`` is largest.
      tol: Newton stops when ``‖φ_T(x0) - x0‖_∞ <= tol``.

    Returns:
      A ``PeriodicOrbit`` (``converged`` false when Newton did not reach ``tol`` or T <= 0).
    """
    s = _template(state)
    x0, unravel = ravel_pytree(s)
    n = x0.shape[0]
    if section is None:
        section = int(np.argmax(np.abs(np.asarray(ravel_pytree(game.field(s))[0]))))
    free = np.array([i for i in range(n) if i != section], dtype=int)
    x = np.asarray(x0, float).copy()
    T = float(period)
    r_norm = np.inf
    # first the return time alone (Gauss-Newton on T): on a centre's family of orbits this
    # already closes the orbit, and a joint step from a wrong T would fall onto the rest point
    for _ in range(max_iter):
        out = _shoot(game, s, jnp.asarray(x), T, rtol, atol)
        phi, v_end = np.asarray(out[0]), np.asarray(out[2])
        r = phi - x
        vv = float(v_end @ v_end)
        if not np.all(np.isfinite(r)) or vv == 0.0:
            break
        dT = -float(v_end @ r) / vv
        T += dT
        if abs(dT) <= 1e-13 * max(1.0, abs(T)):
            break
    for _ in range(max_iter):
        out = _shoot(game, s, jnp.asarray(x), T, rtol, atol)
        phi, Phi, v_end = (np.asarray(a) for a in out[:3])
        r = phi - x
        r_norm = float(np.max(np.abs(r)))
        if not np.isfinite(r_norm) or r_norm <= tol:
            break
        # d r / d(x_free, T) = [(Φ - I)[:, free], v(φ_T(x))]
        J = np.concatenate([(Phi - np.eye(n))[:, free], v_end[:, None]], axis=1)
        step = np.asarray(lx.linear_solve(lx.MatrixLinearOperator(jnp.asarray(J)),
                                          jnp.asarray(-r), lx.SVD()).value)
        x[free] += step[:-1]
        T += float(step[-1])
    ok = bool(np.isfinite(r_norm) and r_norm <= tol and T > 0)
    _, M, _, pts = _shoot(game, s, jnp.asarray(x), T, rtol, atol)
    mults = np.linalg.eigvals(np.asarray(M))
    if ok and not game.smooth:
        mults = return_map_multipliers(game, s, x, T, section, rtol=rtol, atol=atol)
    pts = np.asarray(pts)
    amp = float(np.max(np.linalg.norm(pts - pts.mean(axis=0), axis=1)))
    stability = _classify(mults)
    if amp <= 1e-9 * (1.0 + float(np.max(np.abs(x)))):
        # shooting fell onto a rest point (a 'cycle' of any period): not an orbit
        ok, stability = False, "rest point"
    return PeriodicOrbit(np.asarray(x), T, mults, stability, amp, r_norm, ok, pts)


def return_map_multipliers(game: Game, template, x, period, section: int, *, eps=1e-5,
                           rtol=1e-12, atol=1e-12) -> np.ndarray:
    """Floquet multipliers ``(1, eig DP)`` of the orbit through ``x`` (flat, on the section
    ``x_section = const``) from the Poincaré return map P, ``DP`` by central differences with
    step ``eps``; each return time by Newton on ``φ_τ(y)_section = x_section``. Valid across
    jumps of the field (no variational equation), to about ``eps²`` + the solver's tolerance."""
    s = _template(template)
    x = np.asarray(x, float)
    n = x.shape[0]
    free = np.array([i for i in range(n) if i != section], dtype=int)

    def ret(y):
        tau = float(period)
        for _ in range(30):
            out = _shoot(game, s, jnp.asarray(y), tau, rtol, atol)
            phi, v_end = np.asarray(out[0]), np.asarray(out[2])
            dt = -(phi[section] - y[section]) / v_end[section]
            tau += dt
            if abs(dt) <= 1e-14 * max(1.0, tau):
                break
        return np.asarray(_shoot(game, s, jnp.asarray(y), tau, rtol, atol)[0])[free]

    cols = []
    for i in free:
        e = np.zeros(n)
        e[i] = eps
        cols.append((ret(x + e) - ret(x - e)) / (2 * eps))
    DP = np.array(cols).T
    return np.concatenate([[1.0 + 0j], np.linalg.eigvals(DP).astype(complex)])


def cycle_branch(make_game, params, state, period, **kw) -> list:
    """Periodic orbits of ``make_game(p)`` for each p in ``params``, each shooting started
    from the previous orbit (natural continuation of cycles)."""
    out = []
    like = as_state(state)
    _, unravel = ravel_pytree(jax.tree_util.tree_map(jnp.asarray, like))
    for p in params:
        orb = periodic_orbit(make_game(p), state, period, **kw)
        out.append(orb)
        if orb.converged:
            state, period = unravel(jnp.asarray(orb.state)), orb.period
    return out


def fitted_exponent(xs, ys) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (e.g. amplitude against μ)."""
    return float(np.polyfit(np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float)), 1)[0])


# -- invariant quadratic forms of maps ---------------------------------------------------------
class InvariantForm(NamedTuple):
    """``Q`` (symmetric, ``‖Q‖_F = 1``, sign chosen so ``trace Q >= 0``) with ``Mᵀ Q M = Q``;
    ``definite`` when Q is positive definite (iterates stay on ellipses); ``dimension`` of the
    space of invariant forms; ``residual`` ``‖Mᵀ Q M - Q‖``."""

    Q: np.ndarray
    definite: bool
    dimension: int
    residual: float


def invariant_quadratic_form(M, rtol: float = 1e-10) -> InvariantForm | None:
    """A quadratic form conserved by the linear map ``z <- M z`` (None when there is none)."""
    M = np.asarray(M, float)
    n = M.shape[0]
    iu = np.triu_indices(n)
    basis = []
    for i, j in zip(*iu):
        E = np.zeros((n, n))
        E[i, j] = E[j, i] = 1.0
        basis.append((M.T @ E @ M - E).ravel())
    A = np.array(basis).T                      # columns: the operator on the symmetric basis
    _, s, vt = np.linalg.svd(A)
    null = s <= rtol * max(1.0, s[0])
    dim = int(np.sum(null)) + max(0, A.shape[1] - len(s))
    if dim == 0:
        return None
    q = vt[-1]
    Q = np.zeros((n, n))
    Q[iu] = q
    Q = Q + np.triu(Q, 1).T
    Q = Q / np.linalg.norm(Q)
    if np.trace(Q) < 0:
        Q = -Q
    definite = bool(np.all(np.linalg.eigvalsh(Q) > 1e-12))
    return InvariantForm(Q, definite, dim, float(np.linalg.norm(M.T @ Q @ M - Q)))


def map_invariant_form(game: Game, updater, state=None) -> InvariantForm | None:
    """``invariant_quadratic_form`` of the update map linearised at its fixed point."""
    return invariant_quadratic_form(np.asarray(update_jacobian(game, updater, state)))
