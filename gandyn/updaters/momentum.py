"""Negative momentum (Gidel et al. 2019, "Negative Momentum for Improved Game Dynamics",
Eqs. (5)-(6)): heavy-ball steps with a momentum coefficient β (negative helps in games).

Simultaneous form, with the buffer ``m_k = z_k - z_{k-1}`` as the updater state:

    m_{k+1} = β m_k + η v(z_k),    z_{k+1} = z_k + m_{k+1}

Alternating form (``alternating=True``, the one Gidel et al. prove convergent on bilinear
games for β < 0): the generator moves first, then the discriminator sees the new generator:

    m_g ← β m_g + h_g v_gen(g, d),  g ← g + m_g
    m_d ← β m_d + h_d v_disc(g, d), d ← d + m_d

``init`` sets the buffer to 0, a fixed point of the augmented map at an equilibrium. Per
eigenvalue ``a`` of ``v'`` the simultaneous map satisfies ``λ² - (1 + β + ηa)λ + β = 0``; on
min_x max_y xy simultaneous steps diverge for every β, alternating steps circle (ρ = 1) at
β = 0 and converge for suitable β < 0.
"""

from __future__ import annotations

from gandyn.games.base import State
from gandyn.updaters._tree import add, axpy, scale, zeros_like
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["NegativeMomentum", "negative_momentum"]


@updater(meta=("alternating",))
class NegativeMomentum(Updater):
    lr_gen: float
    lr_disc: float
    beta: float = -0.5
    alternating: bool = True
    name = "negative_momentum"

    def init(self, game, state):
        return zeros_like(state)

    def _step(self, game, state, ustate):
        m = ustate
        if self.alternating:
            mg = axpy(self.lr_gen, game.field(state).gen, scale(self.beta, m.gen))
            g = add(state.gen, mg)
            md = axpy(self.lr_disc, game.field(State(g, state.disc)).disc, scale(self.beta, m.disc))
            return State(g, add(state.disc, md)), State(mg, md)
        v = game.field(state)
        mg = axpy(self.lr_gen, v.gen, scale(self.beta, m.gen))
        md = axpy(self.lr_disc, v.disc, scale(self.beta, m.disc))
        return State(add(state.gen, mg), add(state.disc, md)), State(mg, md)


def negative_momentum(lr, lr_disc: float | None = None, *, beta: float = -0.5,
                      alternating: bool = True) -> NegativeMomentum:
    """Heavy-ball steps with momentum ``beta`` (negative by default), alternating by default."""
    return NegativeMomentum(*player_lrs(lr, lr_disc), beta, alternating)
