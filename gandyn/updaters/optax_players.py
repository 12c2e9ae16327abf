"""Any optax ``GradientTransformation`` per player (e.g. ``optax.sgd`` for G and ``optax.adam``
for D).

optax minimises: it turns a gradient into an update to *add*. gandyn's fields are ascent
directions, so each player's transformation is fed ``-v`` (the gradient of the loss it
descends) and its update is added after a per-player scale ``h`` (a traced leaf, default 1):

    u_g, s_g = tx_g.update(-v_gen(g, d), s_g, g);   g <- g + h_g u_g
    u_d, s_d = tx_d.update(-v_disc(g, d), s_d, d);  d <- d + h_d u_d

both from the same state (simultaneous; ``alternating=True`` lets the discriminator see the
new generator). With ``optax.sgd(η)`` and h = 1 this is exactly simultaneous gradient steps
with rate η. The transformations are static: a new ``optax.adam(...)`` object recompiles;
for traced rates pass a rate-free transformation (``optax.scale_by_adam()``, ``optax.sgd(1.)``)
and vary ``h``. Transformations whose state carries flags or counters (Adam's bias
correction, ``optimistic_gradient_descent``'s first-step flag) make the map non-autonomous;
``update_jacobian`` holds integer/bool leaves fixed after one warm-up step.
"""

from __future__ import annotations

from typing import Any

import optax

from gandyn.games.base import State
from gandyn.updaters._tree import axpy, scale
from gandyn.updaters.base import Updater, updater

__all__ = ["OptaxPlayers", "optax_players"]


@updater(meta=("gen_tx", "disc_tx", "alternating"))
class OptaxPlayers(Updater):
    gen_tx: Any
    disc_tx: Any
    lr_gen: float = 1.0
    lr_disc: float = 1.0
    alternating: bool = False
    name = "optax"

    def init(self, game, state):
        return (self.gen_tx.init(state.gen), self.disc_tx.init(state.disc))

    def _step(self, game, state, ustate):
        sg, sd = ustate
        v = game.field(state)
        ug, sg = self.gen_tx.update(scale(-1.0, v.gen), sg, state.gen)
        g = axpy(self.lr_gen, ug, state.gen)
        if self.alternating:
            v = game.field(State(g, state.disc))
        ud, sd = self.disc_tx.update(scale(-1.0, v.disc), sd, state.disc)
        d = axpy(self.lr_disc, ud, state.disc)
        return State(g, d), (sg, sd)


def optax_players(gen_tx: optax.GradientTransformation,
                  disc_tx: optax.GradientTransformation | None = None, *,
                  lr: float = 1.0, lr_disc: float | None = None,
                  alternating: bool = False) -> OptaxPlayers:
    """One optax transformation per player (``disc_tx`` defaults to ``gen_tx``); ``lr`` and
    ``lr_disc`` scale the updates (traced leaves)."""
    if not isinstance(gen_tx, optax.GradientTransformation):
        raise TypeError(f"gen_tx must be an optax.GradientTransformation, got {type(gen_tx).__name__}")
    disc_tx = gen_tx if disc_tx is None else disc_tx
    if not isinstance(disc_tx, optax.GradientTransformation):
        raise TypeError(f"disc_tx must be an optax.GradientTransformation, got {type(disc_tx).__name__}")
    return OptaxPlayers(gen_tx, disc_tx, lr, lr if lr_disc is None else lr_disc, alternating)
