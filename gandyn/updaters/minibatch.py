"""Minibatches around any update rule: a fresh draw of the game's sample banks at every step.

A sampled game keeps its samples as parameters (e.g. ``game.params["data"]``,
``game.params["latents"]``: fixed banks make it a deterministic game). ``minibatch`` wraps
any ``Updater`` so that before each of its steps those banks are replaced by a fresh draw
``sampler(key)``, with the PRNG key carried in the updater state:

    key, k = split(key);  game' = game with params[name] = sampler_name(k_name);
    z, s_inner = inner.step(game', z, s_inner)

so simultaneous, alternating, extragradient, optax per player, ... all become stochastic
(minibatch) training with no change to the rule. Rates stay traced leaves of the inner rule.

``n_disc=k`` gives the critic schedule of Arjovsky, Chintala & Bottou 2017 ("Wasserstein
GAN", Algorithm 1): one map step is a round of k critic steps and one generator step, each
on its own fresh draw, and the game's projection (weight clipping) after EVERY critic step.
Each phase is one step of the inner rule on the game with the other player's field set to
zero, and the other player is held where it was; each phase keeps its own copy of the inner
rule's state, so a stateful rule (Adam moments, a previous field) of the critic only ever
sees critic steps and vice versa. (``alternating(n_disc=k)`` alone takes its k critic
steps, each projected, on one draw.) Rules that couple the players through
the Jacobian (consensus, SGA, LOLA) see the zero field of the held player in each phase.

Keys: ``init`` folds a digest of the initial state into ``key``, so trajectories that start
from different states (networks from different initialisation keys) draw independent
minibatch streams inside one ``gandyn.simulate`` run; for several streams from the same
start, build the wrapper inside ``jax.vmap`` over keys. Results are deterministic given the
key and the initial state.

Not in ``ALL_UPDATERS``: its factory needs the game's samplers, not only a rate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from gandyn.games.base import State
from gandyn.updaters.base import Updater, updater

__all__ = ["Minibatch", "MinibatchState", "minibatch", "state_digest"]


class MinibatchState(NamedTuple):
    key: jax.Array        # raw uint32 key data, shape (2,)
    inner: Any            # the inner rule's state; (critic's, generator's) when n_disc is set


@dataclasses.dataclass(frozen=True)
class _Held:
    """A player's field replaced by zero: that player does not move in this phase."""

    f: Callable
    is_gen: bool

    def __call__(self, g, d, params):
        return jax.tree_util.tree_map(jnp.zeros_like, g if self.is_gen else d)


def state_digest(z) -> jax.Array:
    """A uint32 digest of every bit of a state (the words of all leaves, mixed by odd
    multipliers; deterministic, jit-able)."""
    words = []
    for x in jax.tree_util.tree_leaves(z):
        x = jnp.ravel(jnp.asarray(x))
        if x.dtype.itemsize == 8:
            x = jax.lax.bitcast_convert_type(x, jnp.uint32).ravel()
        elif x.dtype.itemsize == 4:
            x = jax.lax.bitcast_convert_type(x, jnp.uint32)
        else:
            x = x.astype(jnp.uint32)
        words.append(x)
    if not words:
        return jnp.zeros((), jnp.uint32)
    w = jnp.concatenate(words)
    mult = jnp.arange(w.shape[0], dtype=jnp.uint32) * jnp.uint32(0x9E3779B1) + jnp.uint32(1)
    h = w * (mult | jnp.uint32(1))
    return jnp.sum(h ^ (h >> 15), dtype=jnp.uint32)


