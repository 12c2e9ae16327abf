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
