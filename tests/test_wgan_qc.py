"""WGAN-QC (Liu, Gu & Samaras 2019): exact transport by sorting and by LP, the game's field."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.games import State
from gandyn.games.wgan_qc import cost_matrix, transport, transport_1d, transport_lp, wgan_qc_game
from gandyn.metrics import wasserstein_1d

floats = st.floats(-5, 5, allow_nan=False, allow_subnormal=False)


def _brute_cost(y, x, K):
    c = np.asarray(cost_matrix(y, x, K))
    n = c.shape[0]
    return min(sum(c[i, p[i]] for i in range(n)) / n for p in itertools.permutations(range(n)))


@settings(max_examples=20)
@given(st.lists(floats, min_size=5, max_size=5, unique=True),
       st.lists(floats, min_size=5, max_size=5, unique=True), st.sampled_from([0.5, 1.0, 3.0]))
def test_1d_transport_is_sorting_and_its_duals_are_optimal(ys, xs, K):
    n = min(len(ys), len(xs))
    y, x = jnp.array(ys[:n])[:, None], jnp.array(xs[:n])[:, None]
    t = transport_1d(y, x, K)
    c = np.asarray(cost_matrix(y, x, K))
    phi, psi = np.asarray(t.phi), np.asarray(t.psi)
    # dual feasibility and complementary slackness on the sorted matching
    assert np.all(phi[:, None] + psi[None, :] <= c + 1e-9 * (1 + np.abs(c)))
    sig = np.asarray(t.sigma)
    np.testing.assert_allclose(phi[sig] + psi, c[sig, np.arange(n)], atol=1e-9)
    # the matching is the sorted one, the cost is W2²·K/2 by sorting and the brute-force optimum
    rank = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    np.testing.assert_array_equal(rank(y[sig, 0]), rank(x[:, 0]))
    w2 = float(wasserstein_1d(y[:, 0], x[:, 0], p=2))
    np.testing.assert_allclose(float(t.cost), 0.5 * K * w2 ** 2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(float(t.cost), _brute_cost(y, x, K), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(phi.mean() + psi.mean(), float(t.cost), atol=1e-9)


def test_lp_duals_feasible_complementary_and_equal_to_sorting_in_1d():
    key = jax.random.PRNGKey(0)
    y = jax.random.normal(key, (7, 2))
    x = jax.random.normal(jax.random.PRNGKey(1), (5, 2)) + 1.0
    t = transport_lp(y, x, 2.0)
    c = np.asarray(cost_matrix(y, x, 2.0))
    phi, psi = np.asarray(t.phi), np.asarray(t.psi)
    assert np.all(phi[:, None] + psi[None, :] <= c + 1e-9)
    # complementary slackness: each fake's transport target is a tight pair
    np.testing.assert_allclose(phi[np.asarray(t.sigma)] + psi, c[np.asarray(t.sigma), np.arange(5)],
                               atol=1e-9)
    np.testing.assert_allclose(phi.mean() + psi.mean(), float(t.cost), atol=1e-9)
    # in 1-D the LP optimum equals sorting, under jit and vmap
    y1 = jax.random.normal(key, (2, 6, 1))
    x1 = jax.random.normal(jax.random.PRNGKey(2), (2, 6, 1))
    lp = jax.vmap(lambda a, b: transport_lp(a, b, 1.0))(y1, x1)
    so = jax.vmap(lambda a, b: transport_1d(a, b, 1.0))(y1, x1)
    np.testing.assert_allclose(lp.cost, so.cost, atol=1e-10)
    np.testing.assert_array_equal(lp.sigma, so.sigma)


def test_game_field_at_the_potentials_is_the_regulariser_only():
    """With D regressed exactly (D(y) = φ, D(x) = -ψ) only the transport regulariser moves D;
    with γ = 0 the discriminator's field vanishes there."""
    y = jnp.linspace(-1.0, 1.0, 5)[:, None]
    z = jnp.linspace(0.0, 1.0, 5)[:, None]

    def G(theta, zs):                               # G(z) = a z + b
        return theta[0] * zs + theta[1]

    th = jnp.array([2.0, 0.3])
    x = G(th, z)
    t = transport(y, x, 1.0)
    pts = jnp.concatenate([y, x])[:, 0]
    vals = jnp.concatenate([t.phi, -t.psi])

    def D(w, xs):                                   # interpolating polynomial through the targets
        V = jnp.vander(xs[:, 0], 10, increasing=True)
        return V @ w

    w = jnp.linalg.solve(jnp.vander(pts, 10, increasing=True), vals)
    game = wgan_qc_game((G, th), (D, w), y, z, gamma=0.0)
    v = game.field(State(th, w))
    np.testing.assert_allclose(v.disc, 0.0, atol=1e-8)
    game2 = wgan_qc_game((G, th), (D, w), y, z, gamma=1.0)
    assert float(jnp.max(jnp.abs(game2.field(State(th, w)).disc))) > 1e-3
    # the generator ascends mean D(G(z))
    gd = jax.grad(lambda a: jnp.mean(D(w, G(a, z))))(th)
    np.testing.assert_allclose(v.gen, gd, rtol=1e-12)
