"""``gandyn`` command line: ``gandyn {atlas,check,dirac,figures,bench} ...``.

Each subcommand lives in ``gandyn/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; heavy imports (jax) happen inside ``run`` so ``--help`` stays instant.
A new subcommand is one new module plus its name in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("atlas", "check", "dirac", "kernel", "bifurcate", "animate", "figures", "bench",
            "train")


def _modules():
    for name in COMMANDS:
        try:
            yield name, importlib.import_module(f"gandyn.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"gandyn.commands.{name}":
                raise


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``gandyn check: error: ...`` on stderr, exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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


def attach_values(argv, options) -> list:
    """``[..., "--f2", "-x", ...]`` -> ``[..., "--f2=-x", ...]`` for each option in ``options``,
    so that a value starting with "-" is never read as an option."""
    out, it = [], iter(argv)
    for a in it:
        nxt = next(it, None) if a in options else None
        out.append(a if nxt is None else f"{a}={nxt}")
    return out


def main(argv=None) -> int:
    from gandyn.io import OutputError

    argv = list(sys.argv[1:] if argv is None else argv)
    options = {o for _, mod in _modules() for o in getattr(mod, "VALUE_OPTIONS", ())}
    args = build_parser().parse_args(attach_values(argv, options))
    try:
        return int(args._run(args) or 0)
    except OutputError as e:  # an --out that cannot be written: one line, exit 2
        print(f"gandyn {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
