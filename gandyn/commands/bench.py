"""Benchmark the engine against a scalar Python loop and numpy.

The harness (``gandyn/commands/bench_harness.py``) times the engine against a scalar loop and
numpy, a stability map, the compiled memory of a large run, an FMA peak and the cold start of
``gandyn check``; ``benchmarks/RESULTS.md`` holds the measurements.
"""

from __future__ import annotations


def harness():
    """The harness module (inside the package: nothing is loaded from outside it)."""
    from gandyn.commands import bench_harness

    return bench_harness


def add_arguments(parser) -> None:
    harness().add_arguments(parser)


def run(args) -> int:
    return harness().run(args)
