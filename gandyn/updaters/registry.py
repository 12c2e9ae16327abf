"""``ALL_UPDATERS``: name -> factory ``(lr) -> Updater`` with sensible default hyperparameters.

Generic tests and the CLI iterate over it; every factory takes the learning rate as its only
positional argument (one rate for both players).
"""

from __future__ import annotations

import importlib

import optax

from gandyn.updaters.adjust import Adjusted
from gandyn.updaters.alternating import alternating
from gandyn.updaters.cgd import cgd
from gandyn.updaters.consensus import consensus
from gandyn.updaters.drift import drift_cancelled, drift_cancelled_alternating
from gandyn.updaters.extragradient import extragradient, extrapolation_from_past
from gandyn.updaters.hamiltonian import hamiltonian
from gandyn.updaters.lola import la, lola
from gandyn.updaters.lookahead import lookahead
from gandyn.updaters.momentum import negative_momentum
from gandyn.updaters.optax_players import optax_players
from gandyn.updaters.optimistic import optimistic
from gandyn.updaters.sga import sga
from gandyn.updaters.simultaneous import simultaneous

__all__ = ["ALL_UPDATERS"]

# module-level transformations: one object, so jit caches hit across calls
_SGD = optax.sgd(1.0)
_ADAM = optax.scale_by_adam()


def _adjusted(module: str, cls: str):
    """``lr -> Adjusted(cls(), simultaneous(lr))`` for the ``Adjustment`` class ``cls`` of
    ``gandyn.updaters.<module>``, imported at first use: a new field adjustment is one line."""

    def make(lr=0.1):
        adj = getattr(importlib.import_module(f"gandyn.updaters.{module}"), cls)
        return Adjusted(adj(), simultaneous(lr))

    return make


def _optax_sgd_adam(lr=0.05):
    """G: plain SGD, D: Adam (rates scale the updates)."""
    return optax_players(_SGD, _ADAM, lr=lr)


ALL_UPDATERS = {
    "simultaneous": lambda lr=0.1: simultaneous(lr),
    "alternating": lambda lr=0.1: alternating(lr, n_disc=2, n_gen=1),
    "extragradient": lambda lr=0.1: extragradient(lr),
    "extrapolation_from_past": lambda lr=0.1: extrapolation_from_past(lr),
    "optimistic": lambda lr=0.1: optimistic(lr),
    "consensus": lambda lr=0.1: consensus(lr, gamma=1.0),
    "sga": lambda lr=0.1: sga(lr, lam=1.0),
    "cgd": lambda lr=0.1: cgd(lr, solver="cg"),
    "cgd_gmres": lambda lr=0.1: cgd(lr, solver="gmres"),
    "cgd_dense": lambda lr=0.1: cgd(lr, solver="dense"),
    "la": lambda lr=0.1: la(lr),
    "lola": lambda lr=0.1: lola(lr),
    "negative_momentum": lambda lr=0.1: negative_momentum(lr, beta=-0.5),
    "lookahead": lambda lr=0.1: lookahead(extragradient(lr), alpha=0.5, k=5),
    "hamiltonian": lambda lr=0.1: hamiltonian(lr),
    "nk": _adjusted("nk", "NKPenalty"),
    "optax": _optax_sgd_adam,
    "drift_cancelled": lambda lr=0.1: drift_cancelled(lr),
    "drift_cancelled_alternating": lambda lr=0.1: drift_cancelled_alternating(lr, n_disc=2),
}
