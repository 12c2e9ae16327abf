"""One CSV writer for every command that prints a table (``--csv`` beside ``--json``).

Rows go to ``stream`` (default stdout) through the standard ``csv`` module: one header line, one
line per row, comma-separated, quoted where needed. Non-finite floats (NaN, ±inf) are written as
empty fields, as ``--json`` writes them as ``null``: no spreadsheet reads "nan" as a number.
A field that lists several numbers (eigenvalues) holds them space-separated, complex ones as
``a+bj`` (Python's ``complex()`` reads it back); a non-finite one is the word ``null`` there, as
in ``--json`` (an empty item would be invisible between the spaces).
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Iterable, Sequence
from typing import IO

__all__ = ["cell", "number_list", "write_csv"]


def cell(v):
    """One CSV field: non-finite floats -> ``""``, complex -> ``a+bj`` text (``""`` when a part
    is not finite), bools as words."""
    if isinstance(v, float) and not math.isfinite(v):
        return ""
    if isinstance(v, complex):
        if not (math.isfinite(v.real) and math.isfinite(v.imag)):
            return ""
        return f"{v.real:.10g}{v.imag:+.10g}j"
    return v


def number_list(values: Iterable) -> str:
    """One field listing numbers: space-separated ``cell`` texts, a non-finite one ``null``."""
    return " ".join(str(cell(v)) or "null" for v in values)


def write_csv(header: Sequence[str], rows: Iterable[Sequence], stream: IO | None = None) -> None:
    """Write ``header`` then ``rows`` as CSV to ``stream`` (default ``sys.stdout``)."""
    w = csv.writer(sys.stdout if stream is None else stream, lineterminator="\n")
    w.writerow(list(header))
    for r in rows:
        w.writerow([cell(v) for v in r])
