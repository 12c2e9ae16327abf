"""One progress helper for every command that can take more than a few seconds.

Three ways to show progress, chosen by ``mode`` (or the environment variable
``GANDYN_PROGRESS``, which wins over ``"auto"``):

* ``"bar"``    a rich progress bar (redraws in place; for a terminal),
* ``"lines"``  one plain line ``desc N/M (elapsed s)`` per step: safe in logs and CI,
* ``"notebook"`` one line ``desc ━━━━──── N/M (elapsed s)`` redrawn in place under a Jupyter
               cell (an IPython display updated by id; a stored notebook keeps its last state),
* ``"quiet"``  nothing at all,
* ``"auto"``   ``"bar"`` when the stream (default ``sys.stderr``) is a terminal, ``"notebook"``
               when it is a Jupyter kernel's output, else ``"quiet"``: redirected output never
               receives carriage returns or bar characters.

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


def resolve_mode(mode: str = "auto", stream: IO | None = None) -> str:
    """The concrete mode (``"bar"``, ``"lines"``, ``"notebook"`` or ``"quiet"``) for ``mode`` on
    ``stream``."""
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "auto":
        env = os.environ.get(ENV, "").strip().lower()
        if env in MODES and env != "auto":
            return env
        stream = sys.stderr if stream is None else stream
        if _in_kernel(stream):
            return "notebook"
        return "bar" if _isatty(stream) else "quiet"
    return mode


class Progress:
    """A progress display over ``total`` steps (``None``: unknown); use as a context manager.

    ``advance(n=1)`` moves it on; ``done`` counts the steps so far. Leaving the ``with`` block
    removes a bar (transient) so that the command's own output follows cleanly.
    """

    def __init__(self, total: int | None = None, desc: str = "", mode: str = "auto",
                 stream: IO | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.mode = resolve_mode(mode, self.stream)
        self.total = None if total is None else int(total)
        self.desc = desc
        self.done = 0
        self._t0 = time.perf_counter()
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
        if self.mode == "bar":
            self._rich.update(self._task, advance=n)
        elif self.mode == "lines":
            of = f"/{self.total}" if self.total is not None else ""
            dt = time.perf_counter() - self._t0
            head = f"{self.desc} " if self.desc else ""
            self.stream.write(f"{head}{self.done}{of} ({dt:.1f} s)\n")
            self.stream.flush()
        elif self.mode == "notebook":
            self._handle.update(self._pretty(self._line()))

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)
            self._rich = None
        if self._handle is not None:  # the final elapsed time, also when nothing advanced
            self._handle.update(self._pretty(self._line()))
            self._handle = None


def progress(total: int | None = None, desc: str = "", mode: str = "auto",
             stream: IO | None = None) -> Progress:
    """A ``Progress`` (use ``with progress(total=n, desc=...) as p: ... p.advance()``)."""
    return Progress(total, desc, mode, stream)


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
