"""Particles: exact 1-D Wasserstein distances; the kernel IPM flow moves fakes toward data."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gandyn.kernel import relu_ntk
from gandyn.particles import (
    flow_infinite,
    flow_network,
    ipm_discriminator,
    ring8,
    three_modes,
    wasserstein_1d,
)


def test_wasserstein_closed_forms():
    a = np.array([0.0, 1.0, 3.0])
    assert abs(wasserstein_1d(a, a + 2.5) - 2.5) < 1e-14
    assert abs(wasserstein_1d(a, a + 2.5, p=2) - 2.5) < 1e-14
    # {0} vs {0, 1}: W1 = 1/2, W2 = sqrt(1/2)
    assert abs(wasserstein_1d([0.0], [0.0, 1.0]) - 0.5) < 1e-14
    assert abs(wasserstein_1d([0.0], [0.0, 1.0], p=2) - np.sqrt(0.5)) < 1e-14


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=7),
       st.lists(st.floats(-5, 5), min_size=1, max_size=9))
def test_w1_is_the_area_between_cdfs(a, b):
    grid = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(np.sort(a), grid[:-1], side="right") / len(a)
    fb = np.searchsorted(np.sort(b), grid[:-1], side="right") / len(b)
    ref = np.sum(np.abs(fa - fb) * np.diff(grid))
    assert abs(wasserstein_1d(a, b) - ref) < 1e-9
    assert wasserstein_1d(a, b, p=2) >= wasserstein_1d(a, b) - 1e-12


def _kernel(x, y):
    return relu_ntk(x, y, depth=2, w_std=1.5, b_std=0.5)[0]


def test_infinite_ipm_flow_reduces_w1_on_three_modes():
    real = three_modes(jax.random.PRNGKey(0), 150)
    fake = jax.random.normal(jax.random.PRNGKey(1), (150, 1))
    d = ipm_discriminator(_kernel, real, fake)
    assert d(fake).shape == (150,)
    y = flow_infinite(_kernel, real, fake, steps=100, lr=0.1)
    assert np.all(np.isfinite(np.asarray(y)))
    assert wasserstein_1d(y, real) < 0.3 * wasserstein_1d(fake, real)   # 1.85 -> ~0.1


def test_network_flow_runs_on_the_ring():
    from gandyn.players import mlp

    real = ring8(jax.random.PRNGKey(0), 64)
    assert abs(float(jnp.mean(jnp.linalg.norm(real, axis=1))) - 5.0) < 0.3
    fake = jax.random.normal(jax.random.PRNGKey(1), (64, 2))
    f, p = mlp(jax.random.PRNGKey(2), 2, width=32, depth=2, b_std=0.5)
    y, p2, hist = flow_network(f, p, real, fake, steps=20, lr=0.5, lr_d=0.05, record=4)
    assert hist.shape == (4, 64, 2) and np.all(np.isfinite(np.asarray(y)))
    # the particles move out from the origin, toward the ring
    assert float(jnp.mean(jnp.linalg.norm(y, axis=1))) > float(
        jnp.mean(jnp.linalg.norm(fake, axis=1)))
