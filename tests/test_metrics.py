"""Exact 1-D Wasserstein distances and mode metrics (gandyn.metrics) against closed forms and
independent formulas."""

import math

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gandyn import data
from gandyn import metrics as M

floats = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


def _cdf_integral_w1(x, y):
    """W1 = int |F_x - F_y| dt in plain python (the definition, no sorting trick)."""
    pts = sorted(set(x) | set(y))
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        fx = sum(v <= a for v in x) / len(x)
        fy = sum(v <= a for v in y) / len(y)
        total += (b - a) * abs(fx - fy)
    return total


# fixed sizes per test: one compilation each (sizes vary across the tests)
@given(st.lists(floats, min_size=5, max_size=5), st.lists(floats, min_size=7, max_size=7))
def test_w1_by_quantiles_equals_the_cdf_integral(x, y):
    ref = _cdf_integral_w1(x, y)
    got = float(M.quantile_wasserstein(jnp.array(x), jnp.array(y), 1))
    assert math.isclose(got, ref, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(float(M.w1_cdf(jnp.array(x), jnp.array(y))), ref, rel_tol=1e-9,
                        abs_tol=1e-9)
    xe = x[:3] + y[:2]                                 # equal sizes: plain sorting
    assert math.isclose(float(M.wasserstein_1d(jnp.array(xe), jnp.array(x))),
                        _cdf_integral_w1(xe, x), rel_tol=1e-9, abs_tol=1e-9)


@given(st.lists(floats, min_size=3, max_size=3), st.lists(floats, min_size=4, max_size=4))
def test_w2_unequal_sizes_equals_sorting_the_replicated_sets(x, y):
    # replicating x m times and y n times gives equal-size sets with the same measures
    xr, yr = np.repeat(x, len(y)), np.repeat(y, len(x))
    ref = math.sqrt(np.mean((np.sort(xr) - np.sort(yr)) ** 2))
    got = float(M.quantile_wasserstein(jnp.array(x), jnp.array(y), 2))
    assert math.isclose(got, ref, rel_tol=1e-9, abs_tol=1e-9)


@given(st.lists(st.tuples(floats, floats, floats), min_size=8, max_size=8), floats)
def test_w1_is_a_translation_equivariant_metric(triples, a):
    x, y, z = (jnp.array(v) for v in zip(*triples))
    w = M.wasserstein_1d
    assert float(w(x, x)) == 0.0
    assert math.isclose(float(w(x, y)), float(w(y, x)), rel_tol=1e-12, abs_tol=1e-12)
    assert float(w(x, z)) <= float(w(x, y)) + float(w(y, z)) + 1e-9
    assert math.isclose(float(w(x + a, x)), abs(a), rel_tol=1e-9, abs_tol=1e-9)


def test_w2_of_two_gaussian_samples_tends_to_the_closed_form():
    # |W2(x, y) - W2(P, Q)| <= W2(x, P) + W2(y, Q) (triangle inequality): the tolerance is
    # computed exactly from the samples themselves, and it shrinks with n
    m1, s1, m2, s2 = 0.5, 1.0, -1.0, 2.0
    exact = math.sqrt((m1 - m2) ** 2 + (s1 - s2) ** 2)
    tols = []
    for n in (1_000, 16_000):
        kx, ky = jax.random.split(jax.random.PRNGKey(n))
        x = m1 + s1 * jax.random.normal(kx, (n,))
        y = m2 + s2 * jax.random.normal(ky, (n,))
        tol = float(M.wasserstein_to_mixture(x, [m1], [s1], p=2)
                    + M.wasserstein_to_mixture(y, [m2], [s2], p=2))
        assert abs(float(M.wasserstein_1d(x, y, 2)) - exact) <= tol
        tols.append(tol)
    assert tols[1] < tols[0] < 0.3


def test_distance_to_a_gaussian_from_one_point_is_closed_form():
    # W2(delta_c, N(mu, s^2))^2 = (c - mu)^2 + s^2;  W1 = E|c - T| (folded normal mean)
    c, mu, s = 1.3, -0.2, 0.7
    w2 = float(M.wasserstein_to_mixture(jnp.array([c]), [mu], [s], p=2))
    assert math.isclose(w2, math.hypot(c - mu, s), rel_tol=1e-12)
    a = c - mu
    fold = s * math.sqrt(2 / math.pi) * math.exp(-a * a / (2 * s * s)) + a * math.erf(
        a / (s * math.sqrt(2)))
    assert math.isclose(float(M.wasserstein_to_mixture(jnp.array([c]), [mu], [s], p=1)), fold,
                        rel_tol=1e-12)


def test_w1_to_a_mixture_equals_the_cdf_integral_on_a_fine_grid():
    means, sig, w = jnp.array([-2.0, 1.0, 3.0]), jnp.array([0.5, 1.0, 0.3]), jnp.array([.2, .5, .3])
    x = data.mixture_1d(jax.random.PRNGKey(3), 300, means, sig, w) + 0.1
    # midpoint rule on a grid that contains the sample points: F_n is exact on every cell,
    # the error is O(h^2) from the smooth F
    t = np.unique(np.concatenate([np.linspace(-9, 9, 50_001), np.asarray(x)]))
    mid = 0.5 * (t[1:] + t[:-1])
    fn = np.searchsorted(np.sort(np.asarray(x)), mid, side="right") / x.shape[0]
    f = np.asarray(M.mixture_cdf(jnp.asarray(mid), means, sig, w))
    ref = np.sum(np.diff(t) * np.abs(fn - f))
    got = float(M.wasserstein_to_mixture(x, means, sig, w, p=1))
    assert abs(got - ref) < 1e-6
    # W2 by the quantile function: midpoint rule on a fine u-grid
    u = (np.arange(30_000) + 0.5) / 30_000          # 100 cells per sample: no cell straddles a jump
    q = np.asarray(M.mixture_quantile(jnp.asarray(u), means, sig, w))
    xs = np.sort(np.asarray(x))[np.floor(u * x.shape[0]).astype(int)]
    ref2 = math.sqrt(np.mean((xs - q) ** 2))
    assert abs(float(M.wasserstein_to_mixture(x, means, sig, w, p=2)) - ref2) < 1e-3
    np.testing.assert_allclose(M.mixture_cdf(M.mixture_quantile(jnp.array([.01, .5, .99]),
                                                                means, sig, w), means, sig, w),
                               [.01, .5, .99], atol=1e-14)


def test_modes_covered_threshold_and_high_quality_fraction():
    modes = jnp.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    far = jnp.full((97, 2), 5.0)                      # near no mode
    pts = jnp.concatenate([far, jnp.array([[0.0, 0.29], [10.0, 0.0], [0.0, 10.31]])])
    # sigma 0.1, radius 3: 0.29 is inside, 0.31 outside; 1 sample of 100 = exactly 1 %
    assert int(M.modes_covered(pts, modes, 0.1)) == 2
    assert np.array_equal(M.mode_counts(pts, modes, 0.1), [1, 1, 0])
    assert math.isclose(float(M.high_quality_fraction(pts, modes, 0.1)), 0.02)
    assert int(M.modes_covered(pts, modes, 0.1, threshold=0.011)) == 0
    ring = jax.vmap(lambda k: data.ring(k, 1000))(jax.random.split(jax.random.PRNGKey(0), 3))
    cov = jax.jit(jax.vmap(lambda s: M.modes_covered(s, data.ring_modes(), 0.02)))(ring)
    assert np.array_equal(cov, [8, 8, 8])
    one_mode = jnp.broadcast_to(data.ring_modes()[3], (1000, 2))
    assert int(M.modes_covered(one_mode, data.ring_modes(), 0.02)) == 1


def test_metrics_vmap_and_jit():
    x = jax.random.normal(jax.random.PRNGKey(5), (4, 64))
    y = jax.random.normal(jax.random.PRNGKey(6), (4, 64)) + 1.0
    w = jax.jit(jax.vmap(M.wasserstein_1d))(x, y)
    ref = [float(M.w1_cdf(a, b)) for a, b in zip(x, y)]
    np.testing.assert_allclose(w, ref, rtol=1e-12)
    wm = jax.jit(jax.vmap(lambda s: M.wasserstein_to_mixture(s, [1.0], [1.0], p=2)))(y)
    assert wm.shape == (4,) and np.all(np.isfinite(wm))
