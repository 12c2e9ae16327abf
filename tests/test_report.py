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
