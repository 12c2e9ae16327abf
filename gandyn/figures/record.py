"""The record every figure module registers: ``Figure(name, caption, make)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Figure(NamedTuple):
    name: str            # file stem in figures/
    caption: str         # one sentence for the README
    make: Callable       # (smoke: bool) -> matplotlib Figure
