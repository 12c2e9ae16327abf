"""``gandyn`` command line: ``gandyn {atlas,check,dirac,figures,bench} ...``.

Each subcommand lives in ``gandyn/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; heavy imports (jax) happen inside ``run`` so ``--help`` stays instant.
A new subcommand is one new module plus its name in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import re
import sys
import threading

from gandyn.io import OutputError, reason, remove_temporaries  # light: no jax

COMMANDS = ("atlas", "check", "dirac", "kernel", "bifurcate", "animate", "figures", "bench",
            "train", "serve")


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


#: what argparse takes for a negative number rather than an option: its own pattern knows
#: only "-1" and "-.5", so "--domain -1e3 5" read "-1e3" as an unknown option
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                             re.IGNORECASE)

#: user text echoed in an error message is cut to this many characters
ECHO_LIMIT = 60


def shorten(message: str, limit: int = ECHO_LIMIT) -> str:
    """``message`` with every quoted piece longer than ``limit`` characters cut to its first
    two thirds and its last third (``'aaaa...aa' (5000 characters)``; a path keeps its file
    name): an error line echoes the user's text, not a page of it."""

    def cut(m):
        q, body = m.group(1), m.group(2)
        head, tail = body[:2 * limit // 3], body[-(limit // 3):]
        return f"{q}{head}...{tail}{q} ({len(body)} characters)"

    # an opening quote follows no letter: the prime of f1'(D0) is no quote
    return re.sub(r"(?<!\w)(['\"])((?:(?!\1).){%d,})\1" % (limit + 1), cut, str(message))


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``gandyn check: error: ...`` on stderr, exit status 2.
    A value such as ``-1e3`` is a negative number, not an option (``NEGATIVE_NUMBER``)."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {shorten(' '.join(str(message).split()))} "
                     "(see --help)\n")


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


#: exit status and the one line printed for each signal a command ends on
_SIGNALS = {"SIGINT": (130, "interrupted"), "SIGTERM": (143, "terminated")}


class _Exit:
    """How the process ends on Ctrl-C or SIGTERM: at once, one line, no temporary file, status
    130 or 143, from whichever thread sees the signal first.

    Python runs a signal handler only between bytecodes of the main thread, so a handler alone
    cannot stop a command while XLA compiles or runs (or while jax is imported). The C-level
    wakeup fd also wakes a daemon thread, which ends the process itself. Nothing is unwound:
    the temporary files of writes in flight are removed from their list in ``gandyn.io``, and
    the end is ``os._exit``, since the interpreter's teardown while XLA threads still run can
    crash (SIGSEGV) and a KeyboardInterrupt raised inside an import or a C callback can abort.
    """

    def __init__(self, label: str):
        import signal

        self.label, self.signal = label, signal
        self.code = self.word = None  # the status and the word of the first signal
        self.lock = threading.RLock()  # one exit; a second signal during it changes nothing

    def install(self) -> None:
        signal = self.signal
        nums = {getattr(signal, name).value: name for name in _SIGNALS}
        r, w = os.pipe()
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        for num in nums:
            # a SIGINT ignored by the parent (a job started with `&` by a script) stays ignored
            if signal.getsignal(num) is not signal.SIG_IGN:
                signal.signal(num, lambda signum, frame: self.die(signum))

        def watch():
            while True:
                for b in os.read(r, 64):
                    if b in nums:
                        self.die(b)

        threading.Thread(target=watch, name="gandyn-signals", daemon=True).start()

    def finish(self, rc: int):
        """End the process with ``rc`` once the command is done: no interpreter teardown, so a
        signal from here on meets no half-finalised interpreter (it exited -2 there) and XLA's
        threads are not joined. Every file is already complete (written atomically)."""
        with self.lock:  # a signal now waits for this exit (or, in this thread, takes it over)
            try:
                sys.stdout.flush()
            except Exception as e:  # a closed or full stdout at the very end: one line, exit 2
                sys.stderr.write(f"{self.label}: error: {e}\n")
                rc = 2
            try:
                sys.stderr.flush()
            finally:
                os._exit(rc)

    def die(self, signum: int):
        """Remove temporary files, print the one line, end the process (any thread)."""
        with self.lock:
            if self.code is None:
                self.code, self.word = _SIGNALS[self.signal.Signals(signum).name]
            try:
                remove_temporaries()  # imported at start-up: an import here could deadlock
                sys.stdout.flush()
            except Exception:  # a closed stdout or a list changing under us: exit regardless
                pass
            try:
                sys.stderr.write(f"{self.label}: {self.word}\n")
                sys.stderr.flush()
            finally:
                os._exit(self.code)


class _Stdout:
    """``sys.stdout`` whose write errors (a closed pipe, /dev/full) become one OutputError
    naming standard output, so the command ends with one line and exit 2."""

    def __init__(self, stream):
        self._stream = stream

    def _guard(self, call, *a):
        try:
            return call(*a)
        except OSError as e:
            _silence_stdout()
            raise OutputError(f"cannot write standard output: {reason(e)}") from None

    def write(self, text):
        return self._guard(self._stream.write, text)

    def flush(self):
        return self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """After a failed write to stdout, let the interpreter's final flush succeed silently."""
    sys.stdout = getattr(sys.stdout, "_stream", sys.stdout)
    with contextlib.suppress(OSError, ValueError):
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)


def main(argv=None) -> int:
    """The ``gandyn`` command. Called without ``argv`` (the console script, ``python -m
    gandyn``) it installs the signal handling first and ends the process itself
    (``_Exit.finish``: it never returns); with ``argv`` (from Python, the tests) it returns the
    exit status."""
    real = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    guess = next((a for a in argv if not a.startswith("-")), None)
    label = f"gandyn {guess}" if guess in COMMANDS else "gandyn"
    if real and threading.current_thread() is threading.main_thread():
        # first of all: a signal during the imports below (jax takes ~1 s) is handled too
        exit_ = _Exit(label)
        exit_.install()
        sys.stdout = _Stdout(sys.stdout)
        try:
            rc = _run(argv, label, exit_)
        except SystemExit as e:  # argparse: --help (0) or a refused option (2, line printed)
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        exit_.finish(rc)
    return _run(argv, label, None)


def _run(argv, label, exit_) -> int:
    try:
        parser = build_parser()
        if not argv:  # a bare `gandyn` shows what it can do
            parser.print_help()
            return 0
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        cmd = next((a for a in argv if not a.startswith("-")), None)
        if cmd in sub.choices:  # per subcommand: check's --pd takes several values, kernel's one
            argv = attach_values(argv, _single_value_options(sub.choices[cmd]))
        args = parser.parse_args(argv)  # a refused option: SystemExit(2) after one stderr line
        label = f"gandyn {args.command}"
        if exit_ is not None:
            exit_.label = label
        rc = int(args._run(args) or 0)
        sys.stdout.flush()
        return rc
    except OutputError as e:  # an --out or a stdout that cannot be written: one line, exit 2
        print(f"{label}: error: {shorten(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # called from Python (not the console script): no handlers
        print(f"{label}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
