"""Spectra of discrete update rules: ``jax.jacfwd`` through one step of the map.

A discrete update rule is a map of the *augmented* state ``x = (z, s)`` (players' state z and
the updater's memory s: previous field, momentum buffer, slow weights, optax moments...):

    x_{k+1} = F_h(x_k)

It converges locally to a fixed point x* iff the spectral radius of ``F_h'(x*)`` is < 1
(Mescheder et al. 2017, Prop. 3; Gidel et al. 2019 for the augmented maps of methods with
memory). ``update_jacobian`` is ``jax.jacfwd`` of one map step with respect to all the
floating-point leaves of ``(z, s)``, flattened in the order of ``jax.tree_util`` (generator,
discriminator, then the updater state's leaves); integer and boolean leaves (lookahead's inner
counter, optax's step count and first-step flag) are held fixed.

**One map step.** Usually one ``updater.step``; updaters that define ``steps_per_map``
(``Lookahead``: one full cycle of k inner steps, ending with the synchronisation) take that
many. ``Alternating`` already does a full round (n_disc + n_gen player steps) per ``step``.

**The fixed point of the augmented state.** ``fixed_point(game, updater, z*)`` builds it as

    s_0 = updater.init(game, z*);   (_, s*) = F(z*, s_0);   x* = (z*, s*)

i.e. ``init`` at z* followed by one warm-up map step. For every built-in updater ``init`` at
an equilibrium (v(z*) = 0) is already consistent — previous field v(z*) = 0 (optimistic,
extrapolation from the past), momentum 0, lookahead slow weights = z* with counter 0, optax
moments 0 — and the warm-up step leaves it unchanged; it only clears flags such as
``optax.scale_by_optimistic_gradient``'s first-step switch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from gandyn.analysis.spectrum import (
    discrete_verdict,
    eig_error_bounds,
    eigenvalues,
    spectral_radius,
    state_or_equilibrium,
)
from gandyn.games.base import Game
from gandyn.results import LABELS, RESULTS
from gandyn.util import is_float

__all__ = [
    "STABLE_LR_STATUS",
    "StableLR",
    "fixed_point",
    "map_step",
    "map_verdict",
    "max_stable_lr",
    "stability_map",
    "update_eigenvalues",
    "update_jacobian",
    "update_spectral_radius",
    "update_verdict",
]


def _steps(updater) -> int:
    return int(getattr(updater, "steps_per_map", 1))


def map_step(game: Game, updater, state, ustate):
    """One step of the map: ``steps_per_map`` calls of ``updater.step`` (usually one)."""
    n = _steps(updater)
    if n == 1:
        return updater.step(game, state, ustate)
    return jax.lax.fori_loop(0, n, lambda i, c: updater.step(game, *c), (state, ustate))


def _point(game: Game, state):
    state = state_or_equilibrium(game, state, "linearise the update map")
    # analysis is float64: python floats and ints become float64 arrays
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype=jnp.result_type(float)), state)


def fixed_point(game: Game, updater, state=None):
    """``(z*, s*)``: the augmented fixed point (``init`` at z* plus one warm-up map step)."""
    z = _point(game, state)
    s0 = updater.init(game, z)
    _, s = map_step(game, updater, z, s0)
    return z, s


def update_jacobian(game: Game, updater, state=None, ustate=None) -> jax.Array:
    """``F_h'(x*)``: ``jax.jacfwd`` of one map step over the flattened augmented state.

    Args:
      game: the game.
      updater: any ``Updater`` (its rates may be traced: jit/vmap over them).
      state: the point z* (default: ``game.equilibrium``).
      ustate: the updater state there (default: from ``fixed_point``).

    Returns:
      A square ``(n + m, n + m)`` matrix, n = scalars in z (generator first), m = floating
      scalars in the updater state.
    """
    if ustate is None:
        z, ustate = fixed_point(game, updater, state)
    else:
        z = _point(game, state)
    leaves, treedef = jax.tree_util.tree_flatten((z, ustate))
    leaves = [jnp.asarray(x) for x in leaves]
    mask = [is_float(x) for x in leaves]
    x0, unravel = ravel_pytree([x for x, m in zip(leaves, mask) if m])

    def flat_map(x):
        floats = iter(unravel(x))
        full = [next(floats) if m else leaf for leaf, m in zip(leaves, mask)]
        s, u = jax.tree_util.tree_unflatten(treedef, full)
        out = jax.tree_util.tree_leaves(map_step(game, updater, s, u))
        return ravel_pytree([jnp.asarray(o, x0.dtype) for o, m in zip(out, mask) if m])[0]

    return jax.jacfwd(flat_map)(x0)


def update_eigenvalues(game: Game, updater, state=None, ustate=None) -> jax.Array:
    """Eigenvalues of ``update_jacobian`` (closed form for 2×2, ``jnp.linalg.eig`` beyond)."""
    return eigenvalues(update_jacobian(game, updater, state, ustate))


def update_spectral_radius(game: Game, updater, state=None, ustate=None) -> jax.Array:
    """``ρ(F_h'(x*))``: the map converges locally iff ρ < 1, at rate ~ρ^k."""
    return spectral_radius(update_eigenvalues(game, updater, state, ustate))


def map_verdict(jac) -> jax.Array:
    """Integer into ``DISCRETE_VERDICTS`` for the map whose Jacobian is ``jac``: each ``|μ|``
    compared with 1 only as far as its own rounding bound allows (``eig_error_bounds``,
    docs/verdicts.md), not within a fixed ``1e-7``: ``|μ| = 1 - 1e-9`` of a well-conditioned
    map converges. A non-finite ``jac`` is marginal (the caller says undetermined).
    jit/vmap-able."""
    jac = jnp.asarray(jac)
    ok = jnp.all(jnp.isfinite(jac))
    safe = jnp.where(ok, jac, 0.0)  # LAPACK is not asked to factor NaN
    e, vecs = jnp.linalg.eig(safe)
    verd = discrete_verdict(e, err=eig_error_bounds(safe, e, vecs))
    return jnp.where(ok, verd, 1).astype(jnp.int32)


def update_verdict(game: Game, updater, state=None, ustate=None) -> jax.Array:
    """Integer into ``DISCRETE_VERDICTS``: 0 converges, 1 marginal, 2 diverges (``map_verdict``
    of ``update_jacobian``)."""
    return map_verdict(update_jacobian(game, updater, state, ustate))


STABLE_LR_STATUS = LABELS  # ``max_stable_lr`` returns one of ``results.STABLE_LR``


class StableLR(NamedTuple):
    """Result of ``max_stable_lr``: the rate and an ``RESULTS`` code (bracketed, unstable at lo, stable at hi)."""

    lr: jax.Array
    status: jax.Array


def max_stable_lr(game: Game, make_updater: Callable[[Any], Any], lo=1e-6, hi=10.0,
                  iters: int = 60, state=None) -> StableLR:
    """The largest stable learning rate, by bisection on the spectral radius.

    ``make_updater(h)`` builds the updater for rate h (e.g. ``lambda h: optimistic(h)``, or
    ``lambda h: simultaneous(h, 4 * h)`` for a TTUR ratio). With the bracket ``[lo, hi]``:

      * status ``bracketed``: ρ(lo) < 1 <= ρ(hi); bisection keeps ``a`` with ρ(a) < 1 and
        ``b`` with ρ(b) >= 1 for ``iters`` halvings; returns ``a`` (within (hi - lo) / 2^iters
        of a crossing of ρ = 1; the largest one if ρ crosses 1 only once in the bracket);
      * status ``unstable_at_lo``: ρ(lo) >= 1, returns 0 (no rate in the bracket converges;
        ``lo`` must be > 0 since ρ(0) = 1 for every rule);
      * status ``stable_at_hi``: ρ(hi) < 1, returns ``hi`` (a lower bound; widen the bracket).

    Pure and jit/vmap-able (``lo``, ``hi`` and the game's parameters may be traced; ``iters``
    is static).
    """
    def rho(h):
        return update_spectral_radius(game, make_updater(h), state)

    lo = jnp.asarray(lo, dtype=jnp.result_type(float))
    hi = jnp.asarray(hi, dtype=jnp.result_type(float))

    def body(_, ab):
        a, b = ab
        m = 0.5 * (a + b)
        ok = rho(m) < 1
        return jnp.where(ok, m, a), jnp.where(ok, b, m)

    a, _ = jax.lax.fori_loop(0, iters, body, (lo, hi))
    bad_lo, good_hi = rho(lo) >= 1, rho(hi) < 1
    status = jnp.where(bad_lo, RESULTS.unstable_at_lo,
                       jnp.where(good_hi, RESULTS.stable_at_hi, RESULTS.bracketed)).astype(jnp.int32)
    lr = jnp.where(bad_lo, 0.0, jnp.where(good_hi, hi, a))
    return StableLR(lr, status)


def stability_map(game: Game, make_updater: Callable[[Any, Any], Any], xs, ys,
                  state=None) -> jax.Array:
    """Spectral radius over a grid of two hyperparameters (vmapped, one compilation).

    ``make_updater(x, y)`` builds the updater (e.g. ``lambda h, g: consensus(h, gamma=g)``).
    Returns ``rho`` of shape ``(len(xs), len(ys))`` with ``rho[i, j]`` at ``(xs[i], ys[j])``
    (gandyn's one grid convention; ``gandyn.plot.stability_map`` draws it as is)
    (``indexing="ij"``); ``rho < 1`` is the region of local convergence.
    """
    xs = jnp.asarray(xs, dtype=jnp.result_type(float))
    ys = jnp.asarray(ys, dtype=jnp.result_type(float))
    if xs.ndim != 1 or ys.ndim != 1:
        raise ValueError(f"xs and ys must be 1-D grids, got shapes {xs.shape} and {ys.shape}")

    def one(x, y):
        return update_spectral_radius(game, make_updater(x, y), state)

    return jax.jit(jax.vmap(jax.vmap(one, in_axes=(None, 0)), in_axes=(0, None)))(xs, ys)
