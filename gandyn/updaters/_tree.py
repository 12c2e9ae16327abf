"""Small pytree helpers shared by the update rules (private).

Player states may be pytrees (e.g. a discriminator with LeCam anchors), so every arithmetic
on a player goes through ``tree_map``; rates are cast to each leaf's dtype so that a float32
simulation stays float32 even when the rates are float64 tracers (vmapped stability maps).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from gandyn.games.base import State

tmap = jax.tree_util.tree_map


def axpy(lr, v, x):
    """``x + lr * v`` leafwise, in ``x``'s dtype."""
    return tmap(lambda xi, vi: xi + jnp.asarray(lr, jnp.result_type(xi)) * vi.astype(jnp.result_type(xi)),
                x, v)


def step_state(state: State, v: State, lr_gen, lr_disc) -> State:
    """``(g + h_g v_g, d + h_d v_d)``: one ascent step with per-player rates."""
    return State(axpy(lr_gen, v.gen, state.gen), axpy(lr_disc, v.disc, state.disc))


def add(a, b):
    return tmap(lambda x, y: x + y, a, b)


def sub(a, b):
    return tmap(lambda x, y: x - y, a, b)


def scale(c, a):
    return tmap(lambda x: jnp.asarray(c, jnp.result_type(x)) * x, a)


def zeros_like(a):
    return tmap(jnp.zeros_like, a)


def vdot(a, b):
    """Real inner product of two pytrees with the same structure."""
    leaves = jax.tree_util.tree_leaves(tmap(lambda x, y: jnp.sum(x * y), a, b))
    return sum(leaves, jnp.zeros((), jnp.result_type(*leaves) if leaves else jnp.float32))


def size(a) -> int:
    return sum(int(jnp.size(x)) for x in jax.tree_util.tree_leaves(a))


def field_jvp(game, state: State, tangent: State) -> State:
    """``J(z) t``: the field's Jacobian times a tangent (one forward-mode pass)."""
    return jax.jvp(game.field, (state,), (tangent,))[1]


def field_vjp(game, state: State, cotangent: State) -> State:
    """``J(z)ᵀ u``: the transposed Jacobian times a cotangent (one reverse-mode pass)."""
    _, pullback = jax.vjp(game.field, state)
    return _fix(pullback(cotangent)[0])


def field_and_vjp(game, state: State):
    v, pullback = jax.vjp(game.field, state)
    return v, lambda u: _fix(pullback(u)[0])


def cross_jvp(game, state: State, tangent: State) -> State:
    """``J_off t = (J_gd t_d, J_dg t_g)``: the off-diagonal blocks of the field's Jacobian
    times a tangent, i.e. the mixed second derivatives (how each player's field moves with the
    *other* player)."""
    g, d = state.gen, state.disc
    jg = jax.jvp(lambda dd: game.field(State(g, dd)).gen, (d,), (tangent.disc,))[1]
    jd = jax.jvp(lambda gg: game.field(State(gg, d)).disc, (g,), (tangent.gen,))[1]
    return State(jg, jd)


def _fix(s) -> State:
    return State(*s) if not isinstance(s, State) else s
