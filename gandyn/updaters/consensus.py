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
from gandyn.updaters._tree import axpy, field_and_vjp
from gandyn.updaters.adjust import Adjusted, Adjustment, adjustment
from gandyn.updaters.base import player_lrs
from gandyn.updaters.simultaneous import Simultaneous

__all__ = ["Consensus", "consensus", "consensus_field"]


@adjustment()
class Consensus(Adjustment):
    """``v - γ Jᵀv`` (one vjp)."""

    gamma: float = 1.0
    name = "consensus"

    def field(self, game, state) -> State:
        v, vjp = field_and_vjp(game, state)
        jtv = vjp(v)
        return State(axpy(-self.gamma, jtv.gen, v.gen), axpy(-self.gamma, jtv.disc, v.disc))


def consensus_field(game, state, gamma) -> State:
    """``v - γ Jᵀv`` at ``state``."""
    return Consensus(gamma).field(game, state)


def consensus(lr, lr_disc: float | None = None, *, gamma: float = 1.0) -> Adjusted:
    """Consensus optimisation: the adjusted field, simultaneous steps ``lr``/``lr_disc``."""
    return Adjusted(Consensus(gamma), Simultaneous(*player_lrs(lr, lr_disc)))
