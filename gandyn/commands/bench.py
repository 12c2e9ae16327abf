"""Benchmark the engine (runs the harness benchmarks/bench.py of a source checkout).

The harness times the engine against a scalar loop and numpy, a stability map, the compiled
memory of a large run, an FMA peak and the cold start of ``gandyn check``; see
``benchmarks/bench.py`` and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import importlib.util
import os

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "benchmarks", "bench.py")


def harness():
    """The harness module, or ``None`` outside a source checkout."""
    if not os.path.exists(HARNESS):
        return None
    spec = importlib.util.spec_from_file_location("gandyn_bench_harness", HARNESS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def add_arguments(parser) -> None:
    mod = harness()
    if mod is not None:
        mod.add_arguments(parser)


def run(args) -> int:
    import sys

    mod = harness()
    if mod is None:
        print(f"gandyn bench: error: {HARNESS} not found (the harness ships with the source "
              "checkout, not the installed package)", file=sys.stderr)
        return 2
    return mod.run(args)
