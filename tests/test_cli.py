"""`gandyn check` and `gandyn atlas`, in-process through gandyn.cli.main (JSON parsed), plus one
real subprocess proving the entry point."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from gandyn.cli import main

CLASSIC = ["--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)"]


def _check(capsys, *argv):
    rc = main(["check", *argv, "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    return json.loads(out)


def test_check_classic_json(capsys):
    d = _check(capsys, *CLASSIC, "--pd", "0.2")
    for key in ("equilibria", "pd", "eigenvalues", "trace", "det", "kind", "verdict",
                "max_lr", "global"):
        assert key in d
    assert d["equilibria"] == [{"D": 0.5, "pg": 0.2}]
    np.testing.assert_allclose(d["eigenvalues"][0], [[-0.8, 1.8330302779823362],
                                                    [-0.8, -1.8330302779823362]], atol=1e-12)
    assert d["verdict"] == "stable"
    assert set(d["global"]) >= {"converged_fraction", "lyapunov_distance_decreases"}
    assert d["global"]["converged_fraction"] >= 0.999


def test_check_wgan_quadratic_saddle(capsys):
    d = _check(capsys, "--f1", "x", "--f2", "-x", "--f3", "x", "--pd", "1", "--no-global")
    assert d["verdict"] == "marginal" and d["kind"] == ["centre"]
    np.testing.assert_allclose(d["eigenvalues"][0], [[0, 1], [0, -1]], atol=1e-14)
    d = _check(capsys, "--f1", "-x**2/2", "--f2", "x", "--f3", "-x", "--pd", "0.2")
    assert d["verdict"] == "stable" and d["global"]["lyapunov_distance_decreases"] is True
    assert d["equilibria"][0]["D"] == pytest.approx(1.0, abs=1e-14)
    d = _check(capsys, "--f1", "-x**2/2", "--f2", "x", "--f3", "x", "--no-global")
    assert d["verdict"] == "unstable" and d["kind"] == ["saddle"]


def test_check_human_table(capsys):
    assert main(["check", *CLASSIC, "--pd", "0.2", "1", "--no-global"]) == 0
    out = capsys.readouterr().out
    assert "-0.8000 + 1.8330i" in out and "verdict: stable" in out
    assert "stable node" in out  # p_d = 1: -4 ± 2 sqrt(3)


def test_check_issue_triples_cli(capsys):
    # the exact command lines: stiff focus (J = [[0, 2e15], [-2, -8]], λ = -4 ± 6.3e7i),
    # stiff saddle (det = -1), zero eigenvalue (det = 0), jump of f1'+f2' through zero at 1/2
    d = _check(capsys, "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-1e15*log(1-x)",
               "--no-global")
    assert (d["kind"], d["verdict"]) == (["stable focus"], "stable")
    assert d["eigenvalues"][0][0][0] == pytest.approx(-4.0, rel=1e-13)
    d = _check(capsys, "--f1", "-1e4*(x-0.5)**2/2 + x", "--f2", "-x", "--f3", "-x",
               "--no-global")
    assert (d["kind"], d["verdict"], d["det"]) == (["saddle"], "unstable", [-1.0])
    d = _check(capsys, "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "(x-0.5)**2",
               "--no-global")
    assert (d["kind"], d["verdict"]) == (["degenerate"], "undetermined") and d["warnings"]
    d = _check(capsys, "--f1", "-abs(x-0.5) + x - (x-0.5)**2/2", "--f2", "-x", "--f3", "x",
               "--no-global")
    assert d["verdict"] == "undetermined" and d["kind"] == ["non-smooth"]
    assert d["D0"] == pytest.approx(0.5, abs=1e-12) and d["roots"] == []
    assert any("discontinuity" in w for w in d["warnings"])
    assert main(["check", "--f1", "-abs(x-0.5) + x - (x-0.5)**2/2", "--f2", "-x", "--f3", "x",
                 "--no-global"]) == 0
    out = capsys.readouterr().out
    assert "verdict: undetermined" in out and "warning: f1'+f2' changes sign" in out


def test_check_no_equilibrium_and_domain(capsys):
    d = _check(capsys, "--f1", "x", "--f2", "x", "--f3", "x", "--domain", "0", "1")
    assert d["verdict"] == "no-equilibrium" and "(0, 1)" in d["message"]


@pytest.mark.parametrize("bad", [
    "__import__('os').system('touch /tmp/gandyn_cli_pwned')",
    "x.__class__", "(lambda: x)()", "x[0]", "'x'", "y",
])
def test_check_hostile_expression_exit_2(capsys, bad):
    path = "/tmp/gandyn_cli_pwned"
    if os.path.exists(path):
        os.remove(path)
    rc = main(["check", "--f1", bad, "--f2", "x", "--f3", "x", "--json"])
    cap = capsys.readouterr()
    assert rc == 2
    assert "not allowed" in cap.err and cap.out == ""
    assert not os.path.exists(path)


def test_check_bad_numbers_exit_2(capsys):
    assert main(["check", *CLASSIC, "--pd", "-1"]) == 2
    assert "pd" in capsys.readouterr().err
    assert main(["check", *CLASSIC, "--domain", "1", "0"]) == 2


# -- check --plot: the report's picture, written atomically ----------------------------------
def test_check_plot_writes_the_picture_atomically(capsys, tmp_path):
    out = tmp_path / "wgan.svg"
    out.write_text("old")  # replaced whole
    assert main(["check", "--f1", "D", "--f2", "-D", "--f3", "D", "--no-global",
                 "--plot", str(out)]) == 0
    cap = capsys.readouterr()
    assert "verdict: marginal" in cap.out and cap.err.count("error") == 0
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "verdict" in text
    assert os.listdir(tmp_path) == ["wgan.svg"]  # no temporary left beside it


def test_check_plot_bad_path_refused_before_the_work(capsys, tmp_path):
    (tmp_path / "dir.png").mkdir()
    for path, why in ((tmp_path / "x.jpg", "must end in .png, .pdf, .svg"),
                      (tmp_path / "x", "must end in"),
                      (tmp_path / "missing" / "x.png", "does not exist"),
                      (tmp_path / "dir.png", "existing folder")):
        assert main(["check", *CLASSIC, "--plot", str(path)]) == 2
        cap = capsys.readouterr()
        assert cap.out == "" and why in cap.err, cap.err
        assert cap.err.count("\n") == 1 and cap.err.startswith("gandyn check: error:")
    assert sorted(os.listdir(tmp_path)) == ["dir.png"]


def test_check_plot_without_a_rest_point_is_an_error_of_plot(capsys, tmp_path):
    out = tmp_path / "none.png"
    assert main(["check", "--f1", "x", "--f2", "x", "--f3", "x", "--domain", "0", "1",
                 "--plot", str(out)]) == 2
    cap = capsys.readouterr()
    assert "verdict: no-equilibrium" in cap.out  # the report itself is printed
    assert cap.err.startswith("gandyn check: error: --plot: nothing to draw")
    assert cap.err.count("\n") == 1 and not out.exists()


@pytest.fixture(scope="module")
def atlas_run(tmp_path_factory):
    """One `gandyn atlas` run shared by the atlas tests. The registry is trimmed to every
    pointwise game and, from the other sections, their first two and their last game (the
    largest Jacobians come last): every section's code path, in CI time."""
    import contextlib
    import io

    from gandyn.games import registry

    small = {s: (z if s == "pointwise" else tuple(z[:2]) + tuple(z[-1:]))
             for s, z in registry.all_games().items()}
    out_dir = tmp_path_factory.mktemp("atlas")
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setattr(registry, "all_games", lambda: small)
        rc = main(["atlas", "--out", str(out_dir)])
    return rc, buf.getvalue(), out_dir, sum(len(z) for z in small.values())


