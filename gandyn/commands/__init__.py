"""One module per CLI subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""


def fail(command: str, msg) -> int:
    """Print ``gandyn <command>: error: <msg>`` on stderr (one line) and return exit code 2."""
    import sys

    from gandyn.cli import shorten

    print(f"gandyn {command}: error: {shorten(' '.join(str(msg).split()))}", file=sys.stderr)
    return 2


#: what each function of a loss triple rewards (the --f1 --f2 --f3 options of every command)
TRIPLE_ROLES = (("1", "the discriminator's reward on data"),
                ("2", "the discriminator's reward on generated samples"),
                ("3", "the generator's reward"))


def add_triple_arguments(parser, *, required: bool = True) -> None:
    """``--f1 --f2 --f3``: a loss triple as expressions in x or D (``gandyn.expr``)."""
    for k, what in TRIPLE_ROLES:
        parser.add_argument(f"--f{k}", required=required, default=None, metavar="EXPR",
                            help=f"f{k}(D): {what}, in x or D "
                                 f"({'required' if required else 'optional: a loss triple'})")


def parse_triple(args) -> list:
    """The loss triple ``--f1 --f2 --f3`` parsed (raises ``gandyn.expr.ExprError``)."""
    from gandyn.expr import parse

    return [parse(getattr(args, k)) for k in ("f1", "f2", "f3")]


def available_memory() -> int | None:
    """Bytes of memory this machine can still give (``MemAvailable`` of /proc/meminfo, else
    ``os.sysconf``); None where neither says."""
    import os

    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_refusal(what: str, nbytes: float, options: str) -> str | None:
    """The one-line refusal when the largest array of a run (``what``, ``nbytes``, set by
    ``options``) cannot fit in the memory available now, else None."""
    avail = available_memory()
    if avail is None or nbytes <= avail:
        return None
    return (f"{options}: {what} would take about {nbytes / 2**30:.3g} GiB, more than the "
            f"{avail / 2**30:.3g} GiB of memory available on this machine; choose smaller sizes")
