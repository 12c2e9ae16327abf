"""One module per CLI subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""


def fail(command: str, msg) -> int:
    """Print ``gandyn <command>: error: <msg>`` on stderr (one line) and return exit code 2."""
    import sys

    from gandyn.cli import shorten

    print(f"gandyn {command}: error: {shorten(' '.join(str(msg).split()))}", file=sys.stderr)
    return 2


def parse_triple(args) -> list:
    """The loss triple ``--f1 --f2 --f3`` parsed (raises ``gandyn.expr.ExprError``)."""
    from gandyn.expr import parse

    return [parse(getattr(args, k)) for k in ("f1", "f2", "f3")]