def _raw_key(key) -> jax.Array:
    """uint32 key data from an int seed, a raw key or a typed ``jax.random.key``."""
    if isinstance(key, int):
        return jax.random.PRNGKey(key)
    if jax.dtypes.issubdtype(getattr(key, "dtype", None), jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return jnp.asarray(key).astype(jnp.uint32)


@updater(meta=("samplers", "n_disc", "fold_state"))
class Minibatch(Updater):
    inner: Updater
    key: Any
    samplers: tuple = ()
    n_disc: int | None = None
    fold_state: bool = True

    def __post_init__(self):
        if not isinstance(self.inner, Updater):
            raise TypeError(f"minibatch wraps an Updater, got {type(self.inner).__name__}")
        if self.n_disc is not None and (not isinstance(self.n_disc, int) or self.n_disc < 1):
            raise ValueError(f"n_disc must be None or a positive int, got {self.n_disc!r}")

    @property
    def name(self):
        return f"minibatch({self.inner.name})"

    def draw(self, game, key):
        """``game`` with every sample bank replaced by ``sampler(k)`` (one subkey per bank),
        cast to the bank's dtype."""
        params = game.params
        named = hasattr(params, "_fields")          # a NamedTuple (gandyn.games.sampled)
        if not (named or isinstance(params, Mapping)):
            raise TypeError("minibatch needs game.params to be a mapping or NamedTuple holding "
                            "the sample banks")
        params = params._asdict() if named else dict(params)
        keys = jax.random.split(key, len(self.samplers))
        for (name, fn), k in zip(self.samplers, keys):
            if name not in params:
                raise KeyError(f"game.params has no sample bank {name!r}; it has {sorted(params)}")
            params[name] = jnp.asarray(fn(k), jnp.result_type(params[name]))
        return game.replace(params=type(game.params)(**params) if named else params)

    def _held(self, game, hold_gen: bool):
        if hold_gen:
            return game.replace(v_gen=_Held(game.v_gen, True))
        return game.replace(v_disc=_Held(game.v_disc, False))

    def init(self, game, state):
        key = _raw_key(self.key)
        if self.fold_state:
            key = jax.random.fold_in(key, state_digest(state))
        if self.n_disc is None:
            return MinibatchState(key, self.inner.init(game, state))
        return MinibatchState(key, (self.inner.init(self._held(game, True), state),
                                    self.inner.init(self._held(game, False), state)))

    def step(self, game, state, ustate):
        state = State(*state)
        if self.n_disc is None:
            key, sub = jax.random.split(ustate.key)
            state, inner = self.inner.step(self.draw(game, sub), state, ustate.inner)
            return state, MinibatchState(key, inner)

        def critic(_, carry):
            z, key, cs = carry
            key, sub = jax.random.split(key)
            z2, cs = self.inner.step(self._held(self.draw(game, sub), True), z, cs)
            return State(z.gen, z2.disc), key, cs       # projection applied by inner.step

        cs, gs = ustate.inner
        state, key, cs = jax.lax.fori_loop(0, self.n_disc, critic, (state, ustate.key, cs))
        key, sub = jax.random.split(key)
        z2, gs = self.inner.step(self._held(self.draw(game, sub), False), state, gs)
        state = game.project(State(z2.gen, state.disc))
        return state, MinibatchState(key, (cs, gs))


def minibatch(inner: Updater, samplers: Mapping[str, Callable], key=0, *,
              n_disc: int | None = None, fold_state: bool = True) -> Minibatch:
    """Wrap ``inner`` so that each step sees a fresh draw of the game's sample banks.

    Args:
      inner: any ``gandyn.updaters`` rule.
      samplers: ``{param name: sampler}``, each ``sampler(key) -> array`` shaped like the bank
        ``game.params[name]`` it replaces (e.g. ``functools.partial(gandyn.data.ring, n=256)``).
        Use module-level functions or partials built once: they are static (hashed).
      key: an int seed or a ``jax.random`` key (a traced leaf: vmap over it for an ensemble).
      n_disc: ``None``: one inner step per map step; ``k``: Arjovsky et al.'s round of k critic
        steps (each on a fresh draw, projected) and one generator step.
      fold_state: fold a digest of the initial state into the key in ``init``.
    """
    if not isinstance(samplers, Mapping) or not samplers:
        raise ValueError("samplers must be a non-empty mapping {param name: sampler(key)}")
    return Minibatch(inner, _raw_key(key), tuple(sorted(samplers.items())), n_disc, fold_state)
