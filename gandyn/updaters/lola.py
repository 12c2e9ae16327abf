"""Look-ahead (LA) and learning with opponent-learning awareness (LOLA)
(Foerster et al. 2018, "Learning with Opponent-Learning Awareness"; first-order forms of
Letcher et al. 2019, "Stable Opponent Shaping in Differentiable Games", §2).

Letcher et al. write, for descent directions ξ = (∇_g ℓ_g, ∇_d ℓ_d) with Hessian H and its
off-diagonal part H_o, and look-ahead rate α:

    LA:    ξ - α H_o ξ
    LOLA:  ξ - α H_o ξ - α diag(H_oᵀ ∇L)        (∇L the players' full loss gradients)

In gandyn's ascent convention (each player ascends its objective, I for the generator and
J for the discriminator; ``v = -ξ``, ``J_off = -H_o``) each player anticipates the other's
gradient step of size α:

    LA:    v_LA   = v + α J_off v = (v_g + α J_gd v_d,  v_d + α J_dg v_g)
    LOLA:  v_LOLA = v_LA + α (J_dgᵀ ∇_d I,  J_gdᵀ ∇_g J)
    z_{k+1} = z_k + η v_·(z_k)        (per-player rates η = (h_g, h_d))

(LOLA's extra "shaping" term is the gradient through the opponent's update: player g ascends
``I(g, d + α v_d(g, d))``). ``J_off v`` is one jvp per block and ``J_dgᵀ u`` one vjp;
``∇_d I`` and ``∇_g J`` need the objectives: LOLA requires a game that declares them
(``game.objectives``; every built-in game does, as do ``from_objectives`` and ``zero_sum``). On min_x max_y xy the maps are ``I + η(A - αI)`` (LA)
and ``I + η(A - 2αI)`` (LOLA): eigenvalues ``1 - ηα ± iη`` and ``1 - 2ηα ± iη``.
"""

from __future__ import annotations

import jax

from gandyn.games.base import State
from gandyn.updaters._tree import axpy, cross_jvp
from gandyn.updaters.adjust import Adjusted, Adjustment, adjustment
from gandyn.updaters.base import player_lrs
from gandyn.updaters.simultaneous import Simultaneous

__all__ = ["LA", "LOLA", "la", "la_field", "lola", "lola_field"]


@adjustment()
class LA(Adjustment):
    """``v + α J_off v``: each player ascends at the opponent's anticipated next point."""

    alpha: float
    name = "la"

    def field(self, game, state) -> State:
        v = game.field(state)
        c = cross_jvp(game, state, v)
        return State(axpy(self.alpha, c.gen, v.gen), axpy(self.alpha, c.disc, v.disc))


@adjustment()
class LOLA(Adjustment):
    """``v + α J_off v + α (J_dgᵀ ∇_d I, J_gdᵀ ∇_g J)`` (needs ``game.objectives``)."""

    alpha: float
    name = "lola"

    def field(self, game, state) -> State:
        if game.objectives is None:
            raise ValueError(
                f"LOLA needs the players' objectives, but game {game.name!r} was built from "
                "fields: build it with gandyn.from_objectives(name, I, J), gandyn.zero_sum(name, "
                "L) or from_fields(..., objectives=(I, J)), or use la() (LA needs only the fields)")
        obj_g, obj_d = game.objectives
        g, d, p = state.gen, state.disc, game.params
        la = LA(self.alpha).field(game, state)
        dI_dd = jax.grad(obj_g, argnums=1)(g, d, p)     # how the generator's objective moves with d
        dJ_dg = jax.grad(obj_d, argnums=0)(g, d, p)
        _, vjp_dg = jax.vjp(lambda gg: game.field(State(gg, d)).disc, g)   # J_dgᵀ
        _, vjp_gd = jax.vjp(lambda dd: game.field(State(g, dd)).gen, d)    # J_gdᵀ
        shape_g = vjp_dg(dI_dd)[0]
        shape_d = vjp_gd(dJ_dg)[0]
        return State(axpy(self.alpha, shape_g, la.gen), axpy(self.alpha, shape_d, la.disc))


def la_field(game, state, alpha) -> State:
    """``v + α J_off v``."""
    return LA(alpha).field(game, state)


def lola_field(game, state, alpha) -> State:
    """``v + α J_off v + α (J_dgᵀ ∇_d I, J_gdᵀ ∇_g J)``."""
    return LOLA(alpha).field(game, state)


def la(lr, lr_disc: float | None = None, *, alpha: float | None = None) -> Adjusted:
    """LA: each player ascends at the opponent's anticipated next point (α defaults to lr)."""
    lg, ld = player_lrs(lr, lr_disc)
    return Adjusted(LA(lg if alpha is None else alpha), Simultaneous(lg, ld))


def lola(lr, lr_disc: float | None = None, *, alpha: float | None = None) -> Adjusted:
    """LOLA: LA plus the opponent-shaping term (needs the objectives; α defaults to lr)."""
    lg, ld = player_lrs(lr, lr_disc)
    return Adjusted(LOLA(lg if alpha is None else alpha), Simultaneous(lg, ld))
