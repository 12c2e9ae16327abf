"""Particle flows: generated samples moved by the gradient of the discriminator.

The generator is a cloud of particles ``y_j`` (a non-parametric generator) and follows
``dy_j/dt = ∇_x D(y_j)``. Two discriminators (Franceschi et al. 2022, GAN(TK)²'s finite mode):

* infinite-width IPM discriminator, closed form: trained for time ``t`` from 0 by gradient flow
  on ``E_data D - E_fake D`` in the kernel regime,
  ``D_t(x) = t (mean_i K(x, x_i) - mean_j K(x, y_j))`` with ``K`` the infinite-width NTK
  (:func:`gandyn.kernel.infinite_ntk`): a kernel witness function (MMD);
* a finite network (:func:`gandyn.players.mlp`), re-initialised never, trained by ``d_steps``
  gradient-ascent steps on the same IPM objective between particle steps.

Data: ``three_modes`` (1-D) and ``ring8`` (eight Gaussians on a circle of radius 5, σ 0.5).
Metrics: exact 1-D Wasserstein distances by sorting (``wasserstein_1d``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "flow_infinite",
    "flow_network",
    "ipm_discriminator",
    "ring8",
    "three_modes",
    "wasserstein_1d",
]


def three_modes(key, n: int = 500, centers=(-4.0, 0.0, 4.0), sigma: float = 0.5):
    """``n`` samples (n, 1) from an equal mixture of Gaussians at ``centers``."""
    k1, k2 = jax.random.split(key)
    c = jnp.asarray(centers, float)[jax.random.randint(k1, (n,), 0, len(centers))]
    return (c + sigma * jax.random.normal(k2, (n,)))[:, None]


def ring8(key, n: int = 500, radius: float = 5.0, sigma: float = 0.5):
    """``n`` samples (n, 2) from eight Gaussians at angles 2πk/8 on a circle of ``radius``."""
    k1, k2 = jax.random.split(key)
    a = 2 * jnp.pi * jax.random.randint(k1, (n,), 0, 8) / 8
    return radius * jnp.stack([jnp.cos(a), jnp.sin(a)], 1) + sigma * jax.random.normal(
        k2, (n, 2))


def ipm_discriminator(kernel, real, fake, t: float = 1.0):
    """``x -> D_t(x) = t (mean_i K(x, real_i) - mean_j K(x, fake_j))`` (batch ``(M, d) -> (M,)``).

    ``kernel(xs, ys) -> (M, N)`` is any kernel function (e.g. ``lambda a, b:
    relu_ntk(a, b, depth=2)[0]``)."""
    def d(xs):
        return t * (jnp.mean(kernel(xs, real), 1) - jnp.mean(kernel(xs, fake), 1))

    return d


def _grad_x(d, xs):
    return jax.vmap(jax.grad(lambda x: d(x[None])[0]))(xs)


@functools.partial(jax.jit, static_argnames=("kernel", "steps", "record"))
def flow_infinite(kernel, real, fake, *, steps: int, lr: float, t: float = 1.0,
                  record: int = 0):
    """``steps`` Euler steps ``y <- y + lr ∇D_t(y)`` with the closed-form IPM discriminator
    re-solved from the current particles every step. Returns the final particles, and with
    ``record > 0`` also ``record`` snapshots taken every ``steps // record`` steps."""
    every = max(steps // record, 1) if record else steps

    def step(y, _):
        return y + lr * _grad_x(ipm_discriminator(kernel, real, y, t), y), None

    def block(y, _):
        y, _ = jax.lax.scan(step, y, None, length=every)
        return y, y

    y, hist = jax.lax.scan(block, fake, None, length=steps // every)
    return (y, hist) if record else y


def flow_network(apply_fn, params, real, fake, *, steps: int, lr: float, lr_d: float,
                 d_steps: int = 1, record: int = 0):
    """Particles against a finite network ``apply_fn(params, xs)`` trained on the IPM objective
    ``mean D(real) - mean D(fake)`` by ``d_steps`` gradient-ascent steps (rate ``lr_d``) between
    particle steps ``y <- y + lr ∇_x D(y)``. Returns ``(particles, params)`` (and snapshots)."""
    return _flow_network(apply_fn, params, real, fake, steps, lr, lr_d, d_steps, record)


@functools.partial(jax.jit, static_argnums=(0, 4, 7, 8))
def _flow_network(apply_fn, params, real, fake, steps, lr, lr_d, d_steps, record):
    every = max(steps // record, 1) if record else steps

    def ipm(p, y):
        return jnp.mean(apply_fn(p, real)) - jnp.mean(apply_fn(p, y))

    def step(carry, _):
        p, y = carry
        for _ in range(d_steps):
            g = jax.grad(ipm)(p, y)
            p = jax.tree_util.tree_map(lambda a, b: a + lr_d * b, p, g)
        y = y + lr * _grad_x(lambda xs: apply_fn(p, xs), y)
        return (p, y), None

    def block(c, _):
        c, _ = jax.lax.scan(step, c, None, length=every)
        return c, c[1]

    (p, y), hist = jax.lax.scan(block, (params, fake), None, length=steps // every)
    return (y, p, hist) if record else (y, p)


def wasserstein_1d(a, b, p: int = 1) -> float:
    """Exact ``W_p`` between two 1-D empirical measures (uniform weights), by sorting.

    ``W_p^p = ∫_0^1 |F_a^{-1}(u) - F_b^{-1}(u)|^p du``; both quantile functions are constant
    between the breakpoints ``{i/n} ∪ {j/m}``, so the integral is a finite sum (any n, m)."""
    a = np.sort(np.asarray(a, float).ravel())
    b = np.sort(np.asarray(b, float).ravel())
    n, m = a.size, b.size
    if n == m:
        return float(np.mean(np.abs(a - b) ** p) ** (1 / p))
    u = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)
    mid = 0.5 * (u[1:] + u[:-1])
    qa = a[np.minimum((mid * n).astype(int), n - 1)]
    qb = b[np.minimum((mid * m).astype(int), m - 1)]
    return float(np.sum(np.diff(u) * np.abs(qa - qb) ** p) ** (1 / p))
