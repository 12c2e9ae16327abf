"""Update rules: generic registry checks, equivalences with optax and with dense formulas."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn import State, jacobian, zero_sum
from gandyn.games.bilinear import xy
from gandyn.games.dirac import Clip, dirac
from gandyn.updaters import (
    ALL_UPDATERS,
    alternating,
    cgd,
    consensus_field,
    la,
    lola,
    lookahead,
    negative_momentum,
    optax_players,
    optimistic,
    sga_field,
    simultaneous,
)

A2 = jnp.array([[1.0, 0.5], [-0.3, 2.0]])


def _loss(x, y, p):
    # a non-linear zero-sum game on R^2 x R^2: coupling x^T A y plus smooth self-terms
    return x @ p @ y + 0.1 * jnp.sum(jnp.sin(x) ** 2) - 0.2 * jnp.sum(jnp.log(jnp.cosh(y)))


def vec_game():
    z = jnp.zeros(2)
    return zero_sum("xAy+", _loss, A2, equilibrium=(z, z))


Z0 = State(jnp.array([0.3, -0.2]), jnp.array([0.1, 0.4]))


@pytest.mark.parametrize("name", sorted(ALL_UPDATERS))
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_registry_shapes_dtypes_finite_no_recompile(name, dtype):
    game = vec_game()
    z = jax.tree_util.tree_map(lambda x: x.astype(dtype), Z0)
    traces = []

    def run(u, z):
        traces.append(1)
        s = u.init(game, z)
        for _ in range(3):
            z, s = u.step(game, z, s)
        return z, s

    f = jax.jit(run)
    z1, s1 = f(ALL_UPDATERS[name](0.05), z)
    z2, _ = f(ALL_UPDATERS[name](0.02), z)          # another rate: same compiled program
    assert len(traces) == 1, f"{name} recompiled when only the rate changed"
    for a, b in zip(jax.tree_util.tree_leaves(z1), jax.tree_util.tree_leaves(z)):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert np.all(np.isfinite(a))
    assert not np.allclose(np.asarray(z1.gen), np.asarray(z2.gen))   # the rate did matter
    # the updater state keeps its structure and dtypes across a step (needed by lax.scan)
    s0 = ALL_UPDATERS[name](0.05).init(game, z)
    assert jax.tree_util.tree_structure(s0) == jax.tree_util.tree_structure(s1)
    for a, b in zip(jax.tree_util.tree_leaves(s0), jax.tree_util.tree_leaves(s1)):
        assert jnp.result_type(a) == jnp.result_type(b)
    # the equilibrium (with init's memory) is a fixed point: same shapes, so no new trace
    ze, _ = f(ALL_UPDATERS[name](0.1), jax.tree_util.tree_map(lambda x: x.astype(dtype),
                                                              game.equilibrium))
    assert len(traces) == 1
    np.testing.assert_allclose(np.concatenate([ze.gen, ze.disc]), 0.0, atol=1e-14)


# projection is applied by the protocol's ``step``: one updater per kind of memory suffices
@pytest.mark.parametrize("name", ["simultaneous", "alternating", "optimistic", "cgd",
                                  "negative_momentum", "lookahead", "optax", "hamiltonian"])
def test_projection_applied_after_every_step(name):
    # WGAN Dirac-GAN with weight clipping at 0.1: the discriminator never leaves [-0.1, 0.1]
    game = dirac("wgan", Clip(0.1))
    traj = _trajectory(game, ALL_UPDATERS[name](0.3), State(jnp.array([1.0]), jnp.array([0.5])), 4)
    assert np.all(np.abs(traj[:, 1]) <= 0.1 + 1e-15)
    assert np.any(np.abs(traj[:, 1]) > 0.099)     # started outside: the clip was active


def test_lola_needs_objectives():
    # the x·y game given by its fields alone (every built-in game declares its objectives)
    fields_only = xy().replace(objectives=None)
    with pytest.raises(ValueError, match="objective"):
        lola(0.1).step(fields_only, State(1.0, 1.0), ())
    # LA needs only the fields
    la(0.1).step(fields_only, State(1.0, 1.0), ())


def test_bad_arguments():
    with pytest.raises(ValueError, match="order"):
        alternating(0.1, order="both")
    with pytest.raises(ValueError, match="n_disc"):
        alternating(0.1, n_disc=0)
    with pytest.raises(ValueError, match="solver"):
        cgd(0.1, solver="lu")
    with pytest.raises(ValueError, match="k must"):
        lookahead(simultaneous(0.1), k=0)
    with pytest.raises(TypeError, match="GradientTransformation"):
        optax_players("sgd")


@partial(jax.jit, static_argnums=3)
def _run(game, u, z, n):
    """``n`` steps from ``init`` in one jitted scan; the flattened states after each step."""
    def body(c, _):
        c = u.step(game, *c)
        return c, jnp.concatenate([jnp.ravel(c[0].gen), jnp.ravel(c[0].disc)])

    return jax.lax.scan(body, (z, u.init(game, z)), None, length=n)[1]


def _trajectory(game, u, z, n):
    return np.asarray(_run(game, u, z, n))


@given(st.floats(0.01, 0.5), st.floats(0.01, 0.5))
@settings(max_examples=4)
def test_optax_sgd_reproduces_simultaneous_exactly(hg, hd):
    game = vec_game()
    a = _trajectory(game, simultaneous(hg, hd), Z0, 10)
    b = _trajectory(game, optax_players(optax.sgd(hg), optax.sgd(hd)), Z0, 10)
    c = _trajectory(game, optax_players(optax.sgd(1.0), lr=hg, lr_disc=hd), Z0, 10)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=0, atol=1e-15)


def test_optimistic_matches_optax_optimistic_gradient_descent():
    game = vec_game()
    h = 0.2
    a = _trajectory(game, optimistic(h), Z0, 15)
    b = _trajectory(game, optax_players(optax.optimistic_gradient_descent(h)), Z0, 15)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_negative_momentum_is_heavy_ball():
    # z_{k+1} = z_k + h v(z_k) + beta (z_k - z_{k-1}), written out by hand
    game, h, beta = vec_game(), 0.1, -0.4
    a = _trajectory(game, negative_momentum(h, beta=beta, alternating=False), Z0, 12)
    zf = np.concatenate([Z0.gen, Z0.disc])
    prev, cur, ref = zf.copy(), zf.copy(), []
    for _ in range(12):
        v = game.flat_field(jnp.asarray(cur), Z0)
        nxt = cur + h * np.asarray(v) + beta * (cur - prev)
        prev, cur = cur, nxt
        ref.append(cur)
    np.testing.assert_allclose(a, np.array(ref), rtol=1e-13, atol=1e-15)


def test_cgd_solvers_agree_on_a_nonlinear_zero_sum_game():
    game = vec_game()
    ref = _trajectory(game, cgd(0.3, 0.7, solver="dense"), Z0, 5)
    for solver in ("cg", "gmres"):
        got = _trajectory(game, cgd(0.3, 0.7, solver=solver, tol=1e-12), Z0, 5)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def test_cgd_step_solves_the_local_bilinear_nash_system():
    # (I - H J_off) Δ = H v with J from jacfwd (dense, independent of the solver's jvps)
    game, hg, hd = vec_game(), 0.4, 0.25
    J = np.asarray(jacobian(game, Z0))
    Joff = J.copy()
    Joff[:2, :2] = 0
    Joff[2:, 2:] = 0
    H = np.diag([hg, hg, hd, hd])
    v = np.asarray(game.flat_field(jnp.concatenate([Z0.gen, Z0.disc]), Z0))
    delta = np.linalg.solve(np.eye(4) - H @ Joff, H @ v)
    z1 = _trajectory(game, cgd(hg, hd), Z0, 1)[0]
    np.testing.assert_allclose(z1 - np.concatenate([Z0.gen, Z0.disc]),
                               delta, rtol=1e-9, atol=1e-13)


vec2 = st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4)


@given(vec2, st.floats(0.0, 3.0))
@settings(max_examples=10)
def test_consensus_field_is_v_minus_gamma_JTv(z, gamma):
    game = vec_game()
    zs = State(jnp.array(z[:2]), jnp.array(z[2:]))
    J = np.asarray(jacobian(game, zs))
    v = np.asarray(game.flat_field(jnp.array(z), zs))
    got = consensus_field(game, zs, gamma)
    np.testing.assert_allclose(np.concatenate([got.gen, got.disc]), v - gamma * J.T @ v,
                               rtol=1e-12, atol=1e-12)


@given(vec2, st.floats(0.1, 2.0))
@settings(max_examples=10)
def test_sga_field_against_the_dense_formula_with_alignment(z, lam):
    game = vec_game()
    zs = State(jnp.array(z[:2]), jnp.array(z[2:]))
    J = np.asarray(jacobian(game, zs))
    v = np.asarray(game.flat_field(jnp.array(z), zs))
    AJ = (J - J.T) / 2
    grad_h = J.T @ v
    # Balduzzi et al.: sign(<ξ, ∇H><Aᵀξ, ∇H>/d + ε) with ξ = -v and A = -A_J
    xi, A = -v, -AJ
    sign = np.sign(np.dot(xi, grad_h) * np.dot(A.T @ xi, grad_h) / 4 + 0.1)
    expected = -(xi + sign * lam * A.T @ xi)
    got = sga_field(game, zs, lam)
    np.testing.assert_allclose(np.concatenate([got.gen, got.disc]), expected, rtol=1e-12, atol=1e-12)


def test_sga_alignment_flips_sign_somewhere():
    # the alignment rule is not vacuous on this game: both signs occur on a grid of points
    game = vec_game()
    z = np.random.default_rng(0).uniform(-2, 2, size=(60, 4))
    zs = State(jnp.array(z[:, :2]), jnp.array(z[:, 2:]))
    a = jax.vmap(lambda s: sga_field(game, s, 1.0, align=True))(zs)
    b = jax.vmap(lambda s: sga_field(game, s, 1.0, align=False))(zs)
    same = np.all(np.isclose(np.asarray(a.gen), np.asarray(b.gen)), axis=1)
    assert same.any() and not same.all()


def test_lookahead_synchronises_every_k_steps():
    game, h, k, alpha = xy(), 0.1, 3, 0.5
    u = lookahead(simultaneous(h), alpha=alpha, k=k)
    z0 = State(jnp.array(1.0), jnp.array(0.0))
    s = u.init(game, z0)
    z = z0
    M = np.array([[1.0, -h], [h, 1.0]])            # simultaneous on xy
    for i in range(1, k):
        z, s = u.step(game, z, s)
        assert int(s.count) == i
        np.testing.assert_allclose([z.gen, z.disc], np.linalg.matrix_power(M, i) @ [1, 0])
    z, s = u.step(game, z, s)
    expected = (1 - alpha) * np.array([1.0, 0.0]) + alpha * np.linalg.matrix_power(M, k) @ [1, 0]
    assert int(s.count) == 0
    np.testing.assert_allclose([z.gen, z.disc], expected, rtol=1e-14)
    np.testing.assert_allclose([s.slow.gen, s.slow.disc], expected, rtol=1e-14)


def test_alternating_orders_differ_and_match_hand_computation():
    game, h = xy(), 0.3
    z = State(jnp.array(1.0), jnp.array(0.5))
    dz, _ = alternating(h, n_disc=2).step(game, z, ())
    # disc twice (y += h x), then gen (x -= h y)
    y = 0.5 + 2 * h * 1.0
    np.testing.assert_allclose([dz.gen, dz.disc], [1.0 - h * y, y], rtol=1e-15)
    gz, _ = alternating(h, n_disc=2, order="gen_first").step(game, z, ())
    x = 1.0 - h * 0.5
    np.testing.assert_allclose([gz.gen, gz.disc], [x, 0.5 + 2 * h * x], rtol=1e-15)
