"""Regression tests named after the findings of the reliability audit: every bad input a clean
refusal (exit 2, one stderr line), no output file ever half-written."""

import contextlib
import io
import os

import pytest


def _cli(argv):
    from gandyn.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", ["existing file", "empty", "too long", "under a file"])
def test_finding1_atlas_out_unusable_is_exit_2_one_line(tmp_path, kind):
    f = tmp_path / "f"
    f.write_text("keep")
    out = {"existing file": str(f), "empty": "", "too long": "d" * 300,
           "under a file": str(f / "sub")}[kind]
    code, stdout, err = _cli(["atlas", "--section", "bilinear", "--out", out])
    assert code == 2 and err.count("\n") == 1 and err.startswith("gandyn atlas: error:"), err
    assert f.read_text() == "keep"


def test_finding6_atlas_files_are_replaced_whole_with_no_temporaries(tmp_path):
    from gandyn import atlas

    rows = []  # the table's content is tested elsewhere; here only how the files are written
    (tmp_path / "atlas.json").write_text("previous")
    md, js = atlas.write_atlas(rows, str(tmp_path), hooks=[])
    assert sorted(os.listdir(tmp_path)) == ["atlas.json", "atlas.md"]
    import json

    assert json.loads(open(js).read())["rows"] == [] and os.path.getsize(md) > 0


def test_finding6_figure_saved_through_atomic_write(tmp_path, monkeypatch):
    import gandyn.figures as figures

    calls = []
    real = figures.atomic_write
    monkeypatch.setattr(figures, "atomic_write", lambda p, d: calls.append(p) or real(p, d))

    class _Fig:
        def savefig(self, path, **kw):
            assert os.path.basename(path).startswith(".") and path.endswith(".png")
            open(path, "wb").write(b"png")

    monkeypatch.setattr(figures, "FIGURES", [figures.FIGURES[0]._replace(make=lambda s: _Fig())])
    path = figures.make(figures.FIGURES[0].name, str(tmp_path))
    assert calls == [path] and open(path, "rb").read() == b"png"
    assert os.listdir(tmp_path) == [os.path.basename(path)]
