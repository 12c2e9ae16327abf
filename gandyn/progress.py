"""One progress helper for every command that can take more than a few seconds.

Three ways to show progress, chosen by ``mode`` (or the environment variable
``GANDYN_PROGRESS``, which wins over ``"auto"``):

* ``"bar"``    a rich progress bar (redraws in place; for a terminal),
* ``"lines"``  plain lines ``desc N/M (P%), E s elapsed, ETA R s`` (``ETA ?`` on the first,
               ``desc N (E s)`` when the total is unknown): safe in logs and CI; one per
               step, or at most one every ``every`` seconds (and the last),
* ``"notebook"`` one line ``desc ━━━━──── N/M (elapsed s)`` redrawn in place under a Jupyter
               cell (an IPython display updated by id; a stored notebook keeps its last state),
* ``"quiet"``  nothing at all,
* ``"auto"``   ``"bar"`` when the stream (default ``sys.stderr``) is a terminal, ``"notebook"``
               when it is a Jupyter kernel's output, else ``off_tty`` (``"quiet"`` unless the
               caller asks for ``"lines"``): redirected output never receives carriage returns
               or bar characters.

The ETA is the time per step since the first report times the steps left: the first report
often comes after a compilation, which would otherwise inflate it.

Usage::

    from gandyn.progress import track, progress

    for pd in track(pds, desc="check p_d"):
        ...

    with progress(total=n, desc="figures") as bar:
        for name in names:
            ...
            bar.advance()
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any

__all__ = ["MODES", "Progress", "progress", "resolve_mode", "track"]

MODES = ("auto", "bar", "lines", "notebook", "quiet")
ENV = "GANDYN_PROGRESS"


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or file-like without isatty
        return False


def _in_kernel(stream) -> bool:
    """``stream`` is a Jupyter kernel's cell output (ipykernel replaces sys.stdout/stderr)."""
    return type(stream).__module__.startswith("ipykernel")


def resolve_mode(mode: str = "auto", stream: IO | None = None, off_tty: str = "quiet") -> str:
    """The concrete mode (``"bar"``, ``"lines"``, ``"notebook"`` or ``"quiet"``) for ``mode``
    on ``stream`` (``off_tty``: what ``"auto"`` gives when the stream is neither a terminal nor
    a notebook)."""
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {', '.join(MODES)}, got {mode!r}")
    if off_tty not in ("lines", "quiet"):
        raise ValueError(f"off_tty must be 'lines' or 'quiet', got {off_tty!r}")
    if mode == "auto":
        env = os.environ.get(ENV, "").strip().lower()
        if env in MODES and env != "auto":
            return env
        stream = sys.stderr if stream is None else stream
        if _in_kernel(stream):
            return "notebook"
        return "bar" if _isatty(stream) else off_tty
    return mode


class Progress:
    """A progress display over ``total`` steps (``None``: unknown); use as a context manager.

    ``advance(n=1)`` moves it on, ``update(done)`` sets the steps done; ``done`` counts them.
    Leaving the ``with`` block removes a bar (transient) so that the command's own output
    follows cleanly. ``every``: in ``"lines"`` mode, seconds between lines (0: every step).
    """

    def __init__(self, total: int | None = None, desc: str = "", mode: str = "auto",
                 stream: IO | None = None, *, off_tty: str = "quiet", every: float = 0.0):
        self.stream = sys.stderr if stream is None else stream
        self.mode = resolve_mode(mode, self.stream, off_tty)
        self.total = None if total is None else int(total)
        self.desc = desc
        self.every = float(every)
        self.done = 0
        self._t0 = time.perf_counter()
        self._first = None       # (time, done) of the first report: the ETA's origin
        self._last_line = None   # time of the last line written
        self._rich = None
        self._task = None
        self._handle = None

    def __enter__(self) -> Progress:
        self._t0 = time.perf_counter()
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                       TextColumn, TimeElapsedColumn, TimeRemainingColumn)

            console = Console(file=self.stream, force_terminal=True)
            self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      TimeRemainingColumn(), console=console, transient=True)
            self._rich.__enter__()
            self._task = self._rich.add_task(self.desc, total=self.total)
        elif self.mode == "notebook":
            from IPython.display import Pretty, display

            self._pretty = Pretty
            self._handle = display(Pretty(self._line()), display_id=True)
        return self

    def _line(self) -> str:
        """``desc ━━━━──── N/M (elapsed s)``: the notebook mode's one line, plain text."""
        head = f"{self.desc} " if self.desc else ""
        bar = ""
        if self.total:
            full = round(20 * min(self.done, self.total) / self.total)
            bar = "━" * full + "─" * (20 - full) + " "
        of = f"/{self.total}" if self.total is not None else ""
        return f"{head}{bar}{self.done}{of} ({time.perf_counter() - self._t0:.1f} s)"

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        first = self._first is None
        if first:
            self._first = (now, self.done)
        if self.mode == "bar":
            self._rich.update(self._task, advance=n)
        elif self.mode == "lines":
            last = self.total is not None and self.done >= self.total
            if not (first or last or self._last_line is None
                    or now - self._last_line >= self.every):
                return
            self._last_line = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()
        elif self.mode == "notebook":
            self._handle.update(self._pretty(self._line()))

    def update(self, done: int) -> None:
        """Set the steps done (``advance`` by the difference)."""
        self.advance(int(done) - self.done)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the rate since the first report (None: total unknown, or no rate
        yet: the first report's time may be mostly a compilation)."""
        if self.total is None or self._first is None:
            return None
        now = time.perf_counter() if now is None else now
        t1, d1 = self._first
        left = max(self.total - self.done, 0)
        if not left:
            return 0.0
        return (now - t1) / (self.done - d1) * left if self.done > d1 else None

    def line(self, now: float | None = None) -> str:
        """The plain line of ``"lines"`` mode for the state now."""
        now = time.perf_counter() if now is None else now
        dt = now - self._t0
        head = f"{self.desc} " if self.desc else ""
        if self.total is None:
            return f"{head}{self.done} ({dt:.1f} s)"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta = self.eta(now)
        return (f"{head}{self.done}/{self.total} ({pct:.0f}%), {dt:.1f} s elapsed, "
                f"ETA {'?' if eta is None else f'{eta:.1f} s'}")

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)
            self._rich = None
        if self._handle is not None:  # the final elapsed time, also when nothing advanced
            self._handle.update(self._pretty(self._line()))
            self._handle = None


def progress(total: int | None = None, desc: str = "", mode: str = "auto",
             stream: IO | None = None, *, off_tty: str = "quiet", every: float = 0.0) -> Progress:
    """A ``Progress`` (use ``with progress(total=n, desc=...) as p: ... p.advance()``)."""
    return Progress(total, desc, mode, stream, off_tty=off_tty, every=every)


def track(iterable: Iterable[Any], desc: str = "", total: int | None = None, mode: str = "auto",
          stream: IO | None = None) -> Iterator[Any]:
    """Yield the items of ``iterable`` while showing progress (``total`` from ``len`` if any)."""
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with Progress(total, desc, mode, stream) as p:
        for item in iterable:
            yield item
            p.advance()
