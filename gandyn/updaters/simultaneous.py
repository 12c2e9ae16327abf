"""Simultaneous gradient steps (both players move from the same state).

    g <- g + h_g v_gen(g, d),   d <- d + h_d v_disc(g, d)

With one rate h the map is ``z <- z + h v(z)`` whose Jacobian ``I + h v'(z*)`` has eigenvalues
``1 + h λ`` (Mescheder et al. 2017); unequal rates are TTUR (Heusel et al. 2017).
"""

from __future__ import annotations

from typing import Optional

from gandyn.updaters.base import Updater, player_lrs, updater


@updater()
class Simultaneous(Updater):
    lr_gen: float
    lr_disc: float
    name = "simultaneous"

    def _step(self, game, state, ustate):
        v = game.field(state)
        return type(state)(state.gen + self.lr_gen * v.gen, state.disc + self.lr_disc * v.disc), ustate


def simultaneous(lr, lr_disc: Optional[float] = None) -> Simultaneous:
    """Simultaneous gradient steps with rate ``lr`` (and ``lr_disc`` for the discriminator)."""
    return Simultaneous(*player_lrs(lr, lr_disc))
