"""Nagarajan & Kolter's gradient penalty as a field adjustment (Nagarajan & Kolter 2017,
"Gradient descent GAN optimization is locally stable", Sec. 5).

The generator also descends the squared norm of the discriminator's field, the discriminator
is unchanged:

    w_gen = v_gen - η ∇_g ‖v_disc‖² = v_gen - 2η J_dgᵀ v_disc,    w_disc = v_disc

(one vjp). On the Dirac-GAN this is the regulariser ``NK(η)`` without noise: eigenvalues
``-η f'(0)² ± sqrt(η² f'(0)⁴ - f'(0)²)``; on min_x max_y xy the map is ``I + h(A - 2η P_g)``.
"""

from __future__ import annotations

import jax

from gandyn.games.base import State
from gandyn.updaters._tree import axpy
from gandyn.updaters.adjust import Adjustment, adjustment

__all__ = ["NKPenalty"]


@adjustment()
class NKPenalty(Adjustment):
    eta: float = 1.0
    name = "nk"

    def field(self, game, state) -> State:
        v, pull = jax.vjp(lambda g: game.field(State(g, state.disc)).disc, state.gen)
        grad = pull(v)[0]                     # J_dgᵀ v_disc = ½ ∇_g ‖v_disc‖²
        return State(axpy(-2 * self.eta, grad, game.field(state).gen), v)
