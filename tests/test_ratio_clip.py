"""Ratio clipping + re-weighting (Wu et al. 2020): the weights, their stopped gradient, and the
generator's density ratio kept inside [1 - ε, 1 + ε] by every step."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.data import ring
from gandyn.games import State
from gandyn.games.methods_regs import Reweight, sample_weights
from gandyn.games.ratio_clip import density_ratio, ratio_clip_game
from gandyn.games.sampled import sampled_game
from gandyn.games.sampled_regs import REGULARISERS
from gandyn.players import mlp
from gandyn.updaters.ratio_clip import ratio_clip


@settings(max_examples=20)
@given(st.lists(st.floats(-30, 30, allow_nan=False), min_size=12, max_size=12))
def test_weights_sum_to_n_and_are_ordered_like_the_scores(s):
    w = np.asarray(sample_weights(jnp.array(s)))
    np.testing.assert_allclose(w.sum(), len(s), rtol=1e-12)
    assert np.all(w >= 0)
    e = np.exp(np.array(s) - max(s))
    np.testing.assert_allclose(w, len(s) * e / e.sum(), rtol=1e-10, atol=1e-300)


def linear(w, xs):
    return xs @ w


def shift(theta, zs):
    return zs + theta


def test_reweighted_critic_gradient_treats_weights_as_constants():
    X = jnp.array([[0.0, 1.0], [2.0, -1.0]])
    Z = jnp.array([[1.0, 1.0], [-1.0, 0.5], [0.3, 0.2]])
    w = jnp.array([0.4, -1.1])
    game = sampled_game(loss="wgan", G=(shift, jnp.zeros(2)), D=(linear, w), data=X, latents=Z,
                        regs=(Reweight(),))
    assert REGULARISERS["reweight"] is Reweight
    v = game.field(State(jnp.zeros(2), w))
    c = np.asarray(sample_weights(Z @ w))                   # numbers, no gradient
    np.testing.assert_allclose(v.disc, X.mean(0) - (c[:, None] * np.asarray(Z)).mean(0),
                               rtol=1e-12)
    # the same critic objective from ratio_clip_game with λ = 0
    g2 = ratio_clip_game((shift, jnp.zeros(2)), (linear, w), X, Z, lam=0.0)
    np.testing.assert_allclose(g2.field(State(jnp.zeros(2), w)).disc, v.disc, rtol=1e-12)


def _setup(eps, lr, tx=None):
    keys = jax.random.split(jax.random.PRNGKey(3), 5)
    g_apply, th = mlp(keys[0], 2, width=8, depth=1, out_dim=2, parameterization="standard")
    d_apply, ps = mlp(keys[1], 2, width=8, depth=1, parameterization="standard")
    c_apply, cl = mlp(keys[2], 2, width=8, depth=1, parameterization="standard")
    data = ring(keys[3], 32)
    z = jax.random.normal(keys[4], (32, 2))
    game = ratio_clip_game((g_apply, th), (d_apply, ps), data, z)
    u = ratio_clip(lr, 0.05, G=g_apply, D=d_apply, C=(c_apply, cl), eps=eps, n_disc=2,
                   n_gen=3, tx=tx)
    return game, u, State(th, ps), z, g_apply, c_apply


@pytest.mark.parametrize("tx, lr", [(None, 2.0), (optax.scale_by_adam(0.5, 0.999), 0.5)])
def test_generator_density_ratio_stays_inside_the_clip_range(tx, lr):
    """Plain gradient steps and Adam steps (the trainer's): the line search keeps every
    ratio inside the range."""
    eps = 0.1
    game, u, z0, zs, g_apply, c_apply = _setup(eps, lr=lr, tx=tx)
    step = jax.jit(u.step)
    s = u.init(game, z0)
    z = z0
    clipped = 0
    for _ in range(3):
        old = z
        z, s = step(game, z, s)
        r = np.asarray(density_ratio(c_apply, s.clf, g_apply(old.gen, zs), g_apply(z.gen, zs)))
        assert np.all(r >= 1 - eps - 1e-12) and np.all(r <= 1 + eps + 1e-12)
        np.testing.assert_allclose([r.min(), r.max()], [s.ratio_min, s.ratio_max], rtol=1e-12)
        clipped += float(s.scale) < 1
        assert any(float(jnp.max(jnp.abs(a - b))) > 0 for a, b in
                   zip(jax.tree_util.tree_leaves(z.gen), jax.tree_util.tree_leaves(old.gen)))
    assert clipped > 0            # the large rate makes the line search act: the test can fail


def test_a_rejected_surrogate_step_leaves_the_generator_exactly_in_place():
    """A generator rate so large that no halving brings the ratios inside the range (the
    displacement overflows): the line search accepts scale 0, which must be no move at all,
    not 0 x inf = NaN."""
    game, u, z0, *_ = _setup(0.1, lr=1e300)
    z, s = jax.jit(u.step)(game, z0, u.init(game, z0))
    assert float(s.scale) == 0.0
    for a, b in zip(jax.tree_util.tree_leaves(z.gen), jax.tree_util.tree_leaves(z0.gen)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(s.ratio_min) == float(s.ratio_max) == 1.0


def test_generator_step_is_invariant_to_a_constant_added_to_the_critic():
    """float32 networks and Adam (as ``gandyn train`` runs them), after 40 rounds of 5 critic
    steps: the critic's output bias has gradient 0 only in exact arithmetic, so under float32
    Adam it drifts. The advantage is centred, so adding 5 to that bias by hand leaves the next
    generator step unchanged up to float32 round-off (uncentred, the surrogate gains
    5 · mean_j ∇r_j and the step differs at order 1)."""
    keys = jax.random.split(jax.random.PRNGKey(11), 5)
    o = dict(width=16, depth=1, parameterization="standard", dtype="float32")
    g_apply, th = mlp(keys[0], 2, out_dim=2, **o)
    d_apply, ps = mlp(keys[1], 2, **o)
    c_apply, cl = mlp(keys[2], 2, **o)
    data = ring(keys[3], 64).astype(jnp.float32)
    zs = jax.random.normal(keys[4], (64, 2), jnp.float32)
    game = ratio_clip_game((g_apply, th), (d_apply, ps), data, zs)
    u = ratio_clip(1e-3, G=g_apply, D=d_apply, C=(c_apply, cl), eps=0.2, n_disc=5, n_gen=5,
                   tx=optax.scale_by_adam(0.0, 0.9))
    step = jax.jit(u.step)
    z, s = State(th, ps), u.init(game, State(th, ps))
    for _ in range(40):
        z, s = step(game, z, s)
    bias = z.disc["params"]["dense_1"]["bias"]
    assert bias.dtype == jnp.float32
    shifted = State(z.gen, jax.tree_util.tree_map(lambda x: x, z.disc))
    shifted.disc["params"]["dense_1"]["bias"] = bias + 5.0
    np.testing.assert_allclose(d_apply(shifted.disc, data), d_apply(z.disc, data) + 5.0,
                               rtol=1e-6)
    a, _ = step(game, z, s)
    b, _ = step(game, shifted, s)
    moves = [np.asarray(x - y, float) for x, y in zip(jax.tree_util.tree_leaves(a.gen),
                                                      jax.tree_util.tree_leaves(z.gen))]
    scale = max(float(np.max(np.abs(m))) for m in moves)
    assert scale > 1e-4                       # the generator does move
    for x, y in zip(jax.tree_util.tree_leaves(a.gen), jax.tree_util.tree_leaves(b.gen)):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=0,
                                   atol=1e-3 * scale)
