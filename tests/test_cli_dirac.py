"""`gandyn dirac`: in-process through gandyn.cli.main, plus one real subprocess."""

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from gandyn.cli import main
from gandyn.commands import dirac as cmd
from gandyn.games import dirac_names as D
from gandyn.games.dirac_names import build


def _json(capsys, *argv):
    assert main(["dirac", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_choices_match_the_library():
    # every name of the table builds its class with the table's parameters, in order
    assert cmd.LOSSES is D.LOSSES and set(cmd.REGULARISERS) == set(D.REGULARISERS)
    for name, (_, cls, params) in D.REGULARISERS.items():
        reg = build(name)
        assert type(reg).__name__ == cls and type(reg).name == name
        assert [f.name for f in dataclasses.fields(reg)] == [p.name for p in params]


def test_json_lists_only_the_chosen_parameters(capsys):
    out = _json(capsys, "--loss", "wgan", "--reg", "dragan", "--reg", "r1", "--dragan-lam", "0.5",
                "--k", "0", "--gamma", "0.25")
    assert out["params"] == {"c": 0.0, "dragan": {"lam": 0.5, "k": 0.0}, "r1": {"gamma": 0.25}}
    # ψψ entry -(2λ + γ) = -1.25, f'(0) = 1: -0.625 ± sqrt(0.625² - 1)
    np.testing.assert_allclose(out["eigenvalues"], [[-0.625, math.sqrt(1 - 0.625**2)],
                                                    [-0.625, -math.sqrt(1 - 0.625**2)]],
                               atol=1e-12)
    assert _json(capsys, "--loss", "hinge")["params"] == {"c": 0.0}


def test_a_parameter_of_an_unchosen_regulariser_exits_2(capsys):
    assert main(["dirac", "--reg", "wgan-gp", "--gamma", "0.75"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--gamma is a parameter of r1, r2" in err


def test_help_does_not_load_the_game():
    code = ("import sys; from gandyn.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith('gandyn.games.dirac')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert res.stdout.strip() == "['gandyn.games.dirac_names']"


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
    out = _json(capsys, "--loss", "wgan", "--reg", "wgan-gp", "--lam", "0.75", "--g0", "2")
    assert out["eigenvalues"] == [] and out["kind"] == "non-smooth"
    assert out["rest_set"] == {"psi": 0.0, "theta_centre": [0.0], "theta_radius": 3.0}
    assert out["jump"] == pytest.approx(3.0, rel=1e-6)
    assert main(["dirac", "--loss", "gan", "--reg", "wgan-gp"]) == 0
    assert "rest points (Filippov): psi = 0, |theta - [0.0]| <= 4" in capsys.readouterr().out


def test_max_lr_like_check(capsys):
    # the same bound as `gandyn check` (max_lr_simultaneous): min -2 Re λ / |λ|², here
    # λ = -1 ± sqrt(3)/2 (γ = 2): the fast mode decides, -2 / (-1 - sqrt(3)/2) = 1.0718
    from gandyn.analysis.spectrum import max_lr_simultaneous

    out = _json(capsys, "--loss", "gan", "--reg", "r1", "--gamma", "2")
    lam = -1 - math.sqrt(3) / 2
    assert out["max_lr"] == pytest.approx(-2 / lam, rel=1e-12)
    assert out["max_lr"] == pytest.approx(
        float(max_lr_simultaneous([complex(*z) for z in out["eigenvalues"]])), rel=1e-15)
    # a centre and a non-smooth rest point: no step size converges, 0 in JSON, "none" in text
    assert _json(capsys, "--loss", "gan")["max_lr"] == 0.0
    assert _json(capsys, "--loss", "wgan", "--reg", "wgan-gp")["max_lr"] == 0.0
    assert main(["dirac", "--loss", "gan", "--reg", "r1", "--gamma", "2"]) == 0
    assert "max lr of simultaneous steps: 1.072\n" in capsys.readouterr().out
    assert main(["dirac", "--loss", "gan"]) == 0
    assert "max lr of simultaneous steps: none (no step size" in capsys.readouterr().out


def test_csv_has_max_lr_and_a_row_without_eigenvalues(capsys):
    import csv
    import io

    assert main(["dirac", "--loss", "gan", "--reg", "r1", "--gamma", "0.5", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and {r["max_lr"] for r in rows} == {"2.0"}
    assert main(["dirac", "--loss", "wgan", "--reg", "wgan-gp", "--csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row == {"re": "", "im": "", "kind": "non-smooth", "verdict": "unstable",
                   "max_lr": "0.0"}
