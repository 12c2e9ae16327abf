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


# -- finding 1: every option of every subcommand validated --------------------------------------
@pytest.mark.parametrize("argv, needle", [
    (["figures", "--dpi", "0"], "[20, 1200]"),
    (["figures", "--dpi", "-1"], "[20, 1200]"),
    (["figures", "--dpi", "100000"], "[20, 1200]"),
    (["dirac", "--c", "nan"], "finite"),
    (["dirac", "--reg", "r1", "--gamma", "inf"], "finite"),
    (["animate", "--lr", "-inf"], "finite"),
    (["kernel", "--f1", "x", "--f2", "-x", "--f3", "x", "--seed", "-3"], "[0, 4294967295]"),
])
def test_finding1_option_bounds_refused_with_the_bound_stated(argv, needle):
    code, _, err = _cli(argv)
    assert code == 2 and err.count("\n") == 1 and needle in err, err


class _Reached(Exception):
    """Raised by the heavy work of a command: validation let the input through."""


def _stop(*a, **k):
    raise _Reached


_REQUIRED = {"check": ["--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)"],
             "kernel": ["--f1", "-x**2/2", "--f2", "x", "--f3", "-x"],
             "bifurcate": ["--game", "hopf", "--param", "mu", "--from", "-1", "--to", "1"]}


def _options():
    """``{command: [(flag, nargs), ...]}`` for every option of every subcommand."""
    from gandyn.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    out = {}
    for name, p in sub.choices.items():
        out[name] = [(a.option_strings[-1], a.nargs) for a in p._actions
                     if a.option_strings and a.dest not in ("help",)]
    return out


@pytest.fixture
def heavy_work_stopped(monkeypatch, tmp_path):
    import gandyn.analysis.continuation as continuation
    import gandyn.analysis.dirac as dirac
    import gandyn.analysis.kernel as kernel
    import gandyn.analysis.report as report
    import gandyn.animate as animate
    import gandyn.atlas as atlas
    import gandyn.commands.bench as bench
    import gandyn.figures as figures
    import gandyn.serve.server as server
    import gandyn.train as train

    for mod, name in [(report, "check_triple"), (dirac, "analyse"), (kernel, "check_kernel"),
                      (kernel, "architecture_kernel"), (continuation, "continue_equilibrium"),
                      (animate, "animate"), (atlas, "ensure_writable_output"),
                      (figures, "ensure_writable_output"), (figures, "make"), (train, "train"),
                      (server, "make_server")]:
        monkeypatch.setattr(mod, name, _stop)
    real = bench.harness()
    if real is not None:
        monkeypatch.setattr(bench, "harness", lambda: type(
            "H", (), {"add_arguments": staticmethod(real.add_arguments), "run": staticmethod(_stop)}))
    monkeypatch.chdir(tmp_path)


_VALUES = ["nan", "inf", "-inf", "1e309", "-1e309", "0", "-1", "1e300", "100000", "-0", "1e-320",
           "x", "", "2**1024*x", "0.5", "3", "gan", "r1", "classic", "lr", "a=b", "x/0", "-1e3",
           "1e39", "\u0445", "x" + "**x" * 58, "nan,1,1", "mu=1", "lsgan", "nk", "noise"]


