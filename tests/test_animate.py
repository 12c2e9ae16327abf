"""Animations: a tiny GIF has the expected frames, is written atomically, bad input exits 2."""

import os

import numpy as np
import pytest
from PIL import Image

from gandyn.animate import animate, dirac_game, panel_data, panel_title, resolve_updaters
from gandyn.cli import main
from gandyn.updaters import simultaneous


def test_panel_data_are_the_iterates_of_the_rule():
    g = dirac_game("gan")
    d = panel_data(g, {"sim": simultaneous(0.1)}, (1.0, 1.0), 3, n_grid=5)
    xy = d["panels"]["sim"]["xy"]
    assert xy.shape == (4, 2)
    # one explicit simultaneous step z + h v(z)
    z = g.field(d["panels"]["sim"]["plane"].to_state(1.0, 1.0))
    assert np.allclose(xy[1], [1.0 + 0.1 * float(z.gen[0]), 1.0 + 0.1 * float(z.disc[0])])
    assert d["xlim"][0] < 0 < d["xlim"][1] and d["ylim"][0] < 0 < d["ylim"][1]


def test_tiny_gif_has_one_frame_per_iterate(tmp_path):
    g = dirac_game("gan")
    gr = dirac_game("gan", ("r1",), gamma=0.3)
    out = tmp_path / "a.gif"
    got = animate(g, {"plain": simultaneous(0.1), "R1": (gr, simultaneous(0.1))}, (1.0, 1.0), 4,
                  out, dpi=30, n_grid=9, progress="quiet")
    assert got == str(out)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 5
    assert os.listdir(tmp_path) == ["a.gif"]  # no temporary file left behind


def test_frames_are_subsampled(tmp_path):
    out = tmp_path / "b.gif"
    animate(dirac_game("wgan"), ["simultaneous"], (1.0, 0.5), 9, out, dpi=30, n_grid=9,
            max_frames=4, view="plane", progress="quiet")
    with Image.open(out) as im:
        assert im.n_frames == 4  # iterates 0, 3, 6, 9


