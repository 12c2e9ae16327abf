"""Small helpers shared across layers (the lowest layer: imports jax only)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax
import jax.numpy as jnp

__all__ = ["is_float", "log_sigmoid", "pytree_dataclass"]


def is_float(x) -> bool:
    """True for a python float or an array (or scalar) of an inexact dtype."""
    return isinstance(x, float) or (hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact))


def pytree_dataclass(meta: Sequence[str] = ()):
    """Class decorator: frozen dataclass registered as a pytree; fields named in ``meta`` are
    static (part of the tree structure), the rest are leaves (traceable numbers)."""

    def wrap(cls):
        cls = dataclasses.dataclass(frozen=True)(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        jax.tree_util.register_dataclass(
            cls, data_fields=[n for n in names if n not in meta],
            meta_fields=[n for n in names if n in meta])
        return cls

    return wrap


@jax.custom_jvp
def log_sigmoid(t):
    """``log σ(t) = -log(1 + e^{-t})``, stable for large ``|t|``."""
    return -jnp.logaddexp(0.0, -t)


# d/dt log σ(t) = σ(-t), one ``logistic`` op. Without this rule jax.grad differentiates
# logaddexp's own guarded JVP (exp, log1p, four selects per derivative), ~5x slower per step of
# the Dirac R1 game; higher derivatives (instance noise needs f'') go through σ.
log_sigmoid.defjvps(lambda dt, ans, t: jax.nn.sigmoid(-t) * dt)
