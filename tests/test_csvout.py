"""``--csv`` beside ``--json``: one writer (gandyn.csvout), non-finite numbers as empty fields."""

import contextlib
import csv
import io

from gandyn.csvout import write_csv


def test_write_csv_blanks_non_finite_and_quotes():
    buf = io.StringIO()
    write_csv(("a", "b"), [(float("nan"), "x, y"), (1.5, float("inf"))], buf)
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [["a", "b"], ["", "x, y"],
                                                              ["1.5", ""]]


def test_check_csv_marginal_row():
    from gandyn.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", "--f1", "x", "--f2=-x", "--f3", "x", "--no-global", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1 and rows[0]["verdict"] == "marginal" and float(rows[0]["det"]) == 1.0
