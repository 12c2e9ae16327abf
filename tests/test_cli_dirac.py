"""`gandyn dirac`: in-process through gandyn.cli.main, plus one real subprocess."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from gandyn.cli import main
from gandyn.commands import dirac as cmd
from gandyn.games import dirac as D


def _json(capsys, *argv):
    assert main(["dirac", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_choices_match_the_library():
    assert set(cmd.LOSSES) == set(D.LOSSES) and set(cmd.REGS) == set(D.REGULARISERS)


def test_r1_gamma_2_is_a_stable_node(capsys):
    out = _json(capsys, "--loss", "gan", "--reg", "r1", "--gamma", "2")
    np.testing.assert_allclose(out["eigenvalues"],
                               [[-1 + math.sqrt(3) / 2, 0.0], [-1 - math.sqrt(3) / 2, 0.0]],
                               atol=1e-12)
    assert [round(e[0], 4) for e in out["eigenvalues"]] == [-0.134, -1.866]
    assert out["kind"] == "stable node" and out["verdict"] == "stable"
    assert out["equilibrium"] == {"gen": [0.0], "disc": [0.0]}


def test_r1_gamma_half_is_a_stable_focus(capsys):
    out = _json(capsys, "--loss", "gan", "--reg", "r1", "--gamma", "0.5")
    np.testing.assert_allclose(out["eigenvalues"], [[-0.25, math.sqrt(3) / 4],
                                                    [-0.25, -math.sqrt(3) / 4]], atol=1e-12)
    assert out["kind"] == "stable focus" and out["verdict"] == "stable"


def test_text_output_and_composition(capsys):
    assert main(["dirac", "--loss", "lsgan", "--reg", "noise", "--reg", "r2",
                 "--sigma", "0.5", "--gamma", "1", "--dim", "2"]) == 0
    text = capsys.readouterr().out
    assert "kind: stable" in text and "verdict: stable" in text
    assert text.count("i\n") == 4  # four eigenvalues for dim 2


@pytest.mark.parametrize("argv, kind, verdict", [
    (["--loss", "wgan"], "centre", "marginal"),
    (["--loss", "wgan", "--reg", "clip"], "centre", "marginal"),
    (["--loss", "wgan", "--reg", "wgan-gp"], "non-smooth", "unstable"),
    (["--loss", "gan", "--reg", "lecam"], "degenerate", "marginal"),
])
def test_non_convergent_configurations_say_what_they_find(capsys, argv, kind, verdict):
    out = _json(capsys, *argv)
    assert out["kind"] == kind and out["verdict"] == verdict
    assert out["note"]


def test_bad_numbers_are_reported_not_raised(capsys):
    assert main(["dirac", "--reg", "r1", "--gamma", "-1"]) == 2
    assert "gamma must be" in capsys.readouterr().err


def test_subprocess():
    res = subprocess.run(
        [sys.executable, "-m", "gandyn", "dirac", "--loss", "gan", "--reg", "r1", "--gamma", "2",
         "--json"], capture_output=True, text=True, timeout=120, check=True)
    out = json.loads(res.stdout)
    assert out["kind"] == "stable node"
    np.testing.assert_allclose([e[0] for e in out["eigenvalues"]],
                               [-1 + math.sqrt(3) / 2, -1 - math.sqrt(3) / 2], atol=1e-12)


def test_wgan_gp_reports_its_set_of_rest_points(capsys):
    out = _json(capsys, "--loss", "wgan", "--reg", "wgan-gp", "--gamma", "0.75", "--g0", "2")
    assert out["eigenvalues"] == [] and out["kind"] == "non-smooth"
    assert out["rest_set"] == {"psi": 0.0, "theta_centre": [0.0], "theta_radius": 3.0}
    assert out["jump"] == pytest.approx(3.0, rel=1e-6)
    assert main(["dirac", "--loss", "gan", "--reg", "wgan-gp"]) == 0
    assert "rest points (Filippov): psi = 0, |theta - [0.0]| <= 4" in capsys.readouterr().out
