"""Hamiltonian gradient descent (Balduzzi et al. 2018, "The Mechanics of n-Player
Differentiable Games", §3; analysed by Loizou et al. 2020/2021).

Descend the Hamiltonian ``H(z) = ½‖v(z)‖²`` instead of following the field:

    z_{k+1} = z_k - η ∇H(z_k) = z_k - η J(z_k)ᵀ v(z_k)

(one ``jax.vjp``, no dense Jacobian; per-player rates η = (h_g, h_d)). Its fixed points are
all stationary points of H, including non-equilibria where J is singular. On min_x max_y xy
(``JᵀJ = I``) the map is ``(1 - η) I``: ``ρ = |1 - η|``.
"""

from __future__ import annotations

from gandyn.games.base import State
from gandyn.updaters._tree import field_and_vjp, scale
from gandyn.updaters.adjust import Adjusted, Adjustment, adjustment
from gandyn.updaters.base import player_lrs
from gandyn.updaters.simultaneous import Simultaneous

__all__ = ["Hamiltonian", "hamiltonian", "hamiltonian_field"]


@adjustment()
class Hamiltonian(Adjustment):
    """``-∇H = -Jᵀv``, H = ½‖v‖²."""

    name = "hamiltonian"

    def field(self, game, state) -> State:
        v, vjp = field_and_vjp(game, state)
        return scale(-1.0, vjp(v))


def hamiltonian_field(game, state) -> State:
    """``-∇H = -Jᵀv``: the direction Hamiltonian gradient descent follows."""
    return Hamiltonian().field(game, state)


def hamiltonian(lr, lr_disc: float | None = None) -> Adjusted:
    """Hamiltonian gradient descent with rates ``lr``/``lr_disc``."""
    return Adjusted(Hamiltonian(), Simultaneous(*player_lrs(lr, lr_disc)))
