"""``gandyn bifurcate``: located points, strict JSON, one-line errors with exit 2."""

import json

import pytest

from gandyn.cli import main


def test_flow_json_node_focus(capsys):
    assert main(["bifurcate", "--game", "dirac:wgan+r1", "--param", "gamma", "--from", "0.5",
                 "--to", "3", "--num", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["kind"] for p in out["points"]] == ["node-focus"]
    assert abs(out["points"][0]["param"] - 2.0) < 1e-10


def test_map_text(capsys):
    assert main(["bifurcate", "--game", "xy", "--updater", "extragradient", "--param", "lr",
                 "--from", "0.1", "--to", "1.6", "--num", "6"]) == 0
    out = capsys.readouterr().out
    assert "neimark-sacker" in out and "lr = 1" in out


@pytest.mark.parametrize("argv", [
    ["--game", "dirac:foo", "--param", "gamma", "--from", "0", "--to", "1"],
    ["--game", "dirac:gan+r1", "--param", "lr", "--from", "0", "--to", "1"],
    ["--game", "dirac:gan+r1", "--param", "gamma", "--from", "1", "--to", "1"],
    ["--game", "xy", "--updater", "nope", "--param", "lr", "--from", "0.1", "--to", "1"],
    ["--game", "xy", "--updater", "simultaneous", "--param", "lr", "--from", "0", "--to", "1"],
    ["--game", "hopf", "--param", "mu", "--from", "0", "--to", "1", "--set", "mu"],
    ["--game", "blah", "--param", "mu", "--from", "0", "--to", "1"],
])
def test_bad_input_one_line_exit_2(argv, capsys):
    assert main(["bifurcate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gandyn bifurcate: error:") and err.count("\n") == 1


def test_arclength_json_double_flip_multiplicity(capsys):
    assert main(["bifurcate", "--game", "dirac:gan+r1", "--updater", "simultaneous", "--param",
                 "lr", "--from", "0.5", "--to", "6", "--set", "gamma=1", "--num", "6",
                 "--method", "arclength", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "arclength"
    assert [(p["kind"], p["multiplicity"]) for p in out["points"]] == [("flip", 2)]
    assert abs(out["points"][0]["param"] - 4.0) < 1e-10


def test_bad_method_exit_2(capsys):
    assert main(["bifurcate", "--game", "hopf", "--param", "mu", "--from", "0", "--to", "1",
                 "--method", "keller"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gandyn bifurcate: error:") and err.count("\n") == 1