def test_failure_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    out = tmp_path / "a.gif"
    out.write_bytes(b"old")

    def boom(path, frames, fps):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise RuntimeError("disk full")

    import gandyn.animate as A

    monkeypatch.setattr(A, "_write_gif", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        animate(dirac_game("gan"), ["simultaneous"], (1.0, 1.0), 2, out, dpi=30, n_grid=9,
                progress="quiet")
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.gif"]


def test_data_view_needs_the_dirac_gan(tmp_path):
    from gandyn.games import pointwise

    with pytest.raises(ValueError, match="Dirac-GAN"):
        animate(pointwise.by_name("classic"), ["simultaneous"], (0.6, 1.1), 2,
                tmp_path / "x.gif", view="data", progress="quiet")


@pytest.mark.parametrize("argv, msg", [
    (["--out", "x.png"], "must end in .gif or .mp4"),
    (["--updaters", "nope", "--out", "x.gif"], "unknown update rule"),
    (["--loss", "nope", "--out", "x.gif"], "unknown Dirac-GAN loss"),
    (["--steps", "0", "--out", "x.gif"], "--steps"),
    (["--out", "/no/such/folder/x.gif"], "does not exist"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["animate", *argv])
    except SystemExit as e:  # refused by the option's type (--steps 0)
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1


def test_cli_mp4_without_ffmpeg_says_so(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert main(["animate", "--steps", "2", "--out", str(tmp_path / "x.mp4")]) == 2
    assert "ffmpeg" in capsys.readouterr().err


def test_cli_writes_a_gif(capsys, tmp_path):
    out = tmp_path / "r1.gif"
    assert main(["animate", "--loss", "gan", "--reg", "r1", "--gamma", "0.3", "--updaters",
                 "simultaneous", "--steps", "3", "--dpi", "30",
                 "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.n_frames == 4


def test_named_alternating_is_one_critic_step_and_n_disc_sets_it():
    """The name "alternating" plays ``alternating(h)`` (one critic step per generator step; it
    played two); ``n_disc`` sets the schedule of the scheduled rules only."""
    from gandyn.analysis.portrait import iterates
    from gandyn.updaters import alternating

    g = dirac_game("gan")
    d = panel_data(g, ["alternating", "simultaneous"], (0.8, -0.3), 4, lr=0.45, n_grid=5)
    pl = d["panels"]["alternating"]["plane"]
    for k, ref in ((None, alternating(0.45)), (3, alternating(0.45, n_disc=3))):
        if k is not None:
            d = panel_data(g, resolve_updaters(["alternating", "simultaneous"], 0.45, k),
                           (0.8, -0.3), 4, n_grid=5)
        np.testing.assert_array_equal(d["panels"]["alternating"]["xy"],
                                      np.asarray(iterates(g, ref, (0.8, -0.3), 4, pl)))
    u = resolve_updaters(["simultaneous", "drift_cancelled_alternating"], 0.1, 2)
    assert u["drift_cancelled_alternating"].n_disc == 2
    assert panel_title("simultaneous", u["simultaneous"]) == "simultaneous"
    assert panel_title("dca", (g, u["drift_cancelled_alternating"])) == \
        "dca\n2 critic steps per generator step"
    with pytest.raises(ValueError, match="has a critic schedule to set"):
        resolve_updaters(["simultaneous", "extragradient"], 0.1, 2)


@pytest.mark.parametrize("argv, msg", [
    (["--n-disc", "0"], "--n-disc"),
    (["--n-disc", "-1"], "--n-disc"),
    (["--n-disc", "1.5"], "--n-disc"),
    (["--n-disc", "nan"], "--n-disc"),
    (["--updaters", "simultaneous", "--n-disc", "2"], "has a critic schedule to set"),
])
def test_cli_bad_n_disc_is_one_line_and_exit_2(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["animate", "--steps", "2", "--out", "x.gif", *argv])
    except SystemExit as e:  # refused by the option's type
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1
    assert not (tmp_path / "x.gif").exists()


def test_cli_n_disc_writes_a_gif(tmp_path):
    out = tmp_path / "two.gif"
    assert main(["animate", "--updaters", "simultaneous", "alternating", "--n-disc", "2",
                 "--steps", "2", "--dpi", "30", "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.n_frames == 3


# -- a loss triple: its pointwise game, or with --game dirac its Dirac-GAN --------------------
def test_dirac_game_of_a_triple_is_dirac_triple():
    from gandyn.games import State
    from gandyn.games.dirac import R1, dirac_triple

    g = dirac_game(("-D", "D", "-D"), ("r1",), gamma=0.4, c=0.5)
    ref = dirac_triple("-D", "D", "-D", R1(0.4), c=0.5)
    s = State(np.array([0.3]), np.array([-0.7]))
    assert np.allclose(np.asarray(g.field(s).disc), np.asarray(ref.field(s).disc), atol=0)
    assert g.params.loss == ref.params.loss


@pytest.mark.parametrize("extra", [["--pd", "0.5"],
                                   ["--game", "dirac", "--reg", "r1", "--c", "0.5"]])
def test_cli_triple_writes_a_gif(extra, capsys, tmp_path):
    out = tmp_path / "t.gif"
    assert main(["animate", "--f1", "-D**2/2", "--f2", "D", "--f3", "-D", *extra,
                 "--updaters", "simultaneous", "--steps", "3", "--dpi", "30",
                 "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    with Image.open(out) as im:
        assert im.n_frames == 4


def test_cli_triple_starts_near_its_own_rest_point(tmp_path, monkeypatch):
    """Pointwise: (D0, p_d) + 0.2 with D0 = 1 for (-D²/2, D, -D); Dirac: θ* + 1 with
    θ* = -f1'(0)/f2'(0) c = 2c for (-2D, D, -D)."""
    import gandyn.animate as A

    seen = {}
    monkeypatch.setattr(A, "animate", lambda game, upd, start, *a, **k: seen.update(
        start=tuple(start), eq=game.equilibrium, title=k["title"]))
    assert main(["animate", "--f1", "-D**2/2", "--f2", "D", "--f3", "-D", "--pd", "0.5",
                 "--out", str(tmp_path / "a.gif")]) == 0
    assert np.allclose(seen["start"], (1.2, 0.7)) and "f3 = -D" in seen["title"]
    assert main(["animate", "--f1", "-2*D", "--f2", "D", "--f3", "-D", "--game", "dirac",
                 "--c", "0.25", "--out", str(tmp_path / "a.gif")]) == 0
    assert np.allclose(seen["start"], (1.5, 1.0)) and "Dirac-GAN" in seen["title"]


@pytest.mark.parametrize("argv, msg", [
    (["--f1", "x", "--f2", "-x"], "needs all of --f1 --f2 --f3 (got --f1 --f2)"),
    (["--f1", "x", "--f2", "-x", "--f3", "x", "--loss", "gan"], "--loss and --f1"),
    (["--f1", "x", "--f2", "-x", "--f3", "x", "--game", "classic"], "not --game classic"),
    (["--game", "pointwise"], "needs a loss triple"),
    (["--f1", "x", "--f2", "y", "--f3", "x"], "name 'y'"),
    (["--f1", "-x**2/2", "--f2", "x", "--f3", "-x", "--c", "1"],
     "--c applies to the Dirac-GAN only"),
    (["--f1", "-x**2/2", "--f2", "x", "--f3", "-x", "--game", "dirac", "--pd", "0.5"],
     "--pd is the data density"),
    (["--f1", "log(D)", "--f2", "log(1-D)", "--f3", "log(D)", "--game", "dirac"],
     "not finite at D = 0"),
    (["--f1", "x", "--f2", "x", "--f3", "x"], "no rest point"),
])
def test_cli_bad_triple_is_one_line_and_exit_2(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["animate", *argv, "--steps", "2", "--out", "x.gif"]) == 2
    cap = capsys.readouterr()
    assert msg in cap.err and cap.err.count("\n") == 1, cap.err
    assert cap.out == "" and os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [
    ["--f1", "log(D)", "--f2", "log(1-D)", "--f3", "log(D)", "--start", "5", "0.2"],
    ["--game", "classic", "--start", "1.5", "0.2"],
    ["--game", "classic", "--start", "0.5", "-1"],
])
def test_cli_start_outside_the_games_domain_is_refused(argv, capsys, tmp_path, monkeypatch):
    # the losses are not defined there (log(1-D) at D = 5, a density p_g < 0): iterating from
    # such a start draws a path through a field the game does not have
    monkeypatch.chdir(tmp_path)
    assert main(["animate", *argv, "--steps", "2", "--out", "x.gif"]) == 2
    cap = capsys.readouterr()
    assert "--start" in cap.err and "outside" in cap.err and cap.err.count("\n") == 1, cap.err
    assert os.listdir(tmp_path) == []
