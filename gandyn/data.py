"""Small data sets for sampled GANs: samplers ``(key, n, ...) -> samples`` (jit/vmap-able).

Every sampler is a pure function of a ``jax.random`` key; ``n`` (and any argument that fixes
a shape, such as the number of modes) is static, the locations and widths may be traced.
``functools.partial(ring, n=256)`` is a sampler ``key -> (256, 2)`` ready for a minibatch
wrapper (``gandyn.updaters.minibatch``).

* ``mixture_1d``: a 1-D Gaussian mixture ``sum_k w_k N(mu_k, sigma_k^2)``, shape ``(n,)``.
* ``ring``: ``n_modes`` Gaussians of std ``sigma`` on a circle of radius ``radius``
  (8 modes, radius 2, sigma 0.02: Metz et al. 2017, "Unrolled Generative Adversarial
  Networks"; Srivastava et al. 2017, "VEEGAN"), shape ``(n, 2)``.
* ``grid``: ``size x size`` Gaussians on the lattice ``spacing * {-(size-1)/2, ..., (size-1)/2}^2``
  (5 x 5, spacing 2, sigma 0.05: Srivastava et al. 2017), shape ``(n, 2)``.
* ``line``: uniform on the segment from ``start`` to ``end`` plus isotropic noise ``sigma``
  (a one-dimensional manifold in the plane), shape ``(n, 2)``.

``ring_modes`` / ``grid_modes`` return the mode centres, the input of
``gandyn.metrics.modes_covered``. Mixture components are equally likely unless weights are given.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

__all__ = ["grid", "grid_modes", "line", "mixture", "mixture_1d", "ring", "ring_modes"]


def _components(key, n, n_modes, weights):
    """Component index of each of ``n`` samples (categorical over ``weights``, uniform if None)."""
    if weights is None:
        return jax.random.randint(key, (n,), 0, n_modes)
    logits = jnp.log(jnp.asarray(weights))
    return jax.random.categorical(key, logits, shape=(n,))


def mixture(key, n: int, means, sigma, weights=None):
    """``n`` samples of an isotropic Gaussian mixture with centres ``means`` ``(K, d)``,
    per-component std ``sigma`` (scalar or ``(K,)``) and weights (``(K,)``, default uniform)."""
    means = jnp.asarray(means)
    k_idx, k_eps = jax.random.split(key)
    idx = _components(k_idx, n, means.shape[0], weights)
    sig = jnp.broadcast_to(jnp.asarray(sigma, means.dtype), means.shape[:1])
    eps = jax.random.normal(k_eps, (n,) + means.shape[1:], means.dtype)
    return means[idx] + sig[idx].reshape((n,) + (1,) * (means.ndim - 1)) * eps


def mixture_1d(key, n: int, means, sigmas, weights=None):
    """``n`` samples of ``sum_k w_k N(mu_k, sigma_k^2)`` on the line, shape ``(n,)``."""
    means = jnp.atleast_1d(jnp.asarray(means, dtype=jnp.result_type(float)))
    return mixture(key, n, means[:, None], jnp.atleast_1d(jnp.asarray(sigmas)), weights)[:, 0]


def ring_modes(n_modes: int = 8, radius=2.0):
    """Centres ``radius * (cos 2 pi k / K, sin 2 pi k / K)``, shape ``(K, 2)``."""
    ang = 2.0 * math.pi * jnp.arange(n_modes) / n_modes
    return jnp.asarray(radius) * jnp.stack([jnp.cos(ang), jnp.sin(ang)], axis=1)


def ring(key, n: int, n_modes: int = 8, radius=2.0, sigma=0.02):
    """``n`` samples of the ring of ``n_modes`` Gaussians (radius, std ``sigma``), ``(n, 2)``."""
    return mixture(key, n, ring_modes(n_modes, radius), sigma)


def grid_modes(size: int = 5, spacing=2.0):
    """Centres of the ``size x size`` lattice centred at 0 with step ``spacing``, ``(size**2, 2)``;
    for 5 x 5 and spacing 2 the coordinates are -4, -2, 0, 2, 4."""
    c = (jnp.arange(size) - (size - 1) / 2.0) * jnp.asarray(spacing)
    gx, gy = jnp.meshgrid(c, c, indexing="ij")
    return jnp.stack([gx.ravel(), gy.ravel()], axis=1)


def grid(key, n: int, size: int = 5, spacing=2.0, sigma=0.05):
    """``n`` samples of the ``size x size`` grid of Gaussians (std ``sigma``), ``(n, 2)``."""
    return mixture(key, n, grid_modes(size, spacing), sigma)


def line(key, n: int, start=(-1.0, -1.0), end=(1.0, 1.0), sigma=0.0):
    """``n`` points uniform on the segment ``start -> end`` plus ``N(0, sigma^2 I)`` noise,
    shape ``(n, 2)`` (``sigma = 0``: exactly on the one-dimensional manifold)."""
    a = jnp.asarray(start, dtype=jnp.result_type(float))
    b = jnp.asarray(end, dtype=a.dtype)
    k_t, k_eps = jax.random.split(key)
    t = jax.random.uniform(k_t, (n, 1), a.dtype)
    return a + t * (b - a) + jnp.asarray(sigma, a.dtype) * jax.random.normal(k_eps, (n, 2), a.dtype)
