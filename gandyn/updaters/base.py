"""The updater protocol: how a game is played, one discrete step at a time.

An updater is a small frozen dataclass registered as a JAX pytree (``updater``):
hyperparameters (learning rates, gamma, ...) are leaves, so an updater passes through ``jit``
without recompiling when only a rate changes, and can be built inside ``vmap`` from traced
rates (stability maps); anything that is not an array (an optax transformation, an inner
updater's class, integer step counts that shape the program) is static metadata.

    ustate = updater.init(game, state)               # momentum, previous field, slow weights...
    state, ustate = updater.step(game, state, ustate)

``step`` is a pure function of one (unbatched) state; the driver ``gandyn.simulate`` vmaps it
over a batch and scans it over time. Subclasses implement ``_step``; ``step`` applies the
game's projection (e.g. weight clipping) after every step when the game declares one.
Learning rates follow the field's *ascent* convention: ``z <- z + lr * v(z)``.
"""

from __future__ import annotations

from typing import Any

from gandyn.games.base import Game, State, as_state
from gandyn.util import pytree_dataclass

__all__ = ["Updater", "player_lrs", "updater"]


class Updater:
    """Base class: ``init(game, state) -> ustate`` and ``step(game, state, ustate)``."""

    name: str = "updater"

    def init(self, game: Game, state: State) -> Any:
        return ()

    def _step(self, game: Game, state: State, ustate: Any):
        raise NotImplementedError

    def step(self, game: Game, state, ustate):
        state, ustate = self._step(game, as_state(state), ustate)
        return game.project(state), ustate


updater = pytree_dataclass  # class decorator: fields in ``meta`` static, the rest leaves


def player_lrs(lr, lr_disc=None):
    """(lr_gen, lr_disc): one rate for both players unless the second is given (TTUR)."""
    return lr, (lr if lr_disc is None else lr_disc)
