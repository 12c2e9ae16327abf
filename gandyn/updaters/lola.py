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
``∇_d I`` and ``∇_g J`` need the objectives, so LOLA requires a game built by
``from_objectives`` or ``zero_sum``. On min_x max_y xy the maps are ``I + η(A - αI)`` (LA)
and ``I + η(A - 2αI)`` (LOLA): eigenvalues ``1 - ηα ± iη`` and ``1 - 2ηα ± iη``.
"""

from __future__ import annotations

import jax

from gandyn.games.base import State, _GradOf
from gandyn.updaters._tree import axpy, cross_jvp, step_state
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["LookAheadOpponent", "la", "la_field", "lola", "lola_field"]


def la_field(game, state, alpha) -> State:
    """``v + α J_off v``."""
    v = game.field(state)
    c = cross_jvp(game, state, v)
    return State(axpy(alpha, c.gen, v.gen), axpy(alpha, c.disc, v.disc))


def _objective(field, argnum, who):
    if isinstance(field, _GradOf) and field.argnum == argnum:
        return field.objective
    raise ValueError(
        f"LOLA needs the {who}'s objective, but the game was built from fields: build it with "
        "gandyn.from_objectives(name, I, J) or gandyn.zero_sum(name, L), or use la() (LA "
        "needs only the fields)"
    )


def lola_field(game, state, alpha) -> State:
    """``v + α J_off v + α (J_dgᵀ ∇_d I, J_gdᵀ ∇_g J)``."""
    obj_g = _objective(game.v_gen, 0, "generator")
    obj_d = _objective(game.v_disc, 1, "discriminator")
    g, d, p = state.gen, state.disc, game.params
    la = la_field(game, state, alpha)
    dI_dd = jax.grad(obj_g, argnums=1)(g, d, p)     # how the generator's objective moves with d
    dJ_dg = jax.grad(obj_d, argnums=0)(g, d, p)
    _, vjp_dg = jax.vjp(lambda gg: game.field(State(gg, d)).disc, g)   # J_dgᵀ
    _, vjp_gd = jax.vjp(lambda dd: game.field(State(g, dd)).gen, d)    # J_gdᵀ
    shape_g = vjp_dg(dI_dd)[0]
    shape_d = vjp_gd(dJ_dg)[0]
    return State(axpy(alpha, shape_g, la.gen), axpy(alpha, shape_d, la.disc))


@updater(meta=("shaping",))
class LookAheadOpponent(Updater):
    lr_gen: float
    lr_disc: float
    alpha: float
    shaping: bool = False     # False: LA, True: LOLA

    @property
    def name(self):
        return "lola" if self.shaping else "la"

    def field(self, game, state) -> State:
        if self.shaping:
            return lola_field(game, state, self.alpha)
        return la_field(game, state, self.alpha)

    def _step(self, game, state, ustate):
        return step_state(state, self.field(game, state), self.lr_gen, self.lr_disc), ustate


def la(lr, lr_disc: float | None = None, *, alpha: float | None = None) -> LookAheadOpponent:
    """LA: each player ascends at the opponent's anticipated next point (α defaults to lr)."""
    lg, ld = player_lrs(lr, lr_disc)
    return LookAheadOpponent(lg, ld, lg if alpha is None else alpha, False)


def lola(lr, lr_disc: float | None = None, *, alpha: float | None = None) -> LookAheadOpponent:
    """LOLA: LA plus the opponent-shaping term (needs the objectives; α defaults to lr)."""
    lg, ld = player_lrs(lr, lr_disc)
    return LookAheadOpponent(lg, ld, lg if alpha is None else alpha, True)
