"""Alternating gradient steps: one player moves, then the other sees the new state.

With the discriminator first (the default, as in Goodfellow et al. 2014's Algorithm 1),
one step of the map is one full *round*:

    repeat n_disc times:  d <- d + h_d v_disc(g, d)
    repeat n_gen  times:  g <- g + h_g v_gen(g, d)

(``order="gen_first"`` swaps the two blocks). The game's projection (weight clipping) is
applied after EVERY player step, as in Arjovsky, Chintala & Bottou (2017), Algorithm 1, where
the critic's weights are clipped after each of its n_critic updates. On the bilinear game min_x max_y xy the round's
Jacobian is ``[[1 - n_g n_d h_g h_d, -n_g h_g], [n_d h_d, 1]]``: determinant 1 and trace
``2 - n_g n_d h_g h_d``, so the map is volume preserving and circles for
``n_g n_d h_g h_d < 4``; on the Dirac-GAN its eigenvalues are
``1 - α²/2 ± sqrt((1 - α²/2)² - 1)``, ``α = sqrt(n_g n_d) h f'(0)``
(Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually Converge?",
Lemma 2.3 / Appendix).
"""

from __future__ import annotations

import jax

from gandyn.games.base import State
from gandyn.updaters._tree import axpy
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["ORDERS", "Alternating", "alternating"]

ORDERS = ("disc_first", "gen_first")


def _repeat(n, body, x):
    if n == 1:
        return body(x)
    return jax.lax.fori_loop(0, n, lambda i, y: body(y), x)


def gen_moves(game, state: State, lr, n: int = 1) -> State:
    """``n`` generator steps with the discriminator frozen, each followed by the projection."""
    return _repeat(n, lambda s: game.project(State(axpy(lr, game.field(s).gen, s.gen), s.disc)),
                   state)


def disc_moves(game, state: State, lr, n: int = 1) -> State:
    """``n`` discriminator steps with the generator frozen, each followed by the projection."""
    return _repeat(n, lambda s: game.project(State(s.gen, axpy(lr, game.field(s).disc, s.disc))),
                   state)


def check_schedule(u) -> None:
    """An alternating schedule's ``order``, ``n_disc`` and ``n_gen`` are valid, else ValueError."""
    if u.order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {u.order!r}")
    for k in ("n_disc", "n_gen"):
        n = getattr(u, k)
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"{k} must be a positive int, got {n!r}")


@updater(meta=("n_disc", "n_gen", "order"))
class Alternating(Updater):
    lr_gen: float
    lr_disc: float
    n_disc: int = 1
    n_gen: int = 1
    order: str = "disc_first"
    name = "alternating"

    def __post_init__(self):
        check_schedule(self)

    def _step(self, game, state, ustate):
        if self.order == "disc_first":
            state = disc_moves(game, state, self.lr_disc, self.n_disc)
            state = gen_moves(game, state, self.lr_gen, self.n_gen)
        else:
            state = gen_moves(game, state, self.lr_gen, self.n_gen)
            state = disc_moves(game, state, self.lr_disc, self.n_disc)
        return state, ustate


def alternating(lr, lr_disc: float | None = None, *, n_disc: int = 1, n_gen: int = 1,
                order: str = "disc_first") -> Alternating:
    """Alternating steps: ``n_disc`` discriminator steps then ``n_gen`` generator steps per
    map step (``order="gen_first"`` for the reverse), rates ``lr`` / ``lr_disc``."""
    return Alternating(*player_lrs(lr, lr_disc), n_disc=n_disc, n_gen=n_gen, order=order)
