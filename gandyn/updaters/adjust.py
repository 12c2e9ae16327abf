"""Field adjustments: ``Game -> Game`` transforms, then any step rule.

Consensus optimisation, SGA, Hamiltonian descent, LA and LOLA each replace the field ``v`` by an
adjusted field ``w(z)`` built from ``v``, its Jacobian products and (LOLA) the objectives, and
then take an ordinary step. Here the two halves are separate pieces:

    adjusted = adjust(game, Consensus(gamma))          # a Game whose field is w
    u = Adjusted(Consensus(gamma), simultaneous(lr))   # any updater on the adjusted game

so alternating, extragradient or optax steps run on any adjusted field. An ``Adjustment`` is a
frozen dataclass registered as a pytree (its numbers are leaves: traced, vmappable) with one
method ``field(game, state) -> State``. A new field-adjusting rule is one such class, its test
and one line in ``ALL_UPDATERS``.

The adjusted game keeps the domain, projection, equilibrium and smoothness of the original;
its ``params`` are ``(original params, adjustment)`` and it has no objectives.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gandyn.games.base import Game, State
from gandyn.updaters.base import Updater, updater
from gandyn.util import pytree_dataclass

__all__ = ["Adjusted", "Adjustment", "adjust", "adjustment"]


adjustment = pytree_dataclass  # class decorator: fields in ``meta`` static, the rest leaves


class Adjustment:
    """Base: ``field(game, state) -> State``, the adjusted ascent field at ``state``."""

    name: str = "adjustment"

    def field(self, game: Game, state: State) -> State:
        raise NotImplementedError

    def __call__(self, game: Game) -> Game:
        return adjust(game, self)


@dataclasses.dataclass(frozen=True)
class _Part:
    """One player's part of the adjusted field; ``skeleton`` is the original game without its
    leaves (static and hashable), refilled from ``params = (params, adjustment)``."""

    skeleton: Game
    which: int

    def __call__(self, g, d, params):
        inner, adj = params
        return adj.field(self.skeleton.replace(params=inner), State(g, d))[self.which]


@dataclasses.dataclass(frozen=True)
class _Projection:
    projection: Any

    def __call__(self, state, params):
        return self.projection(state, params[0])


def adjust(game: Game, adj: Adjustment) -> Game:
    """The game whose field is ``adj.field(game, ·)``."""
    skeleton = game.replace(params=None, equilibrium=None)
    return game.replace(
        name=f"{adj.name}({game.name})",
        v_gen=_Part(skeleton, 0),
        v_disc=_Part(skeleton, 1),
        params=(game.params, adj),
        projection=None if game.projection is None else _Projection(game.projection),
        objectives=None,
    )


@updater()
class Adjusted(Updater):
    """``inner``'s step on the adjusted game ``adjust(game, adjustment)``."""

    adjustment: Any
    inner: Any

    @property
    def name(self):
        return self.adjustment.name

    def field(self, game, state) -> State:
        """The adjusted continuous field (its Jacobian gives the ODE spectrum)."""
        return self.adjustment.field(game, state)

    def init(self, game, state):
        return self.inner.init(adjust(game, self.adjustment), state)

    def step(self, game, state, ustate):
        return self.inner.step(adjust(game, self.adjustment), state, ustate)
