"""Samplers of gandyn.data: shapes, jit/vmap over keys, and their moments against the spec."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn import data


def test_ring_and_grid_modes_are_the_stated_lattices():
    m = np.asarray(data.ring_modes(8, 2.0))
    assert m.shape == (8, 2)
    np.testing.assert_allclose(np.hypot(m[:, 0], m[:, 1]), 2.0, rtol=1e-12)
    np.testing.assert_allclose(np.arctan2(m[1, 1], m[1, 0]), np.pi / 4, rtol=1e-12)
    g = np.asarray(data.grid_modes(5, 2.0))
    assert g.shape == (25, 2)
    np.testing.assert_allclose(np.unique(g[:, 0]), [-4, -2, 0, 2, 4])
    assert len({tuple(r) for r in g}) == 25


@pytest.mark.parametrize("sampler,modes,sigma", [
    (functools.partial(data.ring, n=4000), data.ring_modes(), 0.02),
    (functools.partial(data.grid, n=4000), data.grid_modes(), 0.05),
])
def test_2d_mixtures_sample_around_their_modes(sampler, modes, sigma):
    x = np.asarray(jax.jit(sampler)(jax.random.PRNGKey(0)))
    assert x.shape == (4000, 2)
    d = np.linalg.norm(x[:, None, :] - np.asarray(modes)[None], axis=-1)
    nearest = d.argmin(1)
    # the offset to the nearest centre is N(0, sigma^2 I): |offset|^2 / sigma^2 ~ chi2(2), mean 2
    r2 = (d.min(1) / sigma) ** 2
    assert abs(r2.mean() - 2.0) < 5 * 2.0 / np.sqrt(4000)
    # every mode equally likely: counts within 5 binomial sds of n / K
    k = len(modes)
    counts = np.bincount(nearest, minlength=k)
    sd = np.sqrt(4000 * (1 / k) * (1 - 1 / k))
    assert np.all(np.abs(counts - 4000 / k) < 5 * sd)


def test_mixture_1d_weights_means_and_vmap_over_keys():
    keys = jax.random.split(jax.random.PRNGKey(1), 4)
    draw = jax.jit(jax.vmap(lambda k: data.mixture_1d(k, 5000, jnp.array([-3.0, 4.0]),
                                                      jnp.array([0.5, 1.0]),
                                                      jnp.array([0.25, 0.75]))))
    x = np.asarray(draw(keys))
    assert x.shape == (4, 5000)
    assert not np.allclose(x[0], x[1])             # different keys, different draws
    left = (x < 0.5).mean(1)
    assert np.all(np.abs(left - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 5000))
    right = x[x > 0.5]
    assert abs(right.mean() - 4.0) < 5 * 1.0 / np.sqrt(right.size)


def test_line_is_on_the_segment():
    x = np.asarray(data.line(jax.random.PRNGKey(2), 500, (0.0, 1.0), (2.0, 2.0)))
    a, b = np.array([0.0, 1.0]), np.array([2.0, 2.0])
    t = (x - a) @ (b - a) / ((b - a) @ (b - a))
    np.testing.assert_allclose(a + t[:, None] * (b - a), x, atol=1e-12)
    assert t.min() >= 0 and t.max() <= 1 and t.max() - t.min() > 0.9
    noisy = np.asarray(data.line(jax.random.PRNGKey(2), 500, (0.0, 1.0), (2.0, 2.0), sigma=0.1))
    assert 0.05 < np.abs(noisy - x).std() < 0.2
