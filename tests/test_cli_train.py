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


def test_json_is_strict_and_files_are_written(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    out = tmp_path / "o"
    assert main(["train", "--loss", "nsgan", *TINY, "--json", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    # stderr is no terminal here: plain progress lines, the last one at 100 %, no bar
    err = captured.err.splitlines()
    assert err and err[-1].startswith("step 4/4 (100%), ") and err[-1].endswith("ETA 0.0 s")
    assert err[0].startswith("step 1/4 (25%), ") and "\r" not in captured.err
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert doc["command"] == "train" and len(doc["rows"]) == 2
    big = [r for r in doc["rows"] if r["lr"] > 1][0]
    assert big["status"]["running"] == 0 and big["final"]["modes"]["mean"] is None
    assert doc["curves"][0]["mean"]["modes"][-1] is not None    # the running lanes' mean
    assert sorted(os.listdir(out)) == ["curves.png", "samples.png", "train.json", "train.md"]
    assert doc["files"] == [str(out / n) for n in ("train.json", "train.md", "curves.png",
                                                   "samples.png")]
    assert json.loads((out / "train.json").read_text()) == doc
    md = (out / "train.md").read_text()
    assert "run/div/nan" in md and "hq: high-quality fraction" in md


def test_table_defines_its_abbreviations_and_lists_the_files(capsys, tmp_path):
    out = tmp_path / "o"
    assert main(["train", "--loss", "nsgan", *TINY, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for word in ("run/div/nan:", "hq: high-quality fraction", "modes: modes covered (of 8)",
                 "q10 = 10 % quantile", "n_disc: critic steps"):
        assert word in text
    assert text.rstrip().splitlines()[-1] == "wrote " + ", ".join(
        str(out / n) for n in ("train.json", "train.md", "curves.png", "samples.png"))


def test_help_states_every_default(capsys):
    """Every option of --help says its default; those are gandyn.train_defaults' values, and
    the loss-dependent ones name the values of LOSS_RECIPES."""
    import argparse

    from gandyn import train_defaults as D

    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    for a in p._actions:
        if a.option_strings and a.dest != "help":
            assert "default" in (a.help or ""), a.option_strings
    text = " ".join(a.help or "" for a in p._actions)
    assert f"default {D.LR:g} " in text and f"default {D.BATCH})" in text
    gammas = {r.gamma for n, r in LOSS_RECIPES.items() if r.reg}
    assert gammas == {0.01, 10.0} and LOSS_RECIPES["wgan-clip"].gamma == 0.01
    n5 = sorted(n for n, r in LOSS_RECIPES.items() if r.n_disc == 5)
    assert n5 == ["ratio-clip", "wgan-clip", "wgan-gp"]
    assert "5 for wgan-clip, wgan-gp and ratio-clip, 1 for the others" in text


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


@pytest.mark.parametrize("configs", [1, 2, 5])
def test_samples_legend_lies_inside_the_figure(configs):
    # a one-row legend of data, 4 seeds and modes was wider than a single panel: its ends
    # (data, modes) fell off the picture
    import numpy as np

    x = [np.zeros((8, 2)) + j for j in range(cmd.SHOWN)]
    panels = [{"x": x, "seeds": list(range(cmd.SHOWN)), "final": [0.0] * cmd.SHOWN,
               "label": f"nsgan lr={k}", "metric": "modes"} for k in range(configs)]
    fig = cmd._samples_figure(panels, "ring")
    fig.canvas.draw()
    box, legend = fig.bbox, fig.legends[0].get_window_extent()
    assert box.x0 <= legend.x0 and legend.x1 <= box.x1, (legend, box)
