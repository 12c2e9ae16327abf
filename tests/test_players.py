"""Players: flax stays out of `import gandyn`; parameterisations, BatchNorm, spectral norm."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.players import ACTIVATIONS, MLPApply, mlp, power_iterate


def test_import_gandyn_does_not_import_flax():
    code = ("import gandyn, gandyn.kernel, gandyn.games.grid, sys; "
            "assert 'flax' not in sys.modules, 'flax imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ntk_and_standard_parameterisations_are_the_same_function_at_init():
    # NTK: (w/sqrt(n)) W x + b·β with W, β ~ N(0,1); standard: W' ~ N(0, w²/n), b' ~ N(0, b²)
    xs = jax.random.normal(jax.random.PRNGKey(1), (6, 3))
    f, p = mlp(jax.random.PRNGKey(0), 3, width=8, depth=1, w_std=1.5, b_std=0.1)
    g, _ = mlp(jax.random.PRNGKey(0), 3, width=8, depth=1, w_std=1.5, b_std=0.1,
               parameterization="standard")
    q = jax.tree_util.tree_map(lambda a: a, p)
    for k, n in (("dense_0", 3), ("dense_1", 8)):
        q["params"][k] = {"kernel": p["params"][k]["kernel"] * 1.5 / np.sqrt(n),
                          "bias": p["params"][k]["bias"] * 0.1}
    np.testing.assert_allclose(f(p, xs), g(q, xs), rtol=1e-13)
    w = np.asarray(p["params"]["dense_0"]["kernel"])
    assert w.shape == (3, 8) and w.dtype == np.float64


def test_every_activation_runs_and_is_hashable():
    xs = jnp.linspace(-1, 1, 10).reshape(5, 2)
    for act in ACTIVATIONS:
        f, p = mlp(jax.random.PRNGKey(0), 2, width=4, depth=1, activation=act)
        assert f(p, xs).shape == (5,)
        assert f == MLPApply(4, 1, act) and hash(f) == hash(MLPApply(4, 1, act))
    with pytest.raises(ValueError):
        mlp(jax.random.PRNGKey(0), 2, activation="swish")


def test_batchnorm_couples_the_batch():
    f, p = mlp(jax.random.PRNGKey(0), 2, width=8, depth=1, batchnorm=True)
    xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2))
    assert not f.per_example
    a = f(p, xs)[:3]
    b = f(p, xs[:3])
    assert float(jnp.max(jnp.abs(a - b))) > 1e-3     # D(x_i) depends on the other x_j
    # train-mode statistics: the hidden pre-activations are standardised over the batch
    c = f(p, xs + 10.0)                               # a shift of the whole batch is removed
    np.testing.assert_allclose(c, f(p, xs), rtol=1e-6, atol=1e-8)


def test_spectral_norm_exact_and_power():
    xs = jax.random.normal(jax.random.PRNGKey(1), (4, 3))
    f, p = mlp(jax.random.PRNGKey(0), 3, width=6, depth=1, spectral_norm="exact",
               parameterization="standard", activation="tanh")
    # exact: W / σ_max(W) by SVD; the map x -> D(x) is 1-Lipschitz (tanh and biases aside)
    jac = jax.jit(jax.jacobian(lambda x: f(p, x[None])[0]))(xs[0])
    assert float(jnp.linalg.norm(jac)) <= 1 + 1e-12
    g, q = mlp(jax.random.PRNGKey(0), 3, width=6, depth=1, spectral_norm="power",
               parameterization="standard", activation="tanh")
    # power iteration converges to the exact σ: after enough updates the outputs agree
    for _ in range(60):
        q = power_iterate(g, q, xs)
    np.testing.assert_allclose(g(q, xs), f(p, xs), rtol=1e-6)
    # u sits under stop_gradient: its derivative is exactly zero
    grads = jax.jit(jax.grad(lambda v: jnp.sum(g(v, xs))))(q)
    assert all(float(jnp.max(jnp.abs(x))) == 0 for x in jax.tree_util.tree_leaves(
        grads["spectral"]))


@pytest.mark.parametrize("batchnorm, par", [(False, "ntk"), (True, "standard")])
def test_power_spectral_norm_held_vectors(batchnorm, par):
    # held= evaluates the same network (flax's own step from the stored u), bit for bit, and
    # its gradient in params with the held (u, v) fixed is flax's stop_gradient gradient
    f, p = mlp(jax.random.PRNGKey(8), 3, width=5, depth=2, activation="tanh", w_std=1.7,
               b_std=0.4, parameterization=par, batchnorm=batchnorm, spectral_norm="power")
    xs = jax.random.normal(jax.random.PRNGKey(9), (6, 3))
    p = power_iterate(f, p, xs)
    h = f.hold(p)
    assert len(h) == 3 and all(u.shape == (1, n) and v.shape == (1, m)
                               for (u, v), (m, n) in zip(h, [(3, 5), (5, 5), (5, 1)]))
    np.testing.assert_array_equal(f(p, xs, held=h), f(p, xs))
    loss = lambda q, **kw: jnp.sum(jnp.sin(f(q, xs, **kw)))  # noqa: E731
    for a, b in zip(jax.tree_util.tree_leaves(jax.grad(loss)(p, held=h)),
                    jax.tree_util.tree_leaves(jax.grad(loss)(p))):
        np.testing.assert_array_equal(a, b)
    # (u, v) is one power step from the stored u: v = W u/|W u|, u' = Wᵀ v/|Wᵀ v| (numpy)
    W = np.asarray(p["params"]["dense_1"]["kernel"])
    u = np.asarray(p["spectral"]["sn_1"]["dense_1/kernel/u"])[0]
    v = W @ u / np.linalg.norm(W @ u)
    np.testing.assert_allclose(h[1][1][0], v, rtol=1e-12)
    np.testing.assert_allclose(h[1][0][0], W.T @ v / np.linalg.norm(W.T @ v), rtol=1e-12)
    # but as a function of the point, σ = v W uᵀ moves with u (flax's stop_gradient hid it)
    t = {**jax.tree_util.tree_map(jnp.zeros_like, p),
         "spectral": jax.tree_util.tree_map(jnp.ones_like, p["spectral"])}
    du = jax.jvp(lambda q: f(q, xs, held=f.hold(q)), (p,), (t,))[1]
    assert float(jnp.max(jnp.abs(du))) > 1e-7     # (BatchNorm removes all but the last σ)
    assert float(jnp.max(jnp.abs(jax.jvp(lambda q: f(q, xs), (p,), (t,))[1]))) == 0
    g, q = mlp(jax.random.PRNGKey(8), 3, width=5, depth=1, spectral_norm="exact")
    assert g.hold(q) is None
    with pytest.raises(ValueError, match="held"):
        g(q, xs, held=h)


def test_power_spectral_state_keeps_the_player_dtype_through_a_scan():
    # flax's SpectralNorm stored u and σ in float32; one update made them float64, so a
    # lax.scan over training steps (carry dtype must not change) failed
    f, p = mlp(jax.random.PRNGKey(3), 2, width=5, depth=2, spectral_norm="power",
               parameterization="standard")
    xs = jax.random.normal(jax.random.PRNGKey(4), (7, 2))
    dtypes = lambda q: {x.dtype for x in jax.tree_util.tree_leaves(q["spectral"])}  # noqa: E731
    assert dtypes(p) == {jnp.dtype("float64")}
    assert dtypes(power_iterate(f, p, xs)) == {jnp.dtype("float64")}
    q, _ = jax.lax.scan(lambda c, _: (power_iterate(f, c, xs), None), p, None, length=5)
    assert dtypes(q) == {jnp.dtype("float64")}


@pytest.mark.parametrize("in_dim, w_std, act", [(1, 1.5, "relu"), (2, 2.0, "tanh"),
                                                 (3, 3.0, "leaky_relu")])
def test_exact_spectral_norm_is_norm_one_in_the_default_parameterisation(in_dim, w_std, act):
    # depth 0, out_dim 4: the network is one layer x -> W_eff x + b; its Jacobian in x is
    # the effective weight, whose largest singular value (numpy's SVD) must be 1. Under the
    # NTK parameterisation it was w_std/sqrt(fan-in) (1.5 for in_dim 1).
    f, p = mlp(jax.random.PRNGKey(5), in_dim, width=7, depth=0, out_dim=4, w_std=w_std,
               b_std=0.3, spectral_norm="exact")
    x0 = jnp.ones((in_dim,))
    jac = np.asarray(jax.jacobian(lambda x: f(p, x[None])[0])(x0))
    assert abs(np.linalg.svd(jac, compute_uv=False)[0] - 1) < 1e-10
    # the whole network is 1-Lipschitz: |∇_x D| <= 1 at random inputs
    g, q = mlp(jax.random.PRNGKey(6), in_dim, width=9, depth=3, w_std=w_std, b_std=0.3,
               activation=act, spectral_norm="exact")
    xs = 2 * jax.random.normal(jax.random.PRNGKey(7), (64, in_dim))
    grads = jax.vmap(jax.grad(lambda x: g(q, x[None])[0]))(xs)
    norms = np.linalg.norm(np.asarray(grads), axis=1)
    assert np.all(norms <= 1 + 1e-12) and norms.max() > 0.05


def test_power_spectral_norm_converges_to_norm_one_in_the_default_parameterisation():
    f, p = mlp(jax.random.PRNGKey(5), 1, width=7, depth=0, out_dim=4, w_std=1.5,
               spectral_norm="power")
    xs = jnp.ones((3, 1))
    for _ in range(60):
        p = power_iterate(f, p, xs)
    jac = np.asarray(jax.jacobian(lambda x: f(p, x[None])[0])(xs[0]))
    assert abs(np.linalg.svd(jac, compute_uv=False)[0] - 1) < 1e-8
