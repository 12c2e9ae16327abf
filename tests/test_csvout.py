"""``--csv`` beside ``--json``: one writer (gandyn.csvout), non-finite numbers as empty fields
(``null`` inside a list field), as strict JSON writes them ``null``."""

import contextlib
import csv
import io
import json

import pytest

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


def _strict(text):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))


# f1 = -1e200 x²/2, f2 = f3 = x: D0 = 1e-200 and J = [[0, 1], [1, -1e200]] (at p_d = 1), whose
# characteristic polynomial's discriminant 1e400 + 4 overflows: one eigenvalue is -inf
OVERFLOW = ["--f1=-1e200*x**2/2", "--f2", "x", "--f3", "x", "--no-global"]


def test_check_csv_writes_an_infinite_eigenvalue_as_null_like_the_json():
    from gandyn.cli import main

    outs = []
    for fmt in ("--csv", "--json"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["check", *OVERFLOW, fmt]) == 0
        outs.append(out.getvalue())
    text, doc = outs[0], _strict(outs[1])
    assert "inf" not in text.lower() and "nan" not in text.lower()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert float(row["D0"]) == 1e-200 and float(row["trace"]) == -1e200
    # the same two eigenvalues in both: (0, 0) finite, the overflowed one null
    assert doc["candidates"][0][0]["eigenvalues"] == [[0.0, 0.0], [None, 0.0]]
    first, second = row["eigenvalues"].split(" ")
    assert complex(first) == 0 and second == "null"


def test_cell_blanks_a_non_finite_complex():
    from gandyn.csvout import cell, number_list

    assert cell(complex(float("-inf"), 0.0)) == "" and cell(complex(0.0, float("nan"))) == ""
    assert complex(cell(1.5 - 2j)) == 1.5 - 2j
    assert number_list([1.0, float("inf"), 2j]) == "1.0 null 0+2j"


def test_atlas_json_writes_an_overflowed_eigenvalue_as_null(tmp_path):
    import gandyn  # noqa: F401  (x64)
    from gandyn import atlas
    from gandyn.games.pointwise import triple

    game = triple(lambda x: -1e200 * x**2 / 2, lambda x: x, lambda x: x, 1.0, 1e-200,
                  (-10.0, 10.0))
    row = atlas.analyse_game("pointwise", "overflow", game)
    assert row["eigenvalues"][1][0] == float("-inf")      # the overflow is real
    _, js = atlas.write_atlas([row], str(tmp_path))
    text = open(js, encoding="utf-8").read()
    doc = _strict(text)
    assert "inf" not in text
    assert doc["rows"][0]["eigenvalues"] == [[0.0, 0.0], [None, 0.0]]
    assert doc["warnings"] == ["1 non-finite number(s) written as null"]


def test_atlas_and_bifurcate_csv_write_non_finite_numbers_the_documented_way(tmp_path):
    import gandyn  # noqa: F401  (x64)
    from gandyn import atlas
    from gandyn.games.pointwise import triple

    game = triple(lambda x: -1e200 * x**2 / 2, lambda x: x, lambda x: x, 1.0, 1e-200,
                  (-10.0, 10.0))
    row = atlas.analyse_game("pointwise", "overflow", game)
    out = io.StringIO()
    from gandyn.csvout import write_csv

    head, *body = atlas.csv_rows([row])
    write_csv(head, body, out)
    (r,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert "inf" not in out.getvalue().lower()
    assert r["eigenvalues"].split(" ")[1] == "null"   # before: "+inf" text from the table cell


def test_a_small_nonzero_eigenvalue_is_not_printed_as_zero():
    from gandyn.analysis.spectrum import format_eigenvalue

    # a stiff saddle +3e-5, -1e4: before, "+0.0000" hid the unstable direction
    assert format_eigenvalue(complex(3e-5, 0)) == "+3.0000e-05"
    assert format_eigenvalue(complex(1e-4, 0)) == "+0.0001"
    assert format_eigenvalue(complex(-10000.0001, 0)) == "-10000.0001"
    assert format_eigenvalue(complex(-4, 6.3e7)) == "-4.0000 + 63000000.0000i"
    assert format_eigenvalue(complex(0.5, -3e-5)) == "+0.5000 - 3.0000e-05i"
