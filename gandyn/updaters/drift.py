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

Alternating rounds (discriminator first: ``n_d`` steps of ``h_d``, then ``n_g`` of ``h_g``) follow
``Δt ṽ_d = u_d - (h_d/2) J_dd u_d - (n_d h_d/2) J_dg u_g`` and
``Δt ṽ_g = u_g - (h_g/2) J_gg u_g + (n_g h_g/2) J_gd u_d`` (``u_g = n_g h_g v_g``,
``u_d = n_d h_d v_d``; Rosca et al. 2021, Thm. 3.2; docs/change.md §2). The alternating steps of
``drift_cancelled_alternating`` use, for the player moving first (s = +1 disc first) and second,

    w_d = v_d + ½ [J (s n_g h_g v_g, h_d v_d)]_d,     w_g = v_g + ½ [J (h_g v_g, -s n_d h_d v_d)]_g,

each evaluated where that player steps; the round's modified flow is then ``(u_g, u_d)/Δt +
O(h²)``: the game's flow when ``n_g h_g = n_d h_d``, otherwise its per-player rescaling.
"""

from __future__ import annotations

from gandyn.games.base import State
from gandyn.updaters._tree import add, axpy, field_jvp, scale, step_state
from gandyn.updaters.alternating import _repeat, check_schedule
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["DriftCancelled", "DriftCancelledAlternating", "drift_cancelled",
           "drift_cancelled_alternating", "drift_cancelled_field"]


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


@updater(meta=("n_disc", "n_gen", "order"))
class DriftCancelledAlternating(Updater):
    lr_gen: float
    lr_disc: float
    n_disc: int = 1
    n_gen: int = 1
    order: str = "disc_first"
    name = "drift_cancelled_alternating"

    def __post_init__(self):
        check_schedule(self)

    def _w(self, game, s: State, first_is_disc: bool, player: str):
        # the sign of the interaction term: + for the player moving first, - for the second
        sgn = 1.0 if first_is_disc else -1.0
        v = game.field(s)
        if player == "disc":
            t = State(scale(sgn * self.n_gen * self.lr_gen, v.gen), scale(self.lr_disc, v.disc))
            return add(v.disc, scale(0.5, field_jvp(game, s, t).disc))
        t = State(scale(self.lr_gen, v.gen), scale(-sgn * self.n_disc * self.lr_disc, v.disc))
        return add(v.gen, scale(0.5, field_jvp(game, s, t).gen))

    def _step(self, game, state, ustate):
        first = self.order == "disc_first"
        disc = lambda s: State(s.gen, axpy(self.lr_disc, self._w(game, s, first, "disc"), s.disc))
        gen = lambda s: State(axpy(self.lr_gen, self._w(game, s, first, "gen"), s.gen), s.disc)
        blocks = [(disc, self.n_disc), (gen, self.n_gen)]
        for body, n in (blocks if first else blocks[::-1]):
            state = _repeat(n, body, state)
        return state, ustate


def drift_cancelled_alternating(lr, lr_disc: float | None = None, *, n_disc: int = 1,
                                n_gen: int = 1,
                                order: str = "disc_first") -> DriftCancelledAlternating:
    """Alternating steps on the drift-cancelled fields ``w_d``, ``w_g`` (module doc): the
    iterates follow ``(n_g h_g v_g, n_d h_d v_d)/h_g`` to O(h²) instead of O(h)."""
    return DriftCancelledAlternating(*player_lrs(lr, lr_disc), n_disc=n_disc, n_gen=n_gen,
                                     order=order)
