"""WGAN-QC (Liu, Gu & Samaras 2019): exact transport by sorting and by LP, the game's field."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
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


# -- the normalisation of the potentials: centred, mean φ = mean ψ --------------------------------
def _brute_centre(y, x, K):
    """The centred potentials by their definition, with LPs only: the range of each difference
    x_b - x_a (x = (φ, -ψ)) over the optimal duals, the centre of ``centred_potentials``, then
    mean φ = mean ψ. Independent of the plan's support and of any shortest path."""
    from scipy.optimize import linprog

    c = np.asarray(cost_matrix(y, x, K))
    n, m = c.shape
    A = np.zeros((n * m, n + m))
    for i in range(n):
        for j in range(m):
            A[i * m + j, i] = A[i * m + j, n + j] = 1.0
    obj = np.concatenate([np.full(n, 1.0 / n), np.full(m, 1.0 / m)])
    best = linprog(-obj, A_ub=A, b_ub=c.ravel(), bounds=(None, None), method="highs")
    sign = np.concatenate([np.ones(n), -np.ones(m)])          # x = (φ, -ψ)
    N = n + m
    d = np.zeros((N, N))
    for a in range(N):
        for b in range(N):
            if a == b:
                continue
            e = np.zeros(N)
            e[b], e[a] = sign[b], -sign[a]
            r = linprog(-e, A_ub=A, b_ub=c.ravel(), A_eq=obj[None], b_eq=[-best.fun],
                        bounds=(None, None), method="highs")
            assert r.status == 0
            d[a, b] = -r.fun
    xc = 0.5 * (d.mean(axis=0) - d.mean(axis=1))
    phi, psi = xc[:n], -xc[n:]
    t = 0.5 * (psi.mean() - phi.mean())
    return phi + t, psi - t


@pytest.mark.parametrize("n,m,dim,seed", [(4, 3, 2, 0), (3, 5, 1, 1), (4, 4, 2, 2),
                                          (5, 5, 1, 3)])
def test_lp_potentials_are_the_brute_force_centre(n, m, dim, seed):
    ky, kx = jax.random.split(jax.random.PRNGKey(100 + seed))
    y = 2.0 * jax.random.normal(ky, (n, dim))
    x = 1.5 * jax.random.normal(kx, (m, dim)) + 0.4
    K = 1.7
    phi, psi = _brute_centre(y, x, K)
    t = transport_lp(y, x, K)
    np.testing.assert_allclose(t.phi, phi, atol=1e-7)
    np.testing.assert_allclose(t.psi, psi, atol=1e-7)
    if dim == 1 and n == m:
        s = transport_1d(y, x, K)
        np.testing.assert_allclose(s.phi, phi, atol=1e-7)
        np.testing.assert_allclose(s.psi, psi, atol=1e-7)


def test_1d_potentials_are_the_trapezoid_rule_and_both_solvers_agree():
    """In 1-D the centred ψ steps along the sorted fakes by K (x+ - x)·(mean of the two
    displacements x - T(x)): the trapezoid rule of ψ' = K (x - T(x)); LP and sorting agree."""
    y = jnp.array([[2.5], [-1.0], [0.3], [4.0], [-3.2], [1.1]])
    x = jnp.array([[0.9], [-2.2], [3.1], [0.0], [5.5], [-0.4]])
    K = 0.8
    s, lp = transport_1d(y, x, K), transport_lp(y, x, K)
    xs, ys = np.sort(np.asarray(x[:, 0])), np.sort(np.asarray(y[:, 0]))
    disp = xs - ys
    steps = K * np.diff(xs) * 0.5 * (disp[1:] + disp[:-1])
    order = np.argsort(np.asarray(x[:, 0]))
    np.testing.assert_allclose(np.diff(np.asarray(s.psi)[order]), steps, rtol=1e-12)
    np.testing.assert_allclose(s.phi.mean(), s.psi.mean(), atol=1e-12)
    np.testing.assert_allclose(s.phi, lp.phi, atol=1e-9)
    np.testing.assert_allclose(s.psi, lp.psi, atol=1e-9)


def bank_generator(theta, zs):
    """G(θ, z_j) = θ_j: the fakes are the parameters (one row per latent)."""
    return theta


@pytest.mark.parametrize("n,dim", [(2, 1), (5, 1), (9, 1), (4, 2), (7, 3)])
def test_generator_equal_to_data_is_a_rest_point(n, dim):
    """Fakes = data (shuffled), spread out: the potentials are flat (φ = ψ = 0: the optimal
    duals' centre when the cost is symmetric) for both solvers, and with D ≡ 0 the whole
    field vanishes (a sloped target would move D, and then G)."""
    from gandyn.players import mlp

    key = jax.random.PRNGKey(n + 10 * dim)
    y = 4.0 * jax.random.normal(key, (n, dim))
    x = y[::-1]
    methods = ("sort", "lp") if dim == 1 else ("lp",)
    for method in methods:
        t = transport(y, x, 1.3, method)
        np.testing.assert_allclose(t.phi, 0.0, atol=1e-9)
        np.testing.assert_allclose(t.psi, 0.0, atol=1e-9)
        np.testing.assert_allclose(float(t.cost), 0.0, atol=1e-12)
    D, ps = mlp(jax.random.PRNGKey(3), dim, width=4, depth=1, activation="tanh")
    layers = dict(ps["params"])
    last = sorted(layers)[-1]                       # the output layer: D ≡ 0
    layers[last] = jax.tree_util.tree_map(jnp.zeros_like, layers[last])
    ps = {**ps, "params": layers}
    assert float(jnp.max(jnp.abs(D(ps, y)))) == 0.0
    for method in methods:
        game = wgan_qc_game((bank_generator, x), (D, ps), y, jnp.zeros((n, 1)), gamma=0.5,
                            K=1.3, method=method)
        v = game.field(State(x, ps))
        for leaf in jax.tree_util.tree_leaves(v):
            np.testing.assert_allclose(leaf, 0.0, atol=1e-9)
