"""Exact sample metrics for low-dimensional GANs (every function jit/vmap-able).

Wasserstein distances on the line (formulas in ``docs/sampled_gans.md``). For probability
measures mu, nu on R with quantile functions Q_mu, Q_nu and CDFs F_mu, F_nu,

    W_p(mu, nu)^p = int_0^1 |Q_mu(u) - Q_nu(u)|^p du,      W_1 = int_R |F_mu(t) - F_nu(t)| dt

(the monotone coupling is optimal in 1-D; Villani 2003, "Topics in Optimal Transportation",
Thm 2.18 and Remark 2.19). Hence:

* ``wasserstein_1d(x, y, p)``: two empirical sets of EQUAL size: ``mean |x_(i) - y_(i)|^p``
  over the sorted samples (exact).
* ``quantile_wasserstein(x, y, p, wx, wy)``: any sizes and weights: both quantile functions are
  step functions; between consecutive breakpoints of ``{cumsum wx} U {cumsum wy}`` both are
  constant, so the integral is a finite sum (exact).
* ``w1_cdf(x, y)``: ``int |F_x - F_y| dt`` over the merged sorted samples (exact; an independent
  formula, used to cross-check the quantile form).
* ``wasserstein_to_mixture(x, means, sigmas, weights, p)`` for p in {1, 2}: an empirical set
  against a 1-D Gaussian mixture with CDF F. Numerically exact through the quantile function:
  the quantiles ``t_i = F^{-1}(i/n)`` by bisection on F (to machine precision), then
  ``W_p^p = sum_i int_{t_{i-1}}^{t_i} |x_(i) - t|^p dF(t)`` in closed form with the Gaussian
  partial moments (``int z phi = -phi``, ``int z^2 phi = Phi - z phi``).

Mode metrics (the counting of Srivastava et al. 2017, "VEEGAN", with the threshold stated
here): a mode c_k of std sigma is *covered* when at least ``threshold`` (1 %) of the samples lie
within ``radius * sigma`` (3 sigma) of c_k; the *high-quality fraction* is the share of samples
within 3 sigma of some mode.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.scipy.special import ndtr

__all__ = [
    "high_quality_fraction",
    "mixture_cdf",
    "mixture_quantile",
    "mode_counts",
    "modes_covered",
    "quantile_wasserstein",
    "w1_cdf",
    "wasserstein_1d",
    "wasserstein_to_mixture",
]

_SQRT_2PI = 2.5066282746310002


@functools.partial(jax.jit, static_argnames=("p",))
def wasserstein_1d(x, y, p: float = 1.0):
    """Exact W_p between two empirical sets of equal size on the line (sort both)."""
    x, y = jnp.sort(jnp.ravel(x)), jnp.sort(jnp.ravel(y))
    if x.shape != y.shape:
        return quantile_wasserstein(x, y, p)
    d = jnp.abs(x - y)
    if p == 1:
        return jnp.mean(d)
    return jnp.mean(d**p) ** (1.0 / p)


@functools.partial(jax.jit, static_argnames=("p",))
def quantile_wasserstein(x, y, p: float = 1.0, x_weights=None, y_weights=None):
    """Exact W_p between two weighted empirical measures on the line (any sizes).

    ``W_p^p = sum_j (u_j - u_{j-1}) |Q_x(m_j) - Q_y(m_j)|^p``, ``u_j`` the merged cumulative
    weights, ``m_j`` the midpoint of each cell (both quantile functions are constant there).
    Weights default to uniform and are normalised to total mass 1.
    """
    x, y = jnp.ravel(jnp.asarray(x)), jnp.ravel(jnp.asarray(y))

    def cum(v, w):
        w = jnp.full(v.shape, 1.0 / v.shape[0], jnp.result_type(v, float)) if w is None \
            else jnp.ravel(jnp.asarray(w, jnp.result_type(v, float)))
        order = jnp.argsort(v)
        c = jnp.cumsum(w[order])
        return v[order], c / c[-1]

    xs, cx = cum(x, x_weights)
    ys, cy = cum(y, y_weights)
    u = jnp.sort(jnp.concatenate([cx, cy]))
    lo = jnp.concatenate([jnp.zeros((1,), u.dtype), u[:-1]])
    du = u - lo
    mid = 0.5 * (u + lo)
    qx = xs[jnp.clip(jnp.searchsorted(cx, mid), 0, xs.shape[0] - 1)]
    qy = ys[jnp.clip(jnp.searchsorted(cy, mid), 0, ys.shape[0] - 1)]
    d = jnp.abs(qx - qy)
    if p == 1:
        return jnp.sum(du * d)
    return jnp.sum(du * d**p) ** (1.0 / p)


@jax.jit
def w1_cdf(x, y):
    """Exact W_1 between two empirical sets as ``int |F_x(t) - F_y(t)| dt`` (any sizes)."""
    xs, ys = jnp.sort(jnp.ravel(x)), jnp.sort(jnp.ravel(y))
    z = jnp.sort(jnp.concatenate([xs, ys]))
    dt = z.dtype
    fx = jnp.searchsorted(xs, z[:-1], side="right").astype(dt) / xs.shape[0]
    fy = jnp.searchsorted(ys, z[:-1], side="right").astype(dt) / ys.shape[0]
    return jnp.sum(jnp.diff(z) * jnp.abs(fx - fy))


# -- a 1-D Gaussian mixture: CDF, quantiles, exact W_1 / W_2 to a sample ------------------
def _mixture_arrays(means, sigmas, weights):
    means = jnp.asarray(means)
    means = jnp.atleast_1d(means.astype(jnp.result_type(means, float)))
    sigmas = jnp.broadcast_to(jnp.asarray(sigmas, means.dtype), means.shape)
    if weights is None:
        weights = jnp.full(means.shape, 1.0 / means.shape[0], means.dtype)
    weights = jnp.broadcast_to(jnp.asarray(weights, means.dtype), means.shape)
    return means, sigmas, weights / jnp.sum(weights)


def mixture_cdf(t, means, sigmas, weights=None):
    """``F(t) = sum_k w_k Phi((t - mu_k) / sigma_k)`` (elementwise in ``t``)."""
    m, s, w = _mixture_arrays(means, sigmas, weights)
    t = jnp.asarray(t)
    return jnp.sum(w * ndtr((t[..., None] - m) / s), axis=-1)


@functools.partial(jax.jit, static_argnames=("iters",))
def mixture_quantile(u, means, sigmas, weights=None, iters: int = 200):
    """``F^{-1}(u)`` for ``u`` in (0, 1) by bisection on F (``iters`` halvings of the bracket
    ``[min mu - 40 max sigma, max mu + 40 max sigma]``: machine precision in float64)."""
    m, s, w = _mixture_arrays(means, sigmas, weights)
    u = jnp.asarray(u, m.dtype)
    lo = jnp.full(u.shape, jnp.min(m) - 40.0 * jnp.max(s))
    hi = jnp.full(u.shape, jnp.max(m) + 40.0 * jnp.max(s))

    def body(_, b):
        lo, hi = b
        mid = 0.5 * (lo + hi)
        below = mixture_cdf(mid, m, s, w) < u
        return jnp.where(below, mid, lo), jnp.where(below, hi, mid)

    lo, hi = jax.lax.fori_loop(0, iters, body, (lo, hi))
    return 0.5 * (lo + hi)


def _zphi(z):
    """``z phi(z)``, 0 at z = +-inf (never inf * 0)."""
    fin = jnp.isfinite(z)
    zz = jnp.where(fin, z, 0.0)
    return jnp.where(fin, zz * jnp.exp(-0.5 * zz * zz) / _SQRT_2PI, 0.0)


def _phi(z):
    return jnp.exp(-0.5 * z * z) / _SQRT_2PI


def _partial_moments(a, b, c, mu, sigma):
    """``int_a^b (t - c)^k dN(mu, sigma^2)(t)`` for k = 0, 1, 2 (a <= b may be +-inf)."""
    za, zb = (a - mu) / sigma, (b - mu) / sigma
    m0 = ndtr(zb) - ndtr(za)
    dphi = _phi(zb) - _phi(za)
    e = mu - c                                  # t - c = e + sigma z
    m1 = e * m0 - sigma * dphi
    m2 = e * e * m0 - 2.0 * e * sigma * dphi + sigma * sigma * (m0 - (_zphi(zb) - _zphi(za)))
    return m0, m1, m2


@functools.partial(jax.jit, static_argnames=("p",))
def wasserstein_to_mixture(x, means, sigmas, weights=None, p: int = 1):
    """Exact W_p (p = 1 or 2) between the empirical measure of ``x`` and a 1-D Gaussian
    mixture, through the quantile function (see the module docstring)."""
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p!r}")
    m, s, w = _mixture_arrays(means, sigmas, weights)
    xs = jnp.sort(jnp.ravel(jnp.asarray(x, m.dtype)))
    n = xs.shape[0]
    t = mixture_quantile(jnp.arange(1, n, dtype=m.dtype) / n, m, s, w)
    lo = jnp.concatenate([jnp.full((1,), -jnp.inf, m.dtype), t])[:, None]   # (n, 1)
    hi = jnp.concatenate([t, jnp.full((1,), jnp.inf, m.dtype)])[:, None]
    c = xs[:, None]
    if p == 2:
        _, _, m2 = _partial_moments(lo, hi, c, m, s)            # (n, K)
        return jnp.sqrt(jnp.maximum(jnp.sum(w * m2), 0.0))
    # |t - c| on [lo, hi]: split the cell at c (clipped into the cell)
    mid = jnp.clip(c, lo, hi)
    _, below, _ = _partial_moments(lo, mid, c, m, s)            # int (t - c) dF <= 0 there
    _, above, _ = _partial_moments(mid, hi, c, m, s)
    return jnp.sum(w * (above - below))


# -- modes -----------------------------------------------------------------------------------
def _within(samples, modes, sigma, radius):
    samples = jnp.asarray(samples)
    modes = jnp.asarray(modes)
    if samples.ndim == 1:
        samples = samples[:, None]
    if modes.ndim == 1:
        modes = modes[:, None]
    d2 = jnp.sum((samples[:, None, :] - modes[None, :, :]) ** 2, axis=-1)     # (n, K)
    r = radius * jnp.broadcast_to(jnp.asarray(sigma, d2.dtype), modes.shape[:1])
    return d2 <= r * r


def mode_counts(samples, modes, sigma, radius: float = 3.0):
    """Number of samples within ``radius * sigma`` of each mode, shape ``(K,)``."""
    return jnp.sum(_within(samples, modes, sigma, radius), axis=0)


def modes_covered(samples, modes, sigma, threshold: float = 0.01, radius: float = 3.0):
    """Number of modes with at least ``threshold`` of the samples within ``radius * sigma``."""
    n = jnp.asarray(samples).shape[0]
    return jnp.sum(mode_counts(samples, modes, sigma, radius) >= threshold * n)


def high_quality_fraction(samples, modes, sigma, radius: float = 3.0):
    """Fraction of the samples within ``radius * sigma`` of some mode."""
    inside = _within(samples, modes, sigma, radius)
    return jnp.mean(jnp.any(inside, axis=1).astype(jnp.result_type(float)))
