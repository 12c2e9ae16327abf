"""Drift-cancelled simultaneous steps: Euler steps on the field plus half its drift.

Simultaneous steps ``z <- z + H v(z)`` (``H = diag(h_g, h_d)``) follow, to second order in the
step, the *modified* flow ``ż = H v - ½ H J H v`` (per unit of map time; J = v'(z)), not the
game's flow (Rosca, Wu, Qin, Dherin, "Discretization Drift in Two-Player Games", ICML 2021,
Thm. 3.1; derivation in docs/change.md). Stepping instead on

    w(z) = v(z) + ½ J(z) H v(z)              (one extra Jacobian-vector product)

cancels that first-order drift: the modified flow of ``z <- z + H w(z)`` is
``H w - ½ H J H w = H v + O(h²)``, so the iterates track the game's flow to O(h²) instead of
O(h) (measured in ``tests/test_modified.py``). Rosca et al. call the cancelling term an
explicit regulariser; this is its "cancel both drifts" choice.
"""

from __future__ import annotations

from gandyn.games.base import State
from gandyn.updaters._tree import add, field_jvp, scale, step_state
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["DriftCancelled", "drift_cancelled", "drift_cancelled_field"]


def drift_cancelled_field(game, state: State, lr_gen, lr_disc) -> State:
    """``v + ½ J H v`` at ``state`` with ``H = diag(lr_gen, lr_disc)``."""
    v = game.field(state)
    hv = State(scale(lr_gen, v.gen), scale(lr_disc, v.disc))
    return add(v, scale(0.5, field_jvp(game, state, hv)))


@updater()
class DriftCancelled(Updater):
    lr_gen: float
    lr_disc: float
    name = "drift_cancelled"

    def _step(self, game, state, ustate):
        w = drift_cancelled_field(game, state, self.lr_gen, self.lr_disc)
        return step_state(state, w, self.lr_gen, self.lr_disc), ustate


def drift_cancelled(lr, lr_disc: float | None = None) -> DriftCancelled:
    """Simultaneous steps on ``v + ½ J H v`` (rates ``lr`` / ``lr_disc``)."""
    return DriftCancelled(*player_lrs(lr, lr_disc))
