"""Simultaneous gradient steps (both players move from the same state).

    g <- g + h_g v_gen(g, d),   d <- d + h_d v_disc(g, d)

With one rate h the map is ``z <- z + h v(z)`` whose Jacobian ``I + h v'(z*)`` has eigenvalues
``1 + h λ`` (Mescheder et al. 2017); unequal rates are TTUR (Heusel et al. 2017).
"""

from __future__ import annotations

from gandyn.updaters._tree import step_state
from gandyn.updaters.base import Updater, player_lrs, updater


@updater()
class Simultaneous(Updater):
    lr_gen: float
    lr_disc: float
    name = "simultaneous"

    def _step(self, game, state, ustate):
        # leafwise (pytree players) and in the state's dtype (float32 stays float32)
        return step_state(state, game.field(state), self.lr_gen, self.lr_disc), ustate


def simultaneous(lr, lr_disc: float | None = None) -> Simultaneous:
    """Simultaneous gradient steps with rate ``lr`` (and ``lr_disc`` for the discriminator)."""
    return Simultaneous(*player_lrs(lr, lr_disc))
