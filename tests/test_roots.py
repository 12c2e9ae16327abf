"""Equilibria of f1' + f2': isolated roots, several roots, double roots, continua, poles,
no root (ValueError naming the interval), and the inferred domain."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.games.roots import equilibria, infer_domain
from gandyn.expr import parse
from gandyn.games import pointwise as P


def E(s):
    return parse(s)


def test_classic_root_and_inferred_domain():
    f1, f2, f3 = E("log(x)"), E("log(1-x)"), E("-log(1-x)")
    assert infer_domain(f1, f2, f3) == (0.0, 1.0)
    eq = equilibria(f1, f2, (0.0, 1.0))
    assert eq.roots == (pytest.approx(0.5, abs=1e-15),) and eq.continua == ()
    assert eq.representative == pytest.approx(0.5, abs=1e-15)


def test_inferred_domain_sqrt_and_window():
    # sqrt(x)' is infinite at 0: the domain starts there; no bound on the right within [-10, 10]
    assert infer_domain(E("sqrt(x)"), E("-x"), E("x")) == (0.0, 10.0)
    assert infer_domain(E("x"), E("-x"), E("x")) == (-10.0, 10.0)
    with pytest.raises(ValueError, match="non-finite at every point"):
        infer_domain(E("log(-abs(x) - 1)"), E("x"), E("x"))


def test_several_roots_exact():
    # f1' + f2' = x^2 - 2: roots ±sqrt(2)
    eq = equilibria(E("x**3/3"), E("-2*x"), (-5.0, 5.0))
    np.testing.assert_allclose(eq.roots, [-math.sqrt(2), math.sqrt(2)], atol=1e-14)
    assert max(eq.residuals) < 1e-13
    assert eq.points == eq.roots


def test_double_root_without_sign_change():
    # f1' + f2' = (x - 1)^2 >= 0 touches zero at 1
    eq = equilibria(E("(x-1)**3/3"), E("0*x"), (-4.0, 4.0))
    assert len(eq.roots) == 1 and eq.roots[0] == pytest.approx(1.0, abs=1e-6)


def test_pole_is_not_a_root():
    # f1' + f2' = 1/x changes sign across the pole at 0 but has no root
    with pytest.raises(ValueError, match=r"has no root in \(-5, 5\)"):
        equilibria(E("log(abs(x))"), E("0*x"), (-5.0, 5.0))


def test_no_root_message_names_the_domain():
    with pytest.raises(ValueError, match=r"f1'\(D\)\+f2'\(D\) has no root in \(0, 1\)"):
        equilibria(E("x"), E("x"), (0.0, 1.0))


@pytest.mark.parametrize("name, interval, rep", [
    ("wgan", (-10.0, 10.0), 0.0),
    ("hinge", (-1.0, 1.0), 0.0),
    ("ebgan(m=1)", (0.0, 1.0), 0.5),
])
def test_continua_of_the_zoo(name, interval, rep):
    g = P.game(name)
    f1, f2 = g.v_disc.f1, g.v_disc.f2
    eq = equilibria(f1, f2, (g.domain.disc_low, g.domain.disc_high))
    assert eq.roots == ()
    (c,) = eq.continua
    np.testing.assert_allclose(c, interval, atol=1e-12)
    assert eq.representative == pytest.approx(rep, abs=1e-12)


def test_partial_continuum_next_to_a_root():
    # h = relu(x): identically zero on (-3, 0], then rising with slope 1; the edge is found up
    # to the zero tolerance ztol = 1e-12 max|h| + 1e-14 (slope 1 -> ~3e-12)
    eq = equilibria(E("relu(x)**2/2"), E("0*x"), (-3.0, 3.0))
    assert eq.roots == ()
    (c,) = eq.continua
    np.testing.assert_allclose(c, (-3.0, 0.0), atol=5e-12)
    # h = relu(x - 1) - 1/2: flat (= -1/2, no root) below 1, a single root at 1.5
    eq = equilibria(E("relu(x - 1)**2/2"), E("-x/2"), (-3.0, 3.0))
    assert eq.roots == (pytest.approx(1.5, abs=1e-14),) and eq.continua == ()


@settings(max_examples=12)
@given(st.lists(st.floats(-4.0, 4.0), min_size=1, max_size=3, unique=True))
def test_random_polynomial_roots_are_found(rs):
    rs = sorted(rs)
    if any(b - a < 0.05 for a, b in itertools.pairwise(rs)):
        return
    # f1' + f2' = prod (x - r_i): f1 is its antiderivative, written term by term
    coeffs = np.poly(rs)  # h(x) = sum c_k x^(n-k)
    n = len(coeffs) - 1
    terms = [f"({float(c)!r})*x**{n - k + 1}/{n - k + 1}" for k, c in enumerate(coeffs)]
    f1 = E(" + ".join(terms))
    eq = equilibria(f1, E("0*x"), (-5.0, 5.0))
    np.testing.assert_allclose(eq.roots, rs, atol=1e-9)


@pytest.mark.parametrize("a, c", [(1.0, 0.5), (2.0, 0.3), (0.25, -1.7)])
def test_jump_through_zero_is_a_nonsmooth_rest_value(a, c):
    # f1' = -a sign(x - c) - (x - c), f2' = 0: f1'+f2' jumps from +a to -a at c (bounded on
    # both sides, unlike the pole 1/x): trajectories slide into D = c, so c is a rest value
    eq = equilibria(E(f"-{a!r}*abs(x-({c!r})) - (x-({c!r}))**2/2"), E("0*x"), (-5.0, 5.0))
    assert eq.roots == () and eq.continua == ()
    assert eq.jumps == (pytest.approx(c, abs=1e-12),)
    assert eq.representative == pytest.approx(c, abs=1e-12)
    assert eq.points == ()  # no Jacobian: not a smooth candidate
    assert eq.to_dict()["jumps"] == [pytest.approx(c, abs=1e-12)]


def test_root_next_to_a_jump_and_pole_still_dropped():
    # h = -sign(x) + 1/2 jumps through zero at 0 and never vanishes; the pole 1/x is no root
    eq = equilibria(E("-abs(x) + x/2"), E("0*x"), (-3.0, 3.0))
    assert eq.jumps == (pytest.approx(0.0, abs=1e-12),) and eq.roots == ()
    with pytest.raises(ValueError, match="has no root"):
        equilibria(E("log(abs(x))"), E("0*x"), (-5.0, 5.0))
