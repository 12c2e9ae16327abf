"""``ALL_UPDATERS``: name -> factory ``(lr) -> Updater`` with sensible default hyperparameters.

Generic tests and the CLI iterate over it; every factory takes the learning rate as its only
positional argument (one rate for both players). The rules of ``SCHEDULED`` play a schedule of
critic (discriminator) and generator steps; their factories also take ``n_disc``, the critic
steps per generator step, by default 1, as ``alternating(h)`` and every figure play.
``build_updater`` checks a requested schedule, ``schedule_text`` states the one an updater plays.
"""

from __future__ import annotations

import importlib

import numpy as np
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

__all__ = ["ALL_UPDATERS", "SCHEDULED", "build_updater", "schedule_of", "schedule_text"]

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
    "alternating": lambda lr=0.1, n_disc=1: alternating(lr, n_disc=n_disc),
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
    "drift_cancelled_alternating":
        lambda lr=0.1, n_disc=1: drift_cancelled_alternating(lr, n_disc=n_disc),
}

#: the rules whose factory takes ``n_disc`` (critic steps per generator step)
SCHEDULED = ("alternating", "drift_cancelled_alternating")


def build_updater(name: str, lr=0.1, *, n_disc=None):
    """``ALL_UPDATERS[name](lr)``, with ``n_disc`` critic steps per generator step when given.

    ValueError (one line) for an unknown name, for ``n_disc`` on a rule without a schedule, and
    for an ``n_disc`` that is not an integer >= 1 (a count of steps; bools refused too).
    """
    if name not in ALL_UPDATERS:
        raise ValueError(f"unknown update rule {name!r}; valid: {', '.join(ALL_UPDATERS)}")
    if n_disc is None:
        return ALL_UPDATERS[name](lr)
    if name not in SCHEDULED:
        raise ValueError(f"update rule {name!r} has no critic schedule to set: n_disc applies "
                         f"to {', '.join(SCHEDULED)} only")
    if isinstance(n_disc, bool) or not isinstance(n_disc, (int, np.integer)) or n_disc < 1:
        raise ValueError(f"n_disc must be an integer >= 1 (critic steps per generator step), "
                         f"got {n_disc!r}")
    return ALL_UPDATERS[name](lr, n_disc=int(n_disc))


def _steps(n: int, what: str) -> str:
    return f"{n} {what} step{'' if n == 1 else 's'}"


def schedule_of(u) -> tuple | None:
    """``(n_disc, n_gen, order)`` of an updater that plays a critic schedule, else None."""
    if getattr(u, "alternating", None) is True:          # negative momentum's alternating form
        return 1, 1, "disc_first"
    n_disc, n_gen = getattr(u, "n_disc", None), getattr(u, "n_gen", None)
    if n_disc is None or n_gen is None:
        return None
    return int(n_disc), int(n_gen), getattr(u, "order", "disc_first")


def schedule_text(u, *, name: bool = True) -> str | None:
    """The schedule an updater plays, e.g. ``"alternating, 1 critic step per generator step"``
    (``"..., generator first"`` for that order; ``name=False`` leaves out the rule's name and
    its comma); None for a rule without one."""
    sched = schedule_of(u)
    if sched is None:
        return None
    n_disc, n_gen, order = sched
    per = "per generator step" if n_gen == 1 else f"per {_steps(n_gen, 'generator')}"
    first = ", generator first" if order == "gen_first" else ""
    text = f"{_steps(n_disc, 'critic')} {per}{first}"
    return f"{u.name}, {text}" if name else text
