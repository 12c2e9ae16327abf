"""One CSV writer for every command that prints a table (``--csv`` beside ``--json``).

Rows go to ``stream`` (default stdout) through the standard ``csv`` module: one header line, one
line per row, comma-separated, quoted where needed. Non-finite floats (NaN, ±inf) are written as
empty fields, as ``--json`` writes them as ``null``: no spreadsheet reads "nan" as a number.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Iterable, Sequence
from typing import IO

__all__ = ["cell", "write_csv"]


def cell(v):
    """One CSV field: non-finite floats -> ``""``, complex -> ``a+bj`` text, bools as words."""
    if isinstance(v, float) and not math.isfinite(v):
        return ""
    if isinstance(v, complex):
        return f"{v.real:.10g}{v.imag:+.10g}j"
    return v


def write_csv(header: Sequence[str], rows: Iterable[Sequence], stream: IO | None = None) -> None:
    """Write ``header`` then ``rows`` as CSV to ``stream`` (default ``sys.stdout``)."""
    w = csv.writer(sys.stdout if stream is None else stream, lineterminator="\n")
    w.writerow(list(header))
    for r in rows:
        w.writerow([cell(v) for v in r])