def test_finding1_property_every_option_of_every_subcommand_success_or_one_line_exit_2(
        heavy_work_stopped):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    opts = _options()
    from gandyn.cli import COMMANDS

    stubbed = {"atlas", "check", "dirac", "kernel", "bifurcate", "animate", "figures", "bench",
               "train", "serve"}
    assert set(opts) == set(COMMANDS) == stubbed, (
        "a new subcommand: stop its heavy work in heavy_work_stopped and add it to `stubbed`")
    value = st.one_of(st.sampled_from(_VALUES), st.text(max_size=6),
                      st.integers(-10**12, 10**12).map(str), st.floats().map(repr))

    @st.composite
    def argv(draw):
        cmd = draw(st.sampled_from(sorted(opts)))
        out = [cmd, *_REQUIRED.get(cmd, [])]
        for flag, nargs in draw(st.lists(st.sampled_from(opts[cmd]), max_size=3)):
            if flag in ("--help", "-h"):
                continue
            n = {None: 1, 0: 0, "?": 1, "+": draw(st.integers(1, 3)),
                 "*": draw(st.integers(0, 2))}.get(nargs, nargs)
            out += [flag, *(draw(value) for _ in range(n if isinstance(n, int) else 1))]
        return out

    @settings(max_examples=120, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(argv())
    def prop(args):
        try:
            code, _, err = _cli(args)
        except _Reached:
            return
        assert code in (0, 2), (args, code, err)
        if code == 2:
            assert err.count("\n") == 1 and "Traceback" not in err, (args, err)

    prop()


# -- finding 2: a --D0 that is no rest point ----------------------------------------------------
def test_finding2_D0_that_is_no_rest_point_is_refused():
    code, _, err = _cli(["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)",
                         "--D0", "0.3", "--no-global"])
    assert code == 2 and err.count("\n") == 1 and "no rest point" in err and "0.5" in err, err
    code, out, _ = _cli(["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)",
                         "--D0", "0.5", "--no-global"])
    assert code == 0 and "verdict: stable" in out


# -- finding 5: unbounded work ---------------------------------------------------------------------
def test_finding5_pd_count_and_dirac_dim_bounded_with_reason():
    pds = [str(0.1 + k / 1000) for k in range(1000)]
    code, _, err = _cli(["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)",
                         "--pd", *pds])
    assert code == 2 and err.count("\n") == 1 and "at most 64" in err and "--no-global" in err
    code, _, err = _cli(["dirac", "--dim", "10000"])
    assert code == 2 and err.count("\n") == 1 and "[1, 200]" in err and "n^3" in err


# -- finding 6: Ctrl-C -----------------------------------------------------------------------------
def test_finding6_ctrl_c_during_check_exits_130_one_line_promptly():
    import signal
    import subprocess
    import sys
    import time

    if not os.path.isdir("/proc/self/task"):
        pytest.skip("needs /proc to see when the run has started")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, JAX_PLATFORMS="cpu")
    pds = [str(0.05 + k / 64) for k in range(64)]
    proc = subprocess.Popen([sys.executable, "-m", "gandyn", "check", "--f1", "log(x)", "--f2",
                             "log(1-x)", "--f3", "-log(1-x)", "--pd", *pds], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.time()
    while time.time() - t0 < 60 and proc.poll() is None:  # jax's thread pools: run() has begun
        if len(os.listdir(f"/proc/{proc.pid}/task")) >= 6:
            break
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    t_sig = time.time()
    out, err = proc.communicate(timeout=60)
    elapsed = time.time() - t_sig
    err = err.decode()
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err, err
    assert elapsed < 10, elapsed


# -- finding 4: projection after every player step ------------------------------------------------
def test_finding4_alternating_clips_after_every_critic_and_generator_step():
    import jax.numpy as jnp

    from gandyn import State
    from gandyn.games.dirac import dirac
    from gandyn.games.dirac_regs import Clip
    from gandyn.updaters import alternating

    game = dirac("wgan", (Clip(0.1),))
    upd = alternating(0.5, n_disc=3)
    z = State(jnp.ones(1), jnp.zeros(1))
    z1, _ = upd.step(game, z, upd.init(game, z))
    # by hand, clipping psi after each of the 3 critic steps, then one generator step
    th, psi = 1.0, 0.0
    for _ in range(3):
        v = game.field(State(jnp.full(1, th), jnp.full(1, psi))).disc
        psi = float(jnp.clip(psi + 0.5 * v[0], -0.1, 0.1))
    th = th + 0.5 * float(game.field(State(jnp.full(1, th), jnp.full(1, psi))).gen[0])
    assert float(z1.disc[0]) == pytest.approx(psi, abs=1e-15)
    assert float(z1.gen[0]) == pytest.approx(th, abs=1e-15)
    # clipped once per round, the generator would have moved against psi = 1.5, not 0.1
    once = 1.0 + 0.5 * float(game.field(State(jnp.ones(1), jnp.full(1, 1.5))).gen[0])
    assert abs(psi) <= 0.1 and abs(float(z1.gen[0]) - once) > 0.5


# -- finding 7: peer fidelity ------------------------------------------------------------------
def _heun_tail(game, T=400.0, h=1e-2):
    """θ and ψ over the last tenth of a Heun run of the flow from 1e-3 off (c, 0)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from gandyn import State

    def heun(z, _):
        v = game.field(z)
        w = game.field(State(z.gen + h * v.gen, z.disc + h * v.disc))
        z = State(z.gen + h / 2 * (v.gen + w.gen), z.disc + h / 2 * (v.disc + w.disc))
        return z, (z.gen[0], z.disc[0])

    n = int(round(T / h))
    _, (th, ps) = jax.jit(lambda z: jax.lax.scan(heun, z, None, length=n))(
        State(jnp.array([1e-3]), jnp.array([0.0])))
    return np.asarray(th)[-n // 10:], np.asarray(ps)[-n // 10:]


def test_finding7_wgan_gp_flow_rests_at_c_minus_r_only_for_a_strong_penalty():
    from gandyn.games.dirac import WGANGP, dirac

    th, ps = _heun_tail(dirac("wgan", WGANGP(1.0, 1.0)))  # λ = f'(0) = 1: r = 2
    assert abs(th[-1] + 2.0) < 1e-6 and th.max() - th.min() < 1e-9 and abs(ps).max() < 1e-9
    th, ps = _heun_tail(dirac("wgan", WGANGP(0.37, 1.0)))  # λ < f'(0): still circling
    assert abs(ps).max() > 1.0 and th.max() - th.min() > 2.0


def test_finding7_dirac_grid_uses_the_notebook_settings(monkeypatch):
    import gandyn.updaters as updaters
    from gandyn.figures import FIGURES
    from gandyn.figures.idealised import _dirac_rows, fig_dirac_grid

    gp = [g for label, g in _dirac_rows() if label.startswith("WGAN-GP")]
    assert len(gp) == 1 and float(gp[0].params.regs[0].lam) == 0.35
    orders = []

    def spy(*a, **k):
        orders.append(k.get("order", "disc_first"))
        raise _Reached

    monkeypatch.setattr(updaters, "alternating", spy)
    with pytest.raises(_Reached):
        fig_dirac_grid(smoke=True)
    assert orders == ["gen_first"]
    cap = next(f.caption for f in FIGURES if f.name == "dirac_grid")
    assert "notebook" in cap and "λ = 0.35" in cap and "generator first" in cap


# -- finding 3: honest verdicts ------------------------------------------------------------------
def _strict(text):
    import json

    def bad(c):
        raise ValueError(f"non-standard JSON constant {c}")

    return json.loads(text, parse_constant=bad)


def test_finding3_kink_at_D0_is_undetermined_with_a_warning():
    from gandyn.analysis.report import check_triple

    rep = check_triple("-(x-0.5)**2/2 + x", "-x", "abs(x-0.5)", with_global=False)
    assert rep.D0s[0] == pytest.approx(0.5, abs=1e-12)
    assert rep.verdict == "undetermined"
    assert any("one-sided" in w and "f3'" in w for w in rep.warnings)
    smooth = check_triple("-(x-0.5)**2/2 + x", "-x", "-x", with_global=False)
    assert smooth.verdict != "undetermined" and smooth.warnings == ()


def test_finding3_triple_root_refined_and_twin_roots_kept_apart():
    from gandyn.analysis.report import check_triple
    from gandyn.expr import parse
    from gandyn.games.roots import equilibria

    eq = equilibria(parse("(x-1)**4/4"), parse("0*x"), (-10, 10))  # h = (x-1)³
    assert eq.roots == pytest.approx((1.0,), abs=1e-12)
    eq = equilibria(parse("(x-1)**3/3 - 1e-10*x"), parse("0*x"), (-10, 10))  # 1 ± 1e-5
    assert eq.roots == pytest.approx((1 - 1e-5, 1 + 1e-5), abs=1e-12)
    rep = check_triple("(x-1)**3/3 - 1e-10*x", "0*x", "x", with_global=False)
    verdicts = [row[0].verdict for row in rep.analyses]
    assert len(verdicts) == 2 and "unstable" in verdicts and rep.verdict == "unstable"


def test_finding3_scaled_triple_gains_no_roots_and_a_vanishing_tail_is_no_continuum():
    from gandyn.expr import parse
    from gandyn.games.roots import equilibria

    for k in ("1", "1e-12"):
        eq = equilibria(parse(f"{k}*log(x)"), parse(f"{k}*log(1-x)"), (0, 1))
        assert eq.roots == pytest.approx((0.5,), abs=1e-12) and eq.continua == ()
    with pytest.raises(ValueError, match="no root"):  # h = sigmoid(3x) - 1 < 0 everywhere
        equilibria(parse("softplus(3*x)/3"), parse("-x"), (-10, 10))
    assert equilibria(parse("x"), parse("-x"), (-10, 10)).continua == ((-10.0, 10.0),)


@pytest.mark.parametrize("argv", [
    ["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)", "--pd", "1e300",
     "--no-global"],
    ["dirac", "--reg", "r1", "--gamma", "1e308"],
])
def test_finding3_overflow_is_undetermined_with_a_warning_and_strict_json(argv):
    code, out, err = _cli([*argv, "--json"])
    assert code == 0, err
    d = _strict(out)
    assert d["verdict"] == "undetermined" and d["warnings"], d
    assert "marginal" not in out and "discontinuous" not in out


def test_finding3_nonfinite_dirac_parameter_gets_no_wgan_gp_note():
    from gandyn.analysis.dirac import analyse
    from gandyn.games.dirac import R1, dirac

    rep = analyse(dirac("gan", (R1(1.0),), c=float("nan")))
    assert rep["verdict"] == "undetermined" and rep["warnings"]
    assert "discontinuous" not in rep["note"] and "rest_set" not in rep


@pytest.mark.parametrize("argv", [
    ["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)", "--no-global"],
    ["dirac", "--reg", "wgan-gp"],
])
def test_finding3_json_commands_print_strict_json(argv):
    # atlas, kernel and bifurcate dump with allow_nan=False (tested in their own files)
    code, out, err = _cli([*argv, "--json"])
    assert code == 0, err
    _strict(out)


# -- input validation: one test per command for every triple, bounds from meaning -----------------
_QUAD = ["--f1", "-x**2/2", "--f2", "x", "--f3", "-x"]  # h = 1 - x: the one rest value is 1


@pytest.mark.parametrize("D0, needle", [("5", "no rest point"), ("50", "outside the domain")])
def test_kernel_refuses_a_D0_that_check_refuses_with_the_same_message(D0, needle):
    msgs = []
    for cmd in (["check", "--no-global"], ["kernel", "--width", "4", "--depth", "1",
                                           "--points", "4"]):
        code, out, err = _cli([cmd[0], *_QUAD, *cmd[1:], "--D0", D0])
        assert code == 2 and err.count("\n") == 1 and needle in err, (cmd, out, err)
        msgs.append(err.split("error: ", 1)[1])
    assert msgs[0] == msgs[1]
    code, out, err = _cli(["kernel", *_QUAD, "--width", "4", "--depth", "1", "--points", "4",
                           "--D0", "1"])
    assert code == 0 and "verdict:" in out, err


def _refused(argv, *needles):
    code, out, err = _cli(argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, (argv, code, err)
    for n in needles:
        assert n in err, (argv, err)
    return err


def _accepted(argv):
    """The input passes validation: the stubbed heavy work is reached."""
    with pytest.raises(_Reached):
        _cli(argv)


@pytest.mark.parametrize("argv, needles", [
    (["kernel", *_QUAD, "--w-std", "1e300"], ["(0, 10]"]),
    (["kernel", *_QUAD, "--w-std", "-1"], ["(0, 10]"]),
    (["kernel", *_QUAD, "--b-std", "-1"], ["[0, 10]"]),
    (["train", "--loss", "lsgan", "--lsgan-targets", "nan,1,1"], ["finite"]),
    (["train", "--loss", "lsgan", "--lsgan-targets", "1e309,1,1"], ["finite"]),
    (["train", "--loss", "gan", "--lsgan-targets", "0,1,1"], ["--loss lsgan"]),
    (["train", "--loss", "nsgan", "--gamma", "5"], ["--gamma", "wgan-gp", "--loss nsgan"]),
    (["train", "--lr", "1e39"], ["float32", "3.4e+38"]),
    (["train", "--lr", "0"], ["> 0"]),
    (["animate", "--lr", "-1"], ["(0, 100]"]),
    (["animate", "--lr", "0"], ["(0, 100]"]),
    (["animate", "--lr", "1e300"], ["(0, 100]"]),
    (["animate", "--gamma", "2"], ["--gamma", "r1", "--reg (none)"]),
    (["animate", "--reg", "r1", "--sigma", "1"], ["--sigma", "noise"]),
    (["animate", "--game", "classic", "--c", "1"], ["Dirac-GAN only"]),
    (["animate", "--pd", "0.5"], ["pointwise game"]),
    (["animate", "--start", "1e308", "1e308"], ["[-1e+06, 1e+06]"]),
    (["check", *_QUAD, "--json", "--csv"], ["not allowed with"]),
    (["dirac", "--json", "--csv"], ["not allowed with"]),
    (["atlas", "--json", "--csv"], ["not allowed with"]),
    (["bifurcate", "--game", "hopf", "--param", "mu", "--from", "-1", "--to", "1", "--json",
      "--csv"], ["not allowed with"]),
    (["bifurcate", "--game", "hopf", "--set", "mu=1", "--param", "mu", "--from", "-1", "--to",
      "1"], ["--param mu", "--set mu=", "choose one"]),
    (["bifurcate", "--game", "hopf", "--set", "omega=1", "--set", "omega=2", "--param", "mu",
      "--from", "-1", "--to", "1"], ["more than once"]),
])
def test_bad_input_refused_before_the_work_with_one_line(heavy_work_stopped, argv, needles):
    err = _refused(argv, *needles)
    assert "TypeError" not in err and "got multiple values" not in err


@pytest.mark.parametrize("argv", [
    ["train", "--seed", "0"],  # the documented default
    ["train", "--depth", "0"],
    ["train", "--loss", "wgan-gp", "nsgan", "--gamma", "5"],
    ["train", "--loss", "lsgan", "--lsgan-targets=-1,1,1"],
    ["check", *_QUAD, "--domain", "-1e3", "5"],  # a negative number in exponent form
    ["kernel", *_QUAD, "--domain", "-1E+1", "5"],
    ["animate", "--reg", "r1", "--gamma", "2", "--lr", "0.5"],
    ["animate", "--game", "classic", "--pd", "0.5", "--start", ".5", "0.3"],
    ["animate", "--start", "-.5", "0.3"],  # "-.5" is a number (the Dirac-GAN's plane is open)
])
def test_valid_input_accepted(heavy_work_stopped, argv):
    _accepted(argv)


def test_sizes_beyond_the_machine_refused_with_the_estimate(heavy_work_stopped, monkeypatch):
    import gandyn.commands as commands

    monkeypatch.setattr(commands, "available_memory", lambda: 8 * 2**30)
    # width 1e5, depth 2, 16 points: 1e10 + 6e5 + 1 parameters, x 17 rows of 8 bytes
    err = _refused(["kernel", *_QUAD, "--width", "100000"], "8 GiB", "1.27e+03 GiB")
    assert "--width 100000" in err
    # width 2e5, 64 seeds: 2 nets x (4e10 + 2e5 + 16 x 200001) floats x 4 bytes x 64 seeds
    want = 2 * (4e10 + 2e5 + 16 * 200001) * 4 * 64 / 2**30
    _refused(["train", "--width", "200000"], f"{want:.3g} GiB", "8 GiB")
    _accepted(["kernel", *_QUAD, "--width", "64"])
    _accepted(["train", "--width", "64"])


@pytest.mark.parametrize("kind", ["existing folder", "read-only", "full disk"])
def test_animate_output_checked_before_the_work(heavy_work_stopped, monkeypatch, tmp_path,
                                                kind):
    import errno

    import gandyn.animate as animate
    import gandyn.io as gio

    monkeypatch.setattr(animate, "panel_data", _stop)
    out = tmp_path / "x.gif"
    if kind == "existing folder":
        out.mkdir()
    else:
        code = errno.EROFS if kind == "read-only" else errno.ENOSPC

        def mkstemp(*a, **k):
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(gio.tempfile, "mkstemp", mkstemp)
    _refused(["animate", "--out", str(out)], str(tmp_path)[:40])


def test_animate_full_disk_during_the_write_is_one_line_and_leaves_nothing(tmp_path,
                                                                           monkeypatch):
    import errno

    import gandyn.animate as animate

    def full(path, frames, fps):
        for _ in frames:
            pass
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(animate, "_write_gif", full)
    monkeypatch.setattr(animate, "_sink", lambda path: full)
    out = tmp_path / "a.gif"
    _refused(["animate", "--steps", "2", "--max-frames", "2", "--dpi", "20", "--out", str(out)],
             "no space left", "a.gif")
    assert os.listdir(tmp_path) == []


def test_atlas_portraits_that_is_a_file_refused_before_the_work(monkeypatch, tmp_path):
    import gandyn.atlas as atlas

    monkeypatch.setattr(atlas, "atlas_rows", _stop)
    (tmp_path / "portraits").write_text("keep")
    _refused(["atlas", "--portraits", "--out", str(tmp_path)], "portraits")
    assert (tmp_path / "portraits").read_text() == "keep"


def test_echoed_user_text_is_cut(heavy_work_stopped):
    long = "a" * 5000
    err = _refused(["bifurcate", "--game", "hopf", "--param", long, "--from", "-1", "--to", "1"],
                   "5000 characters")
    assert len(err) < 300, len(err)
    err = _refused(["check", "--f1", "y" * 1999, "--f2", "x", "--f3", "x"], "1999 characters")
    assert len(err) < 600, len(err)
    from gandyn.cli import shorten

    prose = "f1'(D0) + f2'(D0) = -4 (relative 0.667 > 1e-06); rest values in the domain: 1 " * 2
    assert shorten(prose) == prose  # a prime is no quote
