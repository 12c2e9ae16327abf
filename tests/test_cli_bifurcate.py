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
    ["--game", "dirac:gan+r1", "--updater", "simultaneous", "--param", "gamma", "--from", "0.1",
     "--to", "1"],
    ["--game", "dirac:gan+r1", "--updater", "simultaneous", "--param", "lr", "--from", "0.1",
     "--to", "1", "--set", "lr=0.5"],
    ["--game", "dirac:gan+r1", "--updater", "simultaneous", "--param", "gamma", "--from", "0.1",
     "--to", "1", "--set", "lr=0"],
    ["--game", "dirac:gan+r1", "--param", "gamma", "--from", "0.1", "--to", "1", "--set",
     "lr=0.5"],
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


def test_map_in_gamma_at_fixed_lr_json(capsys):
    # simultaneous GD on LSGAN + R1 (f'(0) = 1) at h = 0.6: Neimark-Sacker at γ = h f'² = 0.6,
    # flip at γ = 2/h + h f'²/2 = 3.6333...
    assert main(["bifurcate", "--game", "dirac:lsgan+r1", "--updater", "simultaneous", "--param",
                 "gamma", "--set", "lr=0.6", "--from", "0.05", "--to", "4", "--num", "12",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fixed"] == {"lr": 0.6}
    assert [(p["kind"], p["crossing"]) for p in out["points"]] == [
        ("neimark-sacker", out["points"][0]["crossing"]), ("flip", "multiplier -1")]
    assert abs(out["points"][0]["param"] - 0.6) < 1e-10
    assert abs(out["points"][1]["param"] - (2 / 0.6 + 0.3)) < 1e-10


def test_hopf_criticality_text_and_json(capsys):
    # the normal form with l1 = 0.5, ω = 2: l₁ = 0.5 / 2 = 0.25 > 0, subcritical
    argv = ["bifurcate", "--game", "hopf", "--param", "mu", "--from", "-0.5", "--to", "0.7",
            "--set", "l1=0.5", "--set", "omega=2", "--num", "7"]
    assert main(argv + ["--json"]) == 0
    [pt] = json.loads(capsys.readouterr().out)["points"]
    assert pt["kind"] == "hopf" and pt["criticality"] == "subcritical"
    assert abs(pt["first_lyapunov"] - 0.25) < 1e-10 and abs(pt["frequency"] - 2) < 1e-10
    assert main(argv) == 0
    assert "subcritical, l1 = 0.25" in capsys.readouterr().out


# α = sqrt(n_gen n_disc) h f'(0) = 2 is where alternating steps on the unregularised Dirac-GAN
# flip (a double multiplier -1): h* = 2 / (sqrt(n_disc) f'(0)), f'(0) = 1/2 for the GAN loss,
# 1 for WGAN
@pytest.mark.parametrize("game, extra, n_disc, h_star", [
    ("dirac:gan", [], 1, 4.0),
    ("dirac:wgan", [], 1, 2.0),
    ("dirac:gan", ["--n-disc", "2"], 2, 2 * 2 ** 0.5),      # the number it gave before
    ("dirac:wgan", ["--n-disc", "3"], 3, 2 / 3 ** 0.5),
])
def test_alternating_flip_at_alpha_two_and_json_schedule(game, extra, n_disc, h_star, capsys):
    assert main(["bifurcate", "--game", game, "--updater", "alternating", "--param", "lr",
                 "--from", "0.3", "--to", "6", "--num", "12", *extra, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_disc"] == n_disc
    assert out["schedule"] == (f"alternating, {n_disc} critic step{'s' * (n_disc > 1)} per "
                               "generator step")
    assert [(p["kind"], p["multiplicity"]) for p in out["points"]] == [("flip", 2)]
    assert abs(out["points"][0]["param"] - h_star) < 1e-9


def test_text_header_states_the_schedule(capsys):
    assert main(["bifurcate", "--game", "dirac:gan", "--updater", "drift_cancelled_alternating",
                 "--param", "lr", "--from", "0.3", "--to", "1", "--num", "3"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "drift_cancelled_alternating, 1 critic step per generator step" in head
    assert main(["bifurcate", "--game", "xy", "--updater", "simultaneous", "--param", "lr",
                 "--from", "0.3", "--to", "1", "--num", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_disc"] is None and out["schedule"] is None


@pytest.mark.parametrize("argv", [
    ["--updater", "alternating", "--n-disc", "0"],
    ["--updater", "alternating", "--n-disc", "-1"],
    ["--updater", "alternating", "--n-disc", "1.5"],
    ["--updater", "alternating", "--n-disc", "nan"],
    ["--updater", "simultaneous", "--n-disc", "2"],      # no schedule to set
    ["--updater", "negative_momentum", "--n-disc", "2"],
])
def test_bad_n_disc_one_line_exit_2(argv, capsys):
    try:
        code = main(["bifurcate", "--game", "dirac:gan", "--param", "lr", "--from", "0.5",
                     "--to", "6", *argv])
    except SystemExit as e:          # refused by the option's type
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("gandyn bifurcate: error:") and err.count("\n") == 1
    assert "n-disc" in err or "n_disc" in err


def test_n_disc_needs_an_update_rule(capsys):
    assert main(["bifurcate", "--game", "dirac:gan+r1", "--param", "gamma", "--from", "0.5",
                 "--to", "2", "--n-disc", "2"]) == 2
    err = capsys.readouterr().err
    assert "--n-disc needs --updater" in err and err.count("\n") == 1


# -- a loss triple: its pointwise game along pd, its Dirac-GAN along c or a regulariser's number
def _points(capsys, *argv):
    assert main(["bifurcate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_dirac_triple_is_the_named_loss(capsys):
    """WGAN written as its triple (-D, D, -D) + R1: the node-focus point at γ = 2 f'(0) = 2;
    GAN's triple along c: f''(0)²c⁴ = f'(0)² at c = sqrt(2), as dirac:gan."""
    t = _points(capsys, "--f1", "-D", "--f2", "D", "--f3", "-D", "--game", "dirac+r1",
                "--param", "gamma", "--from", "0.5", "--to", "3", "--num", "6")
    assert t["triple"] == ["-D", "D", "-D"] and t["game"] == "dirac+r1"
    assert [p["kind"] for p in t["points"]] == ["node-focus"]
    assert abs(t["points"][0]["param"] - 2.0) < 1e-10
    gan = ("-softplus(D)", "-softplus(-D)", "softplus(-D)")
    t = _points(capsys, "--f1", gan[0], "--f2", gan[1], "--f3", gan[2], "--game", "dirac",
                "--param", "c", "--from", "0.5", "--to", "2", "--num", "6")
    n = _points(capsys, "--game", "dirac:gan", "--param", "c", "--from", "0.5", "--to", "2",
                "--num", "6")
    assert [p["kind"] for p in t["points"]] == [p["kind"] for p in n["points"]] == ["node-focus"]
    assert abs(t["points"][0]["param"] - 2 ** 0.5) < 1e-10
    assert abs(t["points"][0]["param"] - n["points"][0]["param"]) < 1e-12


def test_pointwise_triple_along_pd(capsys):
    """NS-GAN (log D, log(1-D), log D): trace -8 p_d, det 4, a node-focus point at p_d = 1/2;
    pointwise is the default game of a triple."""
    t = _points(capsys, "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "log(D)", "--param", "pd",
                "--from", "0.05", "--to", "2", "--num", "8")
    assert t["game"] == "pointwise" and t["triple"] == ["log(x)", "log(1-x)", "log(D)"]
    assert [p["kind"] for p in t["points"]] == ["node-focus"]
    assert abs(t["points"][0]["param"] - 0.5) < 1e-9


T = ["--f1", "x", "--f2", "-x", "--f3", "x"]


@pytest.mark.parametrize("argv, msg", [
    (["--f1", "x", "--f2", "-x", "--param", "pd"], "needs all of --f1 --f2 --f3 (got --f1 --f2)"),
    (T + ["--game", "dirac:gan+r1", "--param", "gamma"], "write dirac[+REG...] without it"),
    (T + ["--game", "pointwise:classic", "--param", "pd"], "pointwise (their default) or dirac"),
    (T + ["--param", "gamma"], "one parameter, pd (got 'gamma')"),
    (T + ["--game", "dirac+r1", "--param", "pd"], "must be one of c, gamma"),
    (T + ["--game", "dirac+nope", "--param", "c"], "unknown regulariser 'nope'"),
    (["--param", "pd"], "--game SPEC is required"),
    (["--game", "dirac+r1", "--param", "gamma"], "give --f1 --f2 --f3"),
    (["--game", "pointwise", "--param", "pd"], "give --f1 --f2 --f3"),
    (["--f1", "x", "--f2", "os.system('ls')", "--f3", "x", "--param", "pd"], "not allowed"),
    (["--f1", "log(x)", "--f2", "log(1-x)", "--f3", "x", "--game", "dirac", "--param", "c"],
     "not finite at D = 0"),
    (["--f1", "x", "--f2", "x", "--f3", "x", "--param", "pd"], "no root"),
])
def test_bad_triple_one_line_exit_2(argv, msg, capsys):
    assert main(["bifurcate", *argv, "--from", "0.1", "--to", "1"]) == 2
    cap = capsys.readouterr()
    assert cap.err.startswith("gandyn bifurcate: error:") and cap.err.count("\n") == 1
    assert msg in cap.err and cap.out == "", cap.err


@pytest.mark.parametrize("argv, msg", [
    # a parameter outside its range at --to (not only at --from) is refused, as it is at --from
    (["--game", "dirac:gan+r1", "--param", "gamma", "--from", "3", "--to", "-1"], "got -1"),
    (T + ["--game", "dirac+r1", "--param", "gamma", "--from", "3", "--to", "-1"], "got -1"),
    # the pointwise game of a triple needs p_d > 0 like the named ones
    (T + ["--param", "pd", "--from", "-1", "--to", "2"], "must be > 0, got -1"),
    (T + ["--param", "pd", "--from", "2", "--to", "0"], "must be > 0, got 0"),
    (["--game", "pointwise:classic", "--param", "pd", "--from", "2", "--to", "-1"], "got -1"),
])
def test_parameter_range_outside_the_games_is_refused(argv, msg, capsys):
    assert main(["bifurcate", *argv, "--num", "2"]) == 2
    cap = capsys.readouterr()
    assert cap.err.startswith("gandyn bifurcate: error:") and cap.err.count("\n") == 1
    assert msg in cap.err and cap.out == "", cap.err


def test_help_examples_keep_their_line_continuations(capsys):
    # a backslash-newline in a plain docstring joins the lines: "--to 8         --set ..."
    with pytest.raises(SystemExit):
        main(["bifurcate", "--help"])
    out = capsys.readouterr().out
    assert "--to 8 \\\n" in out and "  " not in out.split("--to 8")[1].split("\n")[0]
