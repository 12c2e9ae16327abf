"""gandyn.divergences against closed forms, independent quadrature and its own invariants;
infinities are inf, never NaN."""

import math

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gandyn import divergences as D
from gandyn import metrics as M

LOG2 = math.log(2.0)


def test_parallel_lines_values_and_gradients():
    thetas = jnp.array([-1.0, -0.3, 0.0, 1e-9, 0.7])
    d = jax.vmap(D.parallel_lines)(thetas)
    np.testing.assert_allclose(d.w1, np.abs(thetas))
    np.testing.assert_allclose(d.w2, np.abs(thetas))
    np.testing.assert_allclose(d.js, [LOG2, LOG2, 0, LOG2, LOG2])
    np.testing.assert_array_equal(d.kl, [np.inf, np.inf, 0, np.inf, np.inf])
    np.testing.assert_allclose(d.tv, [1, 1, 0, 1, 1])
    # W1 has a usable gradient sign(theta); JS and TV are flat wherever theta != 0
    # (at theta = 0 W1 has only a subgradient: just finite there)
    nz = thetas != 0
    for name, want in (("w1", np.sign(thetas)), ("js", np.zeros(5)), ("tv", np.zeros(5))):
        g = jax.vmap(jax.grad(lambda t, n=name: getattr(D.parallel_lines(t), n)))(thetas)
        np.testing.assert_allclose(g[nz], want[nz])
        assert np.all(np.isfinite(g))


def test_diracs_in_the_plane():
    d = D.diracs(jnp.array([0.0, 0.0]), jnp.array([3.0, 4.0]))
    assert (float(d.w1), float(d.w2), float(d.js), float(d.kl), float(d.tv)) == (
        5.0, 5.0, LOG2, math.inf, 1.0)
    same = D.diracs(jnp.array([1.0, 2.0]), jnp.array([1.0, 2.0]))
    assert all(float(v) == 0.0 for v in same)
    g = jax.grad(lambda a: D.diracs(a, jnp.zeros(2)).w1)(jnp.zeros(2))
    assert np.all(np.isfinite(g))                     # no NaN from sqrt at 0
    np.testing.assert_allclose(jax.grad(lambda a: D.diracs(a, jnp.zeros(2)).w1)(
        jnp.array([3.0, 4.0])), [0.6, 0.8])


def _numeric(m1, s1, m2, s2):
    """KL, JS, TV of two Gaussians by a fine trapezoid rule in numpy (independent check)."""
    lo, hi = min(m1 - 15 * s1, m2 - 15 * s2), max(m1 + 15 * s1, m2 + 15 * s2)
    x = np.linspace(lo, hi, 1_000_001)
    lp = -0.5 * ((x - m1) / s1) ** 2 - np.log(s1 * math.sqrt(2 * math.pi))
    lq = -0.5 * ((x - m2) / s2) ** 2 - np.log(s2 * math.sqrt(2 * math.pi))
    lm = np.logaddexp(lp, lq) - math.log(2)
    p, q = np.exp(lp), np.exp(lq)
    kl = np.trapezoid(p * (lp - lq), x)
    js = 0.5 * np.trapezoid(p * (lp - lm) + q * (lq - lm), x)
    return kl, js, 0.5 * np.trapezoid(np.abs(p - q), x)


