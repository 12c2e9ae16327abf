"""``gandyn`` command line: ``gandyn {atlas,check,dirac,figures,bench} ...``.

Each subcommand lives in ``gandyn/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; heavy imports (jax) happen inside ``run`` so ``--help`` stays instant.
A new subcommand is one new module plus its name in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import threading

COMMANDS = ("atlas", "check", "dirac", "kernel", "bifurcate", "animate", "figures", "bench",
            "train")


def _modules():
    for name in COMMANDS:
        try:
            yield name, importlib.import_module(f"gandyn.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"gandyn.commands.{name}":
                raise


def finite_float(lo: float = -math.inf, hi: float = math.inf, *, open_lo: bool = False):
    """argparse ``type``: a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``open_lo``); the
    error message states the bounds. NaN and ±inf are always refused."""

    def parse(text):
        try:
            x = float(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        bad = not math.isfinite(x) or x > hi or (x <= lo if open_lo else x < lo)
        if bad:
            rng = ("a finite number" if (lo, hi) == (-math.inf, math.inf) else
                   f"a finite number {'>' if open_lo else '>='} {lo:g}" if hi == math.inf else
                   f"a finite number in {'(' if open_lo else '['}{lo:g}, {hi:g}]")
            raise argparse.ArgumentTypeError(f"must be {rng}, got {text!r}")
        return x

    parse.__name__ = "finite_float"
    return parse


def bounded_int(lo: int, hi: int, why: str = ""):
    """argparse ``type``: an integer in ``[lo, hi]``; the message states the bounds (and why)."""

    def parse(text):
        try:
            n = int(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(
                f"must be an integer in [{lo}, {hi}]{f' ({why})' if why else ''}, got {text!r}")
        return n

    parse.__name__ = "bounded_int"
    parse.bounds = (lo, hi)
    return parse


#: bounds given to a plain ``type=int`` option that states none (counts, sizes, steps)
DEFAULT_INT_BOUNDS = (1, 10**9)


def _harden(parser) -> None:
    """Every ``type=float`` option refuses NaN/inf, every plain ``type=int`` is bounded."""
    for action in parser._actions:
        if action.type is float:
            action.type = finite_float()
        elif action.type is int:
            action.type = bounded_int(*DEFAULT_INT_BOUNDS)


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
        _harden(p)
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


def _single_value_options(parser) -> set:
    """Every option of ``parser`` that takes exactly one value: its value may start
    with "-" (``--f2 -x``, ``--lr -inf``) and is attached as ``--f2=-x`` (``attach_values``)."""
    out = set()
    for action in parser._actions:
        if action.option_strings and action.nargs is None and isinstance(
                action, (argparse._StoreAction, argparse._AppendAction)):
            out.update(action.option_strings)
    return out


GRACE_S = 1.0  # after Ctrl-C, how long the main thread may take to unwind by itself


def _interrupt_watchdog(label: str):
    """Make Ctrl-C exit 130 with one line within ~GRACE_S even while the main thread is inside
    a long XLA compile or run (Python runs signal handlers only between bytecodes of the main
    thread): the C-level wakeup fd wakes a daemon thread, which ends the process if the main
    thread has not unwound in time. Returns a function that uninstalls it."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        old_fd = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (ValueError, OSError):
        os.close(r), os.close(w)
        return lambda: None
    done = threading.Event()

    def watch():
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if done.is_set() or not data:
                return
            if signal.SIGINT in data and not done.wait(GRACE_S):
                sys.stderr.write(f"{label}: interrupted\n")
                sys.stderr.flush()
                os._exit(130)

    threading.Thread(target=watch, name="gandyn-sigint", daemon=True).start()
    # Ctrl-C landing inside a gc callback (jax registers one) is "ignored" with a printed
    # traceback; stay silent there: the watchdog above still ends the run with one line
    old_hook = sys.unraisablehook

    def hook(u):
        if not (u.exc_type and issubclass(u.exc_type, KeyboardInterrupt)):
            old_hook(u)

    sys.unraisablehook = hook

    def uninstall():
        done.set()
        sys.unraisablehook = old_hook
        signal.set_wakeup_fd(old_fd)
        os.close(w)

    return uninstall


def main(argv=None) -> int:
    from gandyn.io import OutputError

    real = argv is None  # the console script: install the Ctrl-C watchdog
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    cmd = next((a for a in argv if not a.startswith("-")), None)
    if cmd in sub.choices:  # per subcommand: check's --pd takes several values, kernel's one
        argv = attach_values(argv, _single_value_options(sub.choices[cmd]))
    args = parser.parse_args(argv)  # a refused option: SystemExit(2) after one stderr line
    label = f"gandyn {args.command}"
    uninstall = _interrupt_watchdog(label) if real else (lambda: None)
    try:
        return int(args._run(args) or 0)
    except OutputError as e:  # an --out that cannot be written: one line, exit 2
        print(f"{label}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{label}: interrupted", file=sys.stderr)
        if real:  # do not wait for worker threads (a compile in flight) at interpreter exit
            sys.stdout.flush(), sys.stderr.flush()
            os._exit(130)
        return 130
    finally:
        uninstall()


if __name__ == "__main__":
    sys.exit(main())
