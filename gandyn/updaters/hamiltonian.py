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
from gandyn.updaters._tree import field_and_vjp, scale, step_state
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["Hamiltonian", "hamiltonian", "hamiltonian_field"]


def hamiltonian_field(game, state) -> State:
    """``-∇H = -Jᵀv``: the direction Hamiltonian gradient descent follows."""
    v, vjp = field_and_vjp(game, state)
    return scale(-1.0, vjp(v))


@updater()
class Hamiltonian(Updater):
    lr_gen: float
    lr_disc: float
    name = "hamiltonian"

    def field(self, game, state) -> State:
        return hamiltonian_field(game, state)

    def _step(self, game, state, ustate):
        return step_state(state, self.field(game, state), self.lr_gen, self.lr_disc), ustate


def hamiltonian(lr, lr_disc: float | None = None) -> Hamiltonian:
    """Hamiltonian gradient descent with rates ``lr``/``lr_disc``."""
    return Hamiltonian(*player_lrs(lr, lr_disc))
