"""The registry of built-in games, by section.

Each game module exposes ``ZOO``: a tuple of ``(name, factory)`` where ``factory()`` returns a
``Game`` with a known (or solved) equilibrium. A new game module adds one import line here.
"""

from __future__ import annotations

import importlib

SECTIONS = ("pointwise", "dirac", "bilinear")


def all_games() -> dict:
    """``{section: ((name, factory), ...)}`` for the sections whose module exists."""
    out = {}
    for section in SECTIONS:
        try:
            mod = importlib.import_module(f"gandyn.games.{section}")
        except ModuleNotFoundError as e:  # a section not built yet
            if e.name != f"gandyn.games.{section}":
                raise
            continue
        out[section] = tuple(getattr(mod, "ZOO", ()))
    return out