def test_gaussians_against_closed_forms_and_quadrature():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(400_000)
    for m1, s1, m2, s2 in ((0.0, 1.0, 1.0, 1.0), (0.3, 0.5, -1.0, 2.0), (2.0, 1.5, 2.0, 0.4)):
        d = D.gaussians(m1, s1, m2, s2)
        kl, js, tv = _numeric(m1, s1, m2, s2)
        assert math.isclose(float(d.kl), kl, rel_tol=1e-8, abs_tol=1e-10)
        assert math.isclose(float(d.js), js, rel_tol=1e-8, abs_tol=1e-10)
        assert math.isclose(float(d.tv), tv, rel_tol=1e-8, abs_tol=1e-10)
        # the monotone coupling: Q1(U) - Q2(U) = a + b Z
        diff = (m1 - m2) + (s1 - s2) * z
        se = diff.std() / math.sqrt(z.size)
        assert abs(float(d.w1) - np.abs(diff).mean()) <= 5 * se + 1e-12
        assert math.isclose(float(d.w2), math.hypot(m1 - m2, s1 - s2), rel_tol=1e-14)
    # equal widths: TV = 2 Phi(|dmu| / 2s) - 1, W1 = |dmu|
    d = D.gaussians(0.0, 0.7, 1.2, 0.7)
    assert math.isclose(float(d.tv), math.erf(1.2 / (2 * 0.7 * math.sqrt(2))), rel_tol=1e-12)
    assert math.isclose(float(d.w1), 1.2, rel_tol=1e-14)
    # far apart and very narrow: JS saturates at log 2, TV at 1, nothing NaN
    far = D.gaussians(0.0, 1e-3, 1e3, 1.0)
    assert math.isclose(float(far.js), LOG2, rel_tol=1e-9) and float(far.tv) == 1.0
    same = D.gaussians(0.5, 2.0, 0.5, 2.0)
    assert all(abs(float(v)) < 1e-12 for v in same)


# no subnormal weights: XLA on the CPU flushes them to zero
weights = st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1.0)), min_size=5,
                   max_size=5).filter(lambda w: sum(w) > 1e-3)


@given(weights, weights)
def test_discrete_invariants(p, q):
    xs = jnp.array([-1.0, 0.0, 0.5, 2.0, 3.5])
    d, r = D.discrete(xs, jnp.array(p), jnp.array(q)), D.discrete(xs, jnp.array(q), jnp.array(p))
    for v in d:
        assert not math.isnan(float(v))
    for a, b in ((d.w1, r.w1), (d.w2, r.w2), (d.js, r.js), (d.tv, r.tv)):
        assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    assert 0.0 <= float(d.js) <= LOG2 + 1e-12 and 0.0 <= float(d.tv) <= 1.0 + 1e-12
    assert float(d.w1) <= float(d.w2) + 1e-12
    if math.isfinite(float(d.kl)):
        assert float(d.tv) <= math.sqrt(float(d.kl) / 2) + 1e-9       # Pinsker
    pn, qn = np.array(p) / sum(p), np.array(q) / sum(q)
    assert math.isinf(float(d.kl)) == bool(np.any((qn == 0) & (pn > 0)))
    # W1 = int |F_P - F_Q| on the sorted atoms
    w1 = np.sum(np.abs(np.cumsum(pn) - np.cumsum(qn))[:-1] * np.diff(np.asarray(xs)))
    assert math.isclose(float(d.w1), w1, rel_tol=1e-9, abs_tol=1e-12)


def test_discrete_and_empirical_hand_example():
    want = (1.0, 1.0, LOG2 / 2, math.inf, 0.5)        # shift by one atom, half the mass shared
    d = D.discrete([0.0, 1.0, 2.0], [0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
    e = D.empirical_1d(jnp.array([0.0, 1.0]), jnp.array([1.0, 2.0]))
    for got in (d, e):
        for a, b in zip(got, want):
            assert math.isclose(float(a), b, rel_tol=1e-12)


def test_empirical_sets():
    x = jax.random.normal(jax.random.PRNGKey(0), (50,))
    y = jax.random.normal(jax.random.PRNGKey(1), (30,)) + 0.5
    e = D.empirical_1d(x, y)
    assert float(e.w1) == float(M.quantile_wasserstein(x, y, 1))
    assert float(e.w2) == float(M.quantile_wasserstein(x, y, 2))
    assert math.isclose(float(e.js), LOG2, rel_tol=1e-14)                  # disjoint atoms
    assert (float(e.kl), float(e.tv)) == (math.inf, 1.0)
    assert all(float(v) == 0.0 for v in D.empirical_1d(x, x[::-1]))


def test_parallel_lines_figure_smoke():
    from gandyn.figures import names
    from gandyn.figures.divergences import fig_divergences_parallel_lines

    assert "divergences_parallel_lines" in names()
    fig = fig_divergences_parallel_lines(smoke=True)
    assert len(fig.axes) == 3
