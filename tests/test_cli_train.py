"""`gandyn train`: a table or strict JSON, files written under --out, one-line errors (exit 2)."""

import json
import os

import pytest

from gandyn.cli import main
from gandyn.commands import train as cmd
from gandyn.train import DATASETS, LOSS_RECIPES, UPDATERS

# the sizes of tests/test_train.py::TINY, so that the compiled program is shared
TINY = ["--seeds", "2", "--steps", "4", "--width", "8", "--batch", "16", "--eval-samples", "64",
        "--lr", "1e-3", "1e9"]


def test_literal_choices_match_the_library():
    assert cmd.DATA == tuple(DATASETS) and cmd.LOSSES == tuple(LOSS_RECIPES)
    assert cmd.UPDATERS == tuple(UPDATERS)


def test_json_is_strict_and_files_are_written(capsys, tmp_path):
    out = tmp_path / "o"
    assert main(["train", "--loss", "nsgan", *TINY, "--json", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert doc["command"] == "train" and len(doc["rows"]) == 2
    big = [r for r in doc["rows"] if r["lr"] > 1][0]
    assert big["status"]["running"] == 0 and big["final"]["modes"]["mean"] is None
    assert doc["curves"][0]["mean"]["modes"][-1] is not None    # the running lanes' mean
    assert sorted(os.listdir(out)) == ["curves.png", "train.json", "train.md"]
    assert json.loads((out / "train.json").read_text()) == doc
    assert "run/div/nan" in (out / "train.md").read_text()


def test_json_curves_one_per_configuration_with_live_counts(capsys):
    """lr 1e-3 and 1e9 are two curves, never pooled: the 1e9 lanes fail at step 1 (Adam's first
    step is lr·sign(g)), so that curve has 0 live seeds and no mean from step 1 on."""
    assert main(["train", "--loss", "nsgan", *TINY, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out,
                     parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    curves = doc["curves"]
    assert [c["lr"] for c in curves] == [r["lr"] for r in doc["rows"]]
    ok, bad = curves
    assert bad["steps"] == [0, 1, 2, 3, 4] and bad["live"] == [2, 0, 0, 0, 0]
    assert bad["mean"]["modes"][0] is not None and bad["mean"]["modes"][1:] == [None] * 4
    assert ok["live"] == [2] * 5 and None not in ok["mean"]["modes"]
    assert {"loss", "updater", "n_disc", "lr", "lr_disc", "gamma", "seeds"} <= set(ok)


@pytest.mark.parametrize("argv, msg", [
    (["--seeds", "0"], "--seeds: must be an integer in [1,"),
    (["--lsgan-targets", "-1,1"], "three numbers"),
    (["--loss", "wgan-gp", "--updater", "extragradient"], "n_disc must be 1"),
    (["--lr", "nan"], "finite"),
    (["--loss", "nope"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(capsys, argv, msg):
    try:  # argparse-level refusals exit through SystemExit, the command's own return 2
        rc = main(["train", *argv])
    except SystemExit as e:
        rc = e.code
    assert rc == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
