"""``gandyn`` command line: ``gandyn {atlas,check,dirac,figures,bench} ...``.

Each subcommand lives in ``gandyn/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; heavy imports (jax) happen inside ``run`` so ``--help`` stays instant.
A new subcommand is one new module plus its name in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("atlas", "check", "dirac", "figures", "bench", "bifurcate")


def _modules():
    for name in COMMANDS:
        try:
            yield name, importlib.import_module(f"gandyn.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"gandyn.commands.{name}":
                raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gandyn", description="A JAX laboratory for the dynamics of GAN training."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, mod in _modules():
        doc = (mod.__doc__ or "").strip().splitlines()
        p = sub.add_parser(name, help=doc[0] if doc else name, description=(mod.__doc__ or None),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
