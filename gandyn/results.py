"""One status vocabulary for every result gandyn returns (as diffrax and optimistix share
``RESULTS``).

``RESULTS`` is an ``IntEnum``: its members are plain integers, so a status is an int32 array
inside jit (``jnp.where(bad, RESULTS.non_finite, status)``) and a name outside
(``RESULTS(code).name``, ``label(code)``). The codes are grouped by who sets them:

============  ======================================================  =======================
codes         statuses                                                set by
============  ======================================================  =======================
0-4           running, converged, diverged, left domain, non-finite   ``gandyn.simulate``,
                                                                      ``check_triple``'s global test
5-8           reached t1, steady state, max steps, failed             ``gandyn.ode.integrate``
9-11          bracketed, unstable at lo, stable at hi                 ``max_stable_lr``
============  ======================================================  =======================

Their meanings are in ``docs/statuses.md``.
"""

from __future__ import annotations

import enum

import numpy as np

__all__ = ["LABELS", "NAMES", "ODE", "RESULTS", "STABLE_LR", "TRAJECTORY", "counts", "label"]

# (identifier, human label) for every code, in code order: the one definition
_TABLE = (
    ("running", "running"),
    ("converged", "converged"),
    ("diverged", "diverged"),
    ("left_domain", "left domain"),
    ("non_finite", "non-finite"),
    ("reached_t1", "reached t1"),
    ("steady_state", "steady state"),
    ("max_steps", "max steps"),
    ("failed", "failed"),
    ("bracketed", "bracketed"),
    ("unstable_at_lo", "unstable at lo"),
    ("stable_at_hi", "stable at hi"),
)

RESULTS = enum.IntEnum("RESULTS", [name for name, _ in _TABLE], start=0)
RESULTS.__doc__ = "Status codes of every gandyn result (integers, usable inside jit)."

#: identifiers (JSON keys) and human labels (tables), indexed by code
NAMES = tuple(name for name, _ in _TABLE)
LABELS = tuple(lab for _, lab in _TABLE)

#: the codes each producer can return
TRAJECTORY = tuple(RESULTS(c) for c in range(0, 5))
ODE = tuple(RESULTS(c) for c in range(5, 9))
STABLE_LR = tuple(RESULTS(c) for c in range(9, 12))


def label(code) -> str:
    """The human label of a status code (an int or a 0-d array)."""
    return LABELS[int(code)]


def counts(codes, group=TRAJECTORY, labels: bool = False) -> dict:
    """``{name: count}`` of an array of codes over the statuses of ``group`` (all of them,
    zeros included); ``labels=True`` keys by the human labels."""
    c = np.bincount(np.asarray(codes).ravel(), minlength=len(NAMES))
    keys = LABELS if labels else NAMES
    return {keys[s]: int(c[s]) for s in group}
