"""``gandyn serve`` without a browser: the query string round trip, bad input, the lab's
numbers against gandyn's analysis functions, no recompilation on slider moves and taps, the
exports (the browser itself: tests/test_serve_browser.py)."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn import explore as E
from gandyn.serve import state as S

pytest.importorskip("bokeh")


# -- settings <-> query string ------------------------------------------------------------------
def test_defaults_give_an_empty_query_and_read_back():
    assert S.to_query(S.defaults()) == ""
    assert S.from_query("") == (S.defaults(), [])


def test_a_shared_link_reads_back_exactly():
    s = dict(S.defaults(), loss="triple", f1="-x**2/2 + log(1+x)", f2="x", f3="-x", pd=0.35,
             rule="alternating", n_disc=3, x0=0.1 + 0.2, y0=-1e-17)
    q = S.to_query(s)
    assert "&" in q and " " not in q and "+" not in q.replace("%2B", "")
    assert S.from_query(q) == (s, [])
    # as the server hands it: bytes in lists
    raw = {k: [v.encode()] for k, v in (p.split("=") for p in q.split("&"))}
    import urllib.parse

    raw = {k: [urllib.parse.unquote(v[0].decode()).encode()] for k, v in raw.items()}
    assert S.from_query(raw) == (s, [])


def _grid_value(name):
    lo, hi, step = S.RANGES[name]
    if name in ("n_disc", "steps"):
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(loss=st.sampled_from(E.lab_games()), reg=st.sampled_from(S.DIRAC_REGS),
       rule=st.sampled_from(S.RULES), pd=_grid_value("pd"), gamma=_grid_value("gamma"),
       sigma=_grid_value("sigma"), lr=_grid_value("lr"), n_disc=_grid_value("n_disc"),
       steps=_grid_value("steps"), f1=st.text(max_size=S.MAX_EXPR),
       start=st.none() | st.tuples(st.floats(-S.MAX_START, S.MAX_START),
                                   st.floats(-S.MAX_START, S.MAX_START)))
def test_query_round_trip(loss, reg, rule, pd, gamma, sigma, lr, n_disc, steps, f1, start):
    s = dict(S.defaults(), loss=loss, reg=reg, rule=rule, pd=pd, gamma=gamma, sigma=sigma,
             lr=lr, n_disc=n_disc, steps=steps, f1=f1)
    if start is not None:
        s["x0"], s["y0"] = start
    assert S.from_query(S.to_query(s), E.lab_games()) == (s, [])


@pytest.mark.parametrize("query, fragment", [
    ("lr=nan", "lr must be finite"),
    ("lr=5", "lr must be in [0.005, 1]"),
    ("steps=2.5", "steps must be an integer"),
    ("steps=100000", "steps must be in [10, 2000]"),
    ("rule=sgd", "rule must be one of"),
    ("loss=dirac:nope", "game must be one of"),
    ("x0=1", "x0 and y0 go together"),
    ("f1=" + "x" * 201, "longer than 200"),
    ("speed=3", "unknown setting 'speed'"),
])
def test_a_bad_query_value_keeps_its_default_and_says_why(query, fragment):
    s, errors = S.from_query(query, E.lab_games())
    assert len(errors) == 1 and fragment in errors[0], errors
    assert s["lr"] == S.DEFAULTS["lr"] and s["steps"] == S.DEFAULTS["steps"]


def test_state_lists_match_the_lab():
    assert S.DIRAC_REGS == E.DIRAC_REGS and S.RULES == E.RULES
    assert set(S.DEFAULTS) == set(E.lab_settings())
    assert all(S.DEFAULTS[k] == v for k, v in E.lab_settings().items())
    assert S.RANGES["steps"][1] == E.MAX_STEPS
    assert (S.RANGES["lr"][1], S.RANGES["gamma"][1]) == (E.MAP_LR[1], E.MAP_GAMMA[1])


# -- bad input on the page ----------------------------------------------------------------------
@pytest.mark.parametrize("f1, fragment", [
    ("__import__('os')", "function '__import__' is not allowed"),
    ("log(x", "not a valid expression"),
    ("x.real", "not allowed"),
])
def test_a_bad_triple_reaches_the_parser_only(f1, fragment, monkeypatch):
    from bokeh.document import Document

    from gandyn.serve import app

    called = []
    monkeypatch.setattr(app.EXECUTOR, "submit", lambda *a, **k: called.append(a))
    s = app.Session(Document(), {"loss": ["triple"], "f1": [f1]})
    s.update()
    text = s.message.text.replace("&#x27;", "'")
    assert text.startswith("triple: f1: ") and fragment in text, text
    assert "\n" not in text and not called  # one line; nothing computed


def test_a_triple_without_rest_point_is_a_message():
    with pytest.raises(ValueError, match="no root"):
        E.lab(loss="triple", f1="log(x)", f2="log(x)", f3="x")


# -- the lab's numbers are the lab's functions' ---------------------------------------------------
def test_dirac_r1_matches_analysis_and_closed_forms():
    from gandyn.analysis.discrete import max_stable_lr, update_eigenvalues, update_spectral_radius
    from gandyn.analysis.portrait import iterates, plane
    from gandyn.analysis.spectrum import eigenvalues, jacobian

    kw = dict(loss="dirac:gan", reg="r1", gamma=0.7, lr=0.2, rule="extragradient", steps=40,
              x0=0.5, y0=-0.3)
    d = E.lab(**kw)
    game = E.lab_game(**kw)
    lam = np.sort_complex(np.roots([1.0, 0.7, 0.25]).astype(complex))  # λ² + γλ + f'(0)² = 0
    assert np.allclose(np.sort_complex(d.eig_flow), lam, atol=1e-12)
    assert np.allclose(np.sort_complex(d.eig_flow),
                       np.sort_complex(np.asarray(eigenvalues(jacobian(game)))), atol=1e-12)
    upd = E.make_updater("extragradient", 0.2)
    assert np.allclose(np.sort_complex(d.eig_map),
                       np.sort_complex(np.asarray(update_eigenvalues(game, upd))), atol=1e-12)
    best = max_stable_lr(game, lambda h: E.make_updater("extragradient", h), lo=1e-4, hi=10.0,
                         iters=E.LAB_BISECT)
    assert math.isclose(d.max_lr_rule, float(best.lr), rel_tol=1e-9)
    # the iterates from the tapped start
    ref = iterates(game, upd, [0.5, -0.3], 40, pl=plane(game))
    assert np.allclose(d.path, ref, atol=1e-12)
    # one cell of the stability map: the game rebuilt at that γ
    i, j = 7, 11
    g = E.lab_game(**dict(kw, gamma=float(d.map_gamma[j])))
    rho = update_spectral_radius(g, E.make_updater("extragradient", float(d.map_lr[i])))
    assert math.isclose(float(d.map_rho[i, j]), float(rho), rel_tol=1e-10)
    # the rest point: the equilibrium, a stable focus
    (r,) = d.rest_points
    assert np.allclose(r.xy, 0, atol=1e-9) and r.kind == "stable focus"
    assert d.map_verdict == "converges"


def test_rest_points_match_find_equilibria_on_a_saddle_triple():
    from gandyn.analysis.portrait import find_equilibria, plane
    from gandyn.analysis.spectrum import max_lr_simultaneous

    kw = dict(loss="triple", f1="-x**2/2", f2="x", f3="x", pd=0.5)
    d = E.lab(**kw)
    game = E.lab_game(**kw)
    ref = find_equilibria(game, plane(game), (d.x[0], d.x[-1]), (d.y[0], d.y[-1]))
    assert [r.kind for r in d.rest_points] == [e.kind for e in ref] == ["saddle"]
    assert np.allclose(d.rest_points[0].xy, ref[0].xy, atol=1e-8)
    assert np.allclose(d.rest_points[0].xy, [1.0, 0.5])  # (D0, p_d)
    assert d.rest_points[0].max_lr_simultaneous == float(max_lr_simultaneous(ref[0].eigenvalues))
    assert d.flow_verdict == "unstable" and d.rest_points[0].max_lr_status == "unstable at lo"


def test_flow_from_a_tap_settles_into_the_stable_rest_point():
    d = E.lab(loss="pointwise:classic", pd=0.5, x0=0.8, y0=0.9)
    ok = np.all(np.isfinite(d.flow), axis=1)
    assert ok.all() and np.allclose(d.flow[0], [0.8, 0.9])
    assert np.hypot(*(d.flow[-1] - [0.5, 0.5])) < 1e-3
    assert d.kind == "stable node" and np.allclose(d.equilibrium, [0.5, 0.5])


def test_bilinear_gamma_is_the_quadratic_weight():
    d = E.lab(loss="bilinear", gamma=0.0)
    assert d.kind == "centre" and np.allclose(sorted(d.eig_flow.imag), [-1, 1])
    d = E.lab(loss="bilinear", gamma=0.4)
    assert np.allclose(d.eig_flow, [-0.4 + 1j, -0.4 - 1j]) or np.allclose(
        d.eig_flow, [-0.4 - 1j, -0.4 + 1j])


def test_slider_moves_and_taps_do_not_recompile():
    base = dict(loss="dirac:gan", reg="r1", rule="simultaneous", steps=30)
    E.lab(**base)
    n = E.lab_programs()
    for gamma, lr, sigma, start in ((0.1, 0.05, 0.2, None), (2.5, 0.9, 1.0, (0.3, 0.1)),
                                    (1.0, 0.3, 0.0, (-1.5, 1.9))):
        kw = dict(base, gamma=gamma, lr=lr, sigma=sigma)
        if start:
            kw.update(x0=start[0], y0=start[1])
        E.lab(**kw)
    assert E.lab_programs() == n


# -- what the page draws and exports -------------------------------------------------------------
def test_views_and_strict_json_export():
    from gandyn.serve import export, views

    d = E.lab(loss="triple", f1="-x**2/2", f2="x", f3="x", pd=0.5, x0=1.2, y0=0.2)
    lines, arrows = views.streamlines(d)
    assert len(lines) >= 20 and len(arrows) == len(lines)
    joined, _ = views.stream_source(d)
    assert np.isnan(joined["x"]).sum() == len(lines) - 1  # one NaN between two curves
    nc = views.nullclines(d)
    assert set(nc["which"]) == {"dD/dt = 0", "dp_g/dt = 0"}
    text = export.to_json(d)

    def refuse(c):
        raise AssertionError(f"non-strict JSON constant {c}")

    out = json.loads(text, parse_constant=refuse)
    assert out["rest_points"][0]["kind"] == "saddle"
    assert out["settings"]["f1"] == "-x**2/2" and len(out["iterates"]) == 151
    # the iterates leave the plane (a saddle): no NaN, no inf in the file
    assert out["equilibrium"]["map_verdict"] == "diverges"
    png = export.to_png(d)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_serve_is_a_command_bound_to_localhost():
    from gandyn.cli import COMMANDS, build_parser

    assert "serve" in COMMANDS
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 5006 and not args.open


def test_serve_refuses_a_bad_port(capsys):
    from gandyn.cli import main

    with pytest.raises(SystemExit) as e:
        main(["serve", "--port", "70000"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gandyn serve: error:" in err


def test_ci_runs_exactly_the_readme_test_command():
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith('python3 -m pip install -e ".[test]"'))
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == line
    assert any(x.startswith("command -v chromium") for x in ci)


def test_serve_reports_a_port_in_use(capsys):
    import socket

    from gandyn.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        rc = main(["serve", "--port", str(s.getsockname()[1])])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "cannot listen on 127.0.0.1:" in err, err


def test_training_panel_reports_blocks_and_keeps_its_time_budget(monkeypatch):
    """The run loop over ``train_iter`` (faked: the real one is tests/test_train.py's): samples
    after every block, a stop between blocks, a cut-off past the budget."""
    import threading

    from gandyn import train as T
    from gandyn.serve import training

    class P:
        def __init__(self, step):
            self.step, self.steps, self.result = step, 500, step

    monkeypatch.setattr(T, "train_iter", lambda *a, **k: (P(s) for s in range(100, 501, 100)))
    monkeypatch.setattr(T, "samples", lambda r, n: np.full((8, n, 2), float(r)))
    seen = []
    line = training.run("nsgan", 500, lambda *a: seen.append(a[0]), threading.Event())
    assert seen == [100, 200, 300, 400, 500] and line.startswith("done: 500 steps")
    ticks = iter(range(0, 1000, 50))  # 50 s per block on a fake clock
    seen.clear()
    line = training.run("nsgan", 500, lambda *a: seen.append(a[0]), threading.Event(),
                        budget_s=120, clock=lambda: next(ticks))
    assert seen == [100, 200, 300] and "cut off at step 300 of 500" in line
    stop = threading.Event()
    stop.set()
    seen.clear()
    line = training.run("nsgan", 500, lambda *a: seen.append(a[0]), stop)
    assert seen == [100] and line == "stopped at step 100"


@pytest.mark.parametrize("query, page, export", [
    ("speed=3", "unknown setting 'speed' ignored", "unknown setting 'speed'"),
    ("lr=5", "lr must be in [0.005, 1], got '5'; kept 0.1", "lr must be in [0.005, 1], got '5'"),
])
def test_the_exports_say_what_is_wrong_not_what_the_page_did_instead(query, page, export):
    # the page goes on with the defaults; an export refuses the query (400), so its message
    # must not claim that a value was ignored or kept
    assert S.from_query(query, E.lab_games())[1] == [page]
    assert S.from_query(query, E.lab_games(), strict=True)[1] == [export]
