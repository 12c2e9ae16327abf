"""Consensus optimisation (Mescheder, Nowozin & Geiger 2017, "The Numerics of GANs").

Both players also descend the squared norm of the field, ``L(z) = ½‖v(z)‖²``:

    w(z)    = v(z) - γ ∇L(z) = v(z) - γ J(z)ᵀ v(z)      (J = v', the field's Jacobian)
    z_{k+1} = z_k + η w(z_k)                            (per-player rates η = (h_g, h_d))

``J(z)ᵀ v(z)`` is one reverse-mode pass (``jax.vjp`` of the field with cotangent v); the
Jacobian is never formed. Linearised at an equilibrium ``w' = J - γ JᵀJ``; on min_x max_y xy
(``JᵀJ = I``) the map's eigenvalues are ``1 - ηγ ± iη``: ``ρ² = (1 - ηγ)² + η²``; on the
Dirac-GAN the continuous eigenvalues are ``-γ f'(0)² ± i f'(0)``.
"""

from __future__ import annotations

from gandyn.games.base import State
from gandyn.updaters._tree import axpy, field_and_vjp, step_state
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["Consensus", "consensus", "consensus_field"]


def consensus_field(game, state, gamma) -> State:
    """``v - γ Jᵀv`` at ``state`` (one vjp)."""
    v, vjp = field_and_vjp(game, state)
    jtv = vjp(v)
    return State(axpy(-gamma, jtv.gen, v.gen), axpy(-gamma, jtv.disc, v.disc))


@updater()
class Consensus(Updater):
    lr_gen: float
    lr_disc: float
    gamma: float
    name = "consensus"

    def field(self, game, state) -> State:
        """The adjusted continuous field ``v - γ Jᵀv`` (its Jacobian gives the ODE spectrum)."""
        return consensus_field(game, state, self.gamma)

    def _step(self, game, state, ustate):
        return step_state(state, self.field(game, state), self.lr_gen, self.lr_disc), ustate


def consensus(lr, lr_disc: float | None = None, *, gamma: float = 1.0) -> Consensus:
    """Consensus optimisation with rates ``lr``/``lr_disc`` and regularisation ``gamma``."""
    return Consensus(*player_lrs(lr, lr_disc), gamma)
