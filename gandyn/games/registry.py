"""The registry of built-in games, by section.

Each game module exposes ``ZOO``: a tuple of ``(name, factory)`` where ``factory()`` returns a
``Game`` with a known (or solved) equilibrium. A new game module adds one line to ``SECTIONS``.
"""

from __future__ import annotations

__all__ = ["SECTIONS", "all_games"]

SECTIONS = ("pointwise", "dirac", "bilinear")


def all_games() -> dict:
    """``{section: ((name, factory), ...)}`` for every section of ``SECTIONS``."""
    from gandyn.games import bilinear, dirac, pointwise

    modules = {"pointwise": pointwise, "dirac": dirac, "bilinear": bilinear}
    return {section: tuple(modules[section].ZOO) for section in SECTIONS}
