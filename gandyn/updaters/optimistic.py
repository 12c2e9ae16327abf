"""Optimistic gradient (Daskalakis, Ilyas, Syrgkanis & Zeng 2018, "Training GANs with
Optimism"; generalised form of Mokhtari, Ozdaglar & Pattathil 2020):

    z_{k+1} = z_k + η ((α + β) v(z_k) - β v(z_{k-1}))

α = β = 1 is Daskalakis et al.'s ``z + 2η v(z_k) - η v(z_{k-1})``. The previous field is the
updater state; ``init`` sets it to ``v(z_0)`` (the first step is a plain gradient step, the
convention of ``optax.scale_by_optimistic_gradient``), which is 0 at an equilibrium: the
augmented fixed point. Per eigenvalue ``a`` of ``v'`` the augmented map has characteristic
polynomial ``λ² - (1 + (α+β)ηa)λ + βηa``; on min_x max_y xy (a = ±i, α = β = 1) it converges
iff ``η < 1/sqrt(3)``.

Same trajectories as ``optax_players(optax.optimistic_gradient_descent(η))``; this native form
keeps η, α, β as traced leaves (bisection, stability maps without recompiling).
"""

from __future__ import annotations

import jax.numpy as jnp

from gandyn.games.base import State
from gandyn.updaters._tree import step_state, tmap
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["Optimistic", "optimistic"]


@updater()
class Optimistic(Updater):
    lr_gen: float
    lr_disc: float
    alpha: float = 1.0
    beta: float = 1.0
    name = "optimistic"

    def init(self, game, state):
        return game.field(state)

    def _step(self, game, state, ustate):
        v = game.field(state)

        def mix(now, prev):
            a = jnp.asarray(self.alpha, now.dtype)
            b = jnp.asarray(self.beta, now.dtype)
            return (a + b) * now - b * prev

        return step_state(state, State(*tmap(mix, tuple(v), tuple(ustate))),
                          self.lr_gen, self.lr_disc), v


def optimistic(lr, lr_disc: float | None = None, *, alpha: float = 1.0,
               beta: float = 1.0) -> Optimistic:
    """Optimistic gradient with rates ``lr``/``lr_disc`` (α = β = 1: Daskalakis et al. 2018)."""
    return Optimistic(*player_lrs(lr, lr_disc), alpha, beta)
