"""Kernels: the two empirical-NTK methods agree, the infinite-width limits match closed forms
and the golden spectrum, the empirical NTK converges to them, the filtered field equals K g."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.kernel import empirical_ntk, erf_ntk, filtered_field, relu_ntk
from gandyn.players import mlp


def ring(n=8):
    k = np.arange(n)
    return jnp.asarray(np.stack([np.cos(2 * np.pi * k / n), np.sin(2 * np.pi * k / n)], 1))


def test_golden_relu_ntk_spectrum():
    # Dense512-ReLU-Dense512-ReLU-Dense1, NTK parameterisation, W_std 1.5, b_std 0.05
    ntk, _ = relu_ntk(ring(), depth=2, w_std=1.5, b_std=0.05)
    ev = np.sort(np.linalg.eigvalsh(np.asarray(ntk)))[::-1]
    gold = [12.6255, 6.8988, 6.8988, 2.7514, 2.7514, 0.8009, 0.8009, 0.7851]
    np.testing.assert_allclose(ev, gold, atol=6e-5)


def _mc_moments(phi, dphi, s, n=400_000, seed=0):
    z = np.random.default_rng(seed).standard_normal((n, 2)) @ np.linalg.cholesky(s).T
    return np.mean(phi(z[:, 0]) * phi(z[:, 1])), np.mean(dphi(z[:, 0]) * dphi(z[:, 1]))


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_one_hidden_layer_against_monte_carlo(act):
    # depth 1: Σ_2 = w² E φφ + b², Θ_2 = Σ_2 + w² E φ'φ' Σ_1 with Σ_1 = w² x·y/d + b²
    x = jnp.array([[0.3, -1.2], [1.1, 0.4]])
    w, b = 1.3, 0.2
    fn = relu_ntk if act == "relu" else erf_ntk
    ntk, nngp = fn(x, depth=1, w_std=w, b_std=b)
    s1 = w**2 * np.asarray(x @ x.T) / 2 + b**2
    from scipy.special import erf
    phi, dphi = ((lambda u: np.maximum(u, 0), lambda u: (u > 0) * 1.0) if act == "relu" else
                 (erf, lambda u: 2 / math.sqrt(math.pi) * np.exp(-u * u)))
    e, ed = _mc_moments(phi, dphi, s1)
    assert abs(float(nngp[0, 1]) - (w**2 * e + b**2)) < 3e-3
    assert abs(float(ntk[0, 1]) - (w**2 * e + b**2 + w**2 * ed * s1[0, 1])) < 6e-3
    # the diagonal is the same recursion at x = y
    assert float(nngp[0, 0]) > float(abs(nngp[0, 1]))


@pytest.mark.parametrize("kw", [{}, {"batchnorm": True, "activation": "tanh"}],
                         ids=["relu", "batchnorm-tanh"])
def test_two_methods_agree_in_float64_and_filtered_field_is_K_g(kw):
    xs = jax.random.normal(jax.random.PRNGKey(1), (12, 2))
    ys = jax.random.normal(jax.random.PRNGKey(2), (5, 2))
    g = jax.random.normal(jax.random.PRNGKey(4), (12,))
    f, p = mlp(jax.random.PRNGKey(0), 2, width=24, depth=2, w_std=1.5, b_std=0.05, **kw)
    for y in (None, ys) if f.per_example else (None,):
        a = empirical_ntk(f, p, xs, y, method="jacobian", per_example=f.per_example)
        b = empirical_ntk(f, p, xs, y, method="ntvp", per_example=f.per_example)
        assert a.dtype == jnp.float64
        assert float(jnp.max(jnp.abs(a - b))) < 1e-10
        k = a if y is None else k
    # K g without K: one vjp + one jvp (batch-coupled models included)
    np.testing.assert_allclose(filtered_field(f, p, xs, g), k @ g, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError):
        empirical_ntk(f, p, xs, method="nope")


def test_jacobian_contraction_by_hand():
    # f(θ, x) = θ0 x + θ1 x²: K(x, y) = xy + x²y²
    def f(p, xs):
        return p["a"] * xs[:, 0] + p["b"] * xs[:, 0] ** 2

    xs = jnp.array([[1.0], [2.0], [-0.5]])
    k = empirical_ntk(f, {"a": 0.3, "b": -1.0}, xs)
    x = np.asarray(xs[:, 0])
    np.testing.assert_allclose(k, np.outer(x, x) + np.outer(x**2, x**2), rtol=1e-14)


def test_empirical_ntk_converges_to_relu_ntk():
    xs = ring()
    theta, _ = relu_ntk(xs, depth=2, w_std=1.5, b_std=0.05)

    def err(width, seeds=(0, 1)):
        out = []
        for s in seeds:
            f, p = mlp(jax.random.PRNGKey(s), 2, width=width, depth=2, w_std=1.5, b_std=0.05)
            k = empirical_ntk(f, p, xs)
            out.append(float(jnp.linalg.norm(k - theta) / jnp.linalg.norm(theta)))
        return np.mean(out)

    e64, e1024 = err(64), err(1024, seeds=(0,))   # measured: 0.31 ± 0.04 and 0.10 ± 0.02
    assert e1024 < 0.6 * e64 and e1024 < 0.2


def _relu_diagonal(sq_norm, d, depth, w, b):
    """Σ_l(x, x), Θ_l(x, x) of the ReLU network: at cos θ = 1 the arc-cosine moments are
    E relu(u)² = Σ/2 and E step(u)² = 1/2, so Σ_{l+1} = w² Σ_l/2 + b², Θ_{l+1} = Σ_{l+1} +
    (w²/2) Θ_l from Σ_1 = Θ_1 = w² |x|²/d + b² (plain Python floats)."""
    s = w * w * sq_norm / d + b * b
    t = s
    for _ in range(depth):
        s = w * w * s / 2 + b * b
        t = s + w * w / 2 * t
    return s, t


@pytest.mark.parametrize("depth", [1, 7, 20, 33])
@pytest.mark.parametrize("w, b", [(1.3, 0.2), (1.5, 0.0), (0.9, 0.7)])
def test_relu_diagonal_is_exact_at_every_depth(depth, w, b):
    # was biased low by ~2.3e-7 per layer (cos clipped at 1 - 1e-12): 2.9e-6 at depth 20
    xs = np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -2.0], [0.0, 0.05, 0.1]])
    ntk, nngp = relu_ntk(jnp.asarray(xs), depth=depth, w_std=w, b_std=b)
    for i, x in enumerate(xs):
        s, t = _relu_diagonal(float(np.dot(x, x)), 3, depth, w, b)
        assert abs(float(nngp[i, i]) / s - 1) < 1e-13
        assert abs(float(ntk[i, i]) / t - 1) < 1e-13


def test_relu_kernel_input_gradients_are_finite_at_coinciding_points():
    # cos θ = 1 exactly now: autodiff through arccos there would be 0·inf = NaN. The kernel
    # has a cusp (θ ~ |x - y|); the gradient returned is the symmetric one, which a central
    # difference reproduces to O(h); away from the diagonal it is the true derivative.
    ys = jnp.array([[0.3, -1.2], [1.1, 0.4], [-0.7, 0.9]])

    def f(x):
        t, s = relu_ntk(x[None], ys, depth=4, w_std=1.4, b_std=0.3)
        return jnp.sum(t) + jnp.sum(s)

    for x0, tol in ((ys[1], 1e-4), (jnp.array([0.5, 0.25]), 1e-7)):
        g = np.asarray(jax.grad(f)(x0))
        h = 1e-5
        fd = np.array([(f(x0 + h * e) - f(x0 - h * e)) / (2 * h) for e in np.eye(2)])
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, fd, rtol=tol)
    g = jax.grad(lambda z: jnp.sum(relu_ntk(z, depth=20)[0]))(ys)   # symmetric: the diagonal
    assert np.all(np.isfinite(np.asarray(g)))


@pytest.mark.parametrize("method", ["jacobian", "ntvp"])
def test_batchnorm_player_kernel_by_default_is_the_batch_jacobian_product(method):
    # per_example defaulted to True: a one-input BatchNorm batch has zero variance, so every
    # row of J was zero and K == 0. The player's flag is now the default.
    from jax.flatten_util import ravel_pytree

    f, p = mlp(jax.random.PRNGKey(2), 3, width=10, depth=2, batchnorm=True, w_std=1.2,
               b_std=0.1, activation="gelu")
    xs = jax.random.normal(jax.random.PRNGKey(3), (7, 3))
    k = np.asarray(empirical_ntk(f, p, xs, method=method))
    flat, unravel = ravel_pytree(p)
    jac = np.asarray(jax.jacfwd(lambda q: f(unravel(q), xs))(flat))   # row i: ∂D(x_i)/∂θ
    assert np.abs(k).max() > 1e-2
    np.testing.assert_allclose(k, jac @ jac.T, rtol=1e-10, atol=1e-12 * np.abs(k).max())


def test_filtered_field_and_ntk_run_on_float32_players():
    kw = dict(width=16, depth=2, w_std=1.4, b_std=0.1, activation="tanh")
    f32, p32 = mlp(jax.random.PRNGKey(8), 2, dtype="float32", **kw)
    f64, _ = mlp(jax.random.PRNGKey(8), 2, **kw)
    p64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), p32)
    xs = jax.random.normal(jax.random.PRNGKey(9), (9, 2))
    g = jax.random.normal(jax.random.PRNGKey(10), (9,))
    a32, a64 = filtered_field(f32, p32, xs, g), filtered_field(f64, p64, xs, g)
    assert a32.dtype == jnp.float32 and a64.dtype == jnp.float64
    scale = float(jnp.max(jnp.abs(a64)))
    assert float(jnp.max(jnp.abs(a32 - a64))) < 1e-5 * scale
    k32 = empirical_ntk(f32, p32, xs, method="ntvp")
    k64 = empirical_ntk(f64, p64, xs, method="ntvp", batch_size=1)
    assert k32.dtype == jnp.float32
    assert float(jnp.max(jnp.abs(k32 - k64))) < 1e-5 * float(jnp.max(jnp.abs(k64)))
    np.testing.assert_allclose(k64, empirical_ntk(f64, p64, xs, method="jacobian"),
                               rtol=1e-12, atol=1e-13)