def test_atlas_cli(atlas_run):
    rc, out, out_dir, _ = atlas_run
    assert rc == 0 and "classic" in out and "quadratic_saddle" in out
    md = (out_dir / "atlas.md").read_text()
    assert "| classic |" in md and "## pointwise" in md
    data = json.loads((out_dir / "atlas.json").read_text())
    rows = {r["game"]: r for r in data["rows"] if r["section"] == "pointwise"}
    # classic at p_d = 1: λ = -4 ± 2 sqrt(3), a stable node
    np.testing.assert_allclose([z[0] for z in rows["classic"]["eigenvalues"]],
                               [-4 + 2 * math.sqrt(3), -4 - 2 * math.sqrt(3)], atol=1e-12)
    assert rows["classic"]["verdict"] == "stable"
    assert rows["wgan"]["verdict"] == "marginal" and rows["wgan"]["kind"] == "centre"
    assert rows["hinge"]["equilibrium"]["continua"] == [[-1.0, 1.0]]
    assert rows["quadratic_saddle"]["kind"] == "saddle"
    assert rows["quadratic"]["equilibrium"]["D0"] == 1.0


def test_atlas_all_sections_and_hook(atlas_run, tmp_path):
    from gandyn import atlas
    from gandyn.games.registry import all_games

    with open(atlas_run[2] / "atlas.json") as fh:
        rows = json.load(fh)["rows"]
    assert len(rows) == atlas_run[3]
    assert {r["section"] for r in rows} == set(all_games())
    for r in rows:
        assert r["verdict"] in ("stable", "marginal", "unstable", "undefined")
        if r["eigenvalues"]:
            assert r["kind"] is not None and r["max_lr"] >= 0
    # n x n Jacobians are handled (bilinear 2x3 has 5 eigenvalues)
    assert max(len(r["eigenvalues"]) for r in rows) >= 4

    def hook(row, game, out_dir):
        return {"portrait": f"{row['game']}.png"} if row["section"] == "pointwise" else None

    md, js = atlas.write_atlas(rows[:3], str(tmp_path), hooks=[hook])
    with open(md) as fh:
        text = fh.read()
    assert "| portrait |" in text and "![classic](classic.png)" in text
    with open(js) as fh:
        json.load(fh)


def test_atlas_section_filter(tmp_path, capsys):
    assert main(["atlas", "--section", "nope"]) == 2
    assert "unknown atlas section" in capsys.readouterr().err
    assert main(["atlas", "--section", "bilinear", "--out", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and {r["section"] for r in rows} == {"bilinear"}


def test_entry_point_subprocess():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "gandyn", "check", *CLASSIC, "--pd", "0.2",
                        "--json", "--no-global"], capture_output=True, text=True, env=env,
                       timeout=300, check=False)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["verdict"] == "stable" and d["equilibria"][0]["D"] == 0.5
    p = subprocess.run([sys.executable, "-m", "gandyn", "check", "--f1", "os.system('ls')",
                        "--f2", "x", "--f3", "x"], capture_output=True, text=True, env=env,
                       timeout=300, check=False)
    assert p.returncode == 2 and "not allowed" in p.stderr
