"""Lookahead around any updater (Zhang, Lucas, Hinton & Ba 2019; for games, joint on both
players: Chavdarova et al. 2021, "Taming GANs with Lookahead-Minmax").

The inner (fast) updater takes ``k`` steps; then the slow weights move a fraction α of the
way towards the fast ones and the fast weights restart from them:

    every step:            (z, s_inner) <- inner.step(z, s_inner);  t <- t + 1
    when t reaches k:      φ <- φ + α (z - φ);  z <- φ;  t <- 0

State: ``(slow φ, inner counter t, inner updater state)``. One ``step`` is one *inner* step
(what a simulation counts); one step of the **map** whose spectrum ``update_jacobian``
measures is one full cycle of ``k`` inner steps (``steps_per_map = k``), started with
``t = 0`` and ``φ = z``. Around a linear inner map ``M`` the cycle is
``(1 - α) I + α M^k`` on the slow weights: eigenvalues ``1 - α + α μ^k`` for μ in spec M.

(``optax.lookahead`` implements the same rule for a single optimiser over ``LookaheadParams``;
here the synchronisation has to be joint over both players and wrap any updater, including
ones with their own memory such as extragradient or optimistic, so it is written out.)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from gandyn.updaters._tree import tmap
from gandyn.updaters.base import Updater, updater

__all__ = ["Lookahead", "LookaheadState", "lookahead"]


class LookaheadState(NamedTuple):
    slow: Any
    count: jax.Array
    inner: Any


@updater(meta=("k",))
class Lookahead(Updater):
    inner: Updater
    alpha: float = 0.5
    k: int = 5

    def __post_init__(self):
        if not isinstance(self.k, int) or self.k < 1:
            raise ValueError(f"lookahead k must be a positive int, got {self.k!r}")
        if not isinstance(self.inner, Updater):
            raise TypeError(f"lookahead wraps an Updater, got {type(self.inner).__name__}")

    @property
    def name(self):
        return f"lookahead({self.inner.name})"

    @property
    def steps_per_map(self) -> int:
        return self.k

    def init(self, game, state):
        return LookaheadState(state, jnp.zeros((), jnp.int32), self.inner.init(game, state))

    def _step(self, game, state, ustate):
        fast, inner = self.inner.step(game, state, ustate.inner)
        t = ustate.count + 1
        sync = t >= self.k

        def pull(slow, fst):
            a = jnp.asarray(self.alpha, fst.dtype)
            return jnp.where(sync, slow + a * (fst - slow), slow)

        slow = tmap(pull, ustate.slow, fast)
        fast = tmap(lambda s, f: jnp.where(sync, s, f), slow, fast)
        return fast, LookaheadState(slow, jnp.where(sync, 0, t).astype(jnp.int32), inner)


def lookahead(inner: Updater, *, alpha: float = 0.5, k: int = 5) -> Lookahead:
    """Lookahead with ``k`` inner steps of ``inner`` per synchronisation and slow rate ``alpha``."""
    return Lookahead(inner, alpha, k)
