"""check_triple: the issue's must-show numbers, verdicts, conditions, max lr, global evidence
with statuses (left the domain, non-finite: counted, never NaN), Lyapunov test, JSON-ready."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis.report import STATUSES, check_triple

CLASSIC = ("log(x)", "log(1-x)", "-log(1-x)")
QUAD = ("-x**2/2", "x", "-x")
SADDLE = ("-x**2/2", "x", "x")


def _json(rep):
    return json.loads(json.dumps(rep.to_dict(), allow_nan=False))


def _fractions_ok(g):
    fr = dict(g.fractions)
    assert set(fr) == set(STATUSES)
    assert sum(fr.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(0.0 <= v <= 1.0 for v in fr.values())


def test_classic_at_pd_02():
    rep = check_triple(*CLASSIC, pd=0.2)
    d = _json(rep)
    assert d["equilibria"] == [{"D": pytest.approx(0.5, abs=1e-15), "pg": 0.2}]
    assert d["domain"] == [0.0, 1.0]
    (eig,) = d["eigenvalues"]
    s = 2 * math.sqrt(1 - 4 * 0.04)  # λ = -4 p_d ± 2 sqrt(1 - 4 p_d²) i
    np.testing.assert_allclose(eig, [[-0.8, s], [-0.8, -s]], atol=1e-12)
    assert round(s, 4) == 1.8330
    assert d["trace"] == [pytest.approx(-1.6, abs=1e-12)]
    assert d["det"] == [pytest.approx(4.0, abs=1e-12)]
    assert d["kind"] == ["stable focus"] and d["verdict"] == "stable"
    # h < -2 Re λ / |λ|² = 1.6 / 4
    assert d["max_lr"] == [pytest.approx(0.4, abs=1e-12)]
    c = d["conditions"]
    assert c["trace_negative"] == [True] and c["det_positive"] == [True]
    assert c["curvature_f1pp_plus_f2pp"] == pytest.approx(-8.0, abs=1e-12)
    assert c["stable_for_all_pd"] is True
    g = d["global"]
    assert g["n"] >= 10_000
    assert g["converged_fraction"] >= 0.999
    assert g["lyapunov_distance_decreases"] is True
    _fractions_ok(rep.global_[0])


def test_several_pd_one_run():
    rep = check_triple(*CLASSIC, pd=(0.2, 1.0, 5.0), with_global=False)
    kinds = [a.kind for a in rep.primary]
    assert kinds == ["stable focus", "stable node", "stable node"]
    for a in rep.primary:
        lam = np.array(a.eigenvalues)
        s = np.sqrt(complex(16 * a.pd ** 2 - 4))
        np.testing.assert_allclose(np.sort_complex(lam),
                                   np.sort_complex([-4 * a.pd + s, -4 * a.pd - s]), atol=1e-11)
        assert a.max_lr == pytest.approx(min(-2 * z.real / abs(z) ** 2 for z in lam), rel=1e-12)
    assert rep.verdict == "stable"


def test_wgan_marginal_centre():
    rep = check_triple("x", "-x", "x", pd=1.0)
    d = _json(rep)
    assert d["verdict"] == "marginal" and d["kind"] == ["centre"]
    np.testing.assert_allclose(d["eigenvalues"][0], [[0, 1], [0, -1]], atol=1e-14)
    assert d["continua"] == [[-10.0, 10.0]] and d["D0"] == 0.0
    assert "continuum" in d["message"]
    assert d["global"]["converged_fraction"] == 0.0  # orbits circle
    assert d["max_lr"] == [0.0]


def test_quadratic_globally_stable_and_saddle():
    rep = check_triple(*QUAD, pd=(0.2, 1.0), n_side=40)
    d = _json(rep)
    assert d["verdict"] == "stable" and d["D0"] == pytest.approx(1.0, abs=1e-14)
    assert d["global"]["lyapunov_distance_decreases"] is True
    assert d["global"]["converged_fraction"] == 1.0
    for g in rep.global_:
        # dV/dt = -2 p_d (D-1)^2 <= 0: its max over the grid is -2 p_d min (D-1)^2 < 0
        assert g.lyapunov_max_dVdt <= 0
    sad = check_triple(*SADDLE, pd=1.0, n_side=40)
    assert sad.verdict == "unstable" and sad.primary[0].kind == "saddle"
    g = sad.global_[0]
    assert not g.lyapunov_distance_decreases
    D, pg = g.lyapunov_worst
    # f3 = +D: dV/dt = 2(D-1)(-D + p_g) + 2(p_g - 1)(D - 1) at p_d = 1
    assert g.lyapunov_max_dVdt == pytest.approx(2 * (D - 1) * (pg - D) + 2 * (pg - 1) * (D - 1),
                                                rel=1e-12)
    assert g.converged_fraction == 0.0
    _fractions_ok(g)


def test_no_equilibrium():
    rep = check_triple("x", "x", "x", pd=1.0)
    d = _json(rep)
    assert d["verdict"] == "no-equilibrium"
    assert "no root in (-10, 10)" in d["message"]
    assert d["equilibria"] == [] and d["global"] is None


def test_domain_left_is_reported_not_nan():
    # generator descends log(1-D) too: det = -f2' f3' = -4 < 0 (saddle) in D in (0, 1)
    rep = check_triple("log(x)", "log(1-x)", "log(1-x)", pd=0.5, n_side=40)
    assert rep.verdict == "unstable"
    g = rep.global_[0]
    fr = dict(g.fractions)
    assert fr["left_domain"] > 0.1 and fr["converged"] == 0.0
    _fractions_ok(g)
    _json(rep)  # no NaN anywhere


def test_non_finite_field_is_counted():
    # f3 is NaN for D < -0.5 (sqrt of a negative); the domain is given, so it is not trimmed
    n = 40
    rep = check_triple("-x**2/2", "x", "-x + 0*sqrt(x + 0.5)", pd=1.0, domain=(-5.0, 5.0),
                       n_side=n)
    g = rep.global_[0]
    fr = dict(g.fractions)
    # starts on the cell centres of D in [-1, 3] (n x n): those with D < -0.5 start where
    # the field is NaN and must be counted as non-finite (and skipped by the Lyapunov test)
    assert g.box[0] == (-1.0, 3.0) and g.n == n * n
    centres = -1.0 + 4.0 * (np.arange(n) + 0.5) / n
    bad = int(np.sum(centres < -0.5)) * n
    assert bad == 5 * n
    assert fr["non_finite"] >= bad / g.n
    assert g.lyapunov_nonfinite_points == bad
    _fractions_ok(g)
    _json(rep)


def test_bad_arguments():
    with pytest.raises(ValueError, match="pd"):
        check_triple(*CLASSIC, pd=(0.2, -1.0))
    with pytest.raises(ValueError, match="lo < hi"):
        check_triple(*CLASSIC, domain=(1.0, 0.0))
    with pytest.raises(ValueError, match="outside the domain"):
        check_triple(*CLASSIC, D0=2.0)
    with pytest.raises(ValueError, match="not allowed"):
        check_triple("x.real", "x", "x")


@settings(max_examples=3)
@given(st.floats(-2.0, 2.0).filter(lambda a: abs(a) > 0.05),
       st.floats(-2.0, 2.0).filter(lambda b: abs(b) > 0.05), st.floats(0.1, 3.0))
def test_verdict_follows_the_sign_conditions(a, b, pd):
    # f1 = a (x-1)^2 / 2 + x (f1'' = a), f2 = -x, f3 = b x: D0 = 1, trace = a p_d, det = b
    f1 = f"({a!r})*(x - 1)**2/2 + x"
    rep = check_triple(f1, "-x", f"({b!r})*x", pd=pd, with_global=False)
    (pa,) = rep.primary
    assert pa.D0 == pytest.approx(1.0, abs=1e-12)
    assert pa.trace == pytest.approx(a * pd, rel=1e-12)
    assert pa.det == pytest.approx(b, rel=1e-12)
    expect = "stable" if (a < 0 and b > 0) else "unstable"
    assert rep.verdict == expect
    assert rep.stable_for_all_pd == (a < 0 and b > 0)


def test_stiff_spectrum_gets_more_steps():
    # classic at p_d = 5: λ = -20 ± 2 sqrt(99) -> slow -0.10, fast -39.9 (ratio ~400): the
    # step cap h |λ|max <= 2 needs ~6000 steps for the horizon 30/0.10; the loop bound is traced
    rep = check_triple(*CLASSIC, pd=(0.2, 5.0), n_side=20)
    g_easy, g_stiff = rep.global_
    assert g_easy.steps == 400
    assert 400 < g_stiff.steps <= 4000
    assert g_stiff.converged_fraction == 1.0 and g_easy.converged_fraction == 1.0


# -- verdicts that rounding, kinks and inconclusive linearisations cannot fake -----------------
def test_stiff_focus_is_stable_not_a_centre():
    # J = [[0, 2c], [-2, -8 p_d]] (docs/pointwise.md): trace -8 p_d < 0, det 4c > 0
    rep = check_triple("log(x)", "log(1-x)", "-3e14*log(1-x)", pd=(0.4, 2.0), with_global=False)
    assert [a.kind for a in rep.primary] == ["stable focus", "stable focus"]
    assert rep.verdict == "stable" and rep.stable_for_all_pd
    np.testing.assert_allclose([a.eigenvalues[0].real for a in rep.primary], [-1.6, -8.0],
                               rtol=1e-13)


def test_stiff_saddle_is_unstable_not_degenerate():
    # J = [[0, -1], [-1, -k p_d]], det = -1 < 0 whatever k: λ = +1/(k p_d) (to first order)
    rep = check_triple("-2e4*(x-0.5)**2/2 + x", "-x", "-x", pd=0.8, with_global=False)
    (a,) = rep.primary
    assert (a.kind, a.verdict, rep.verdict) == ("saddle", "unstable", "unstable")
    kp = 2e4 * 0.8
    assert a.eigenvalues[0].real == pytest.approx(2 / (kp + math.sqrt(kp * kp + 4)), rel=1e-13)


def test_zero_eigenvalue_is_never_marginal_alone():
    # f3 = (D - 1/2)²: f3'(1/2) = 0, so det = 0 and λ = 0, -8 p_d; dp_g/dt = (D-1/2)² >= 0
    # pushes p_g up on both sides (p_g > p_d drifts away): not stable, and nothing linear says so
    fs = ("log(x)", "log(1-x)", "(x-0.5)**2")
    loc = check_triple(*fs, pd=0.6, with_global=False)
    (a,) = loc.primary
    assert a.det == 0.0 and a.trace == pytest.approx(-4.8, rel=1e-14)
    assert (a.kind, a.verdict, loc.verdict) == ("degenerate", "undetermined", "undetermined")
    assert any("inconclusive" in w for w in loc.warnings)
    glob = check_triple(*fs, pd=0.6, n_side=20)
    assert glob.global_[0].converged_fraction < 0.05
    assert glob.verdict == "undetermined"
    assert any("global test does not decide" in w for w in glob.warnings)
    # a zero eigenvalue next to a positive one is certain: unstable
    up = check_triple("(x-0.5)**2/2 + x", "-x", "(x-0.5)**2", pd=0.6, with_global=False)
    assert (up.primary[0].kind, up.verdict) == ("degenerate", "unstable")


def test_jump_of_f1_prime_is_a_nonsmooth_rest_point():
    # f1' + f2' = -sign(D - 1/2) - (D - 1/2): a jump through zero at 1/2, no root
    rep = check_triple("-abs(x-0.5) + x - (x-0.5)**2/2", "-x", "x", pd=1.0, n_side=20)
    assert rep.verdict == "undetermined" and rep.D0s == (pytest.approx(0.5, abs=1e-12),)
    assert rep.primary[0].kind == "non-smooth" and rep.stable_for_all_pd is None
    assert any("discontinuity" in w and "sliding" in w for w in rep.warnings)
    d = rep.to_json_dict()
    assert d["verdict"] == "undetermined" and d["warnings"]
    # the same point passed as D0 is accepted (it was refused as "no rest point")
    assert check_triple(*rep.functions, D0=0.5, with_global=False).verdict == "undetermined"


def test_every_caveat_is_in_text_and_json():
    from gandyn.commands.check import render

    # WGAN: most starts cross p_g < 0 (the text said so, the JSON did not)
    wgan = check_triple("x", "-x", "x", n_side=20)
    # V non-finite on the part D < 1/2 of the box (0*log(D - 1/2) is NaN there): skipped
    skip = check_triple("-x**2/2", "x", "-x + 0*log(x-0.5)", domain=(-1.0, 3.0), n_side=20)
    # a stiff spectrum: the horizon is cut to MAX_STEPS steps
    stiff = check_triple("log(x)", "log(1-x)", "-1e15*log(1-x)", n_side=20)
    for rep, needle in ((wgan, "p_g < 0"), (skip, "skipped"), (stiff, "ran to t =")):
        text, js = render(rep), rep.to_json_dict()
        assert any(needle in w for w in rep.warnings), rep.warnings
        assert js["warnings"][:len(rep.warnings)] == list(rep.warnings)
        for w in rep.warnings:
            assert f"warning: {w}" in text
        assert "whole grid" not in text
    g = skip.global_[0]
    assert 0 < g.lyapunov_nonfinite_points < g.n
    assert f"at {g.n - g.lyapunov_nonfinite_points} of the {g.n} start-grid points" in render(skip)
