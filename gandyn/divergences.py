"""W1, W2, Jensen-Shannon, KL and total variation between the lab's distributions.

Every function returns a ``Divergences(w1, w2, js, kl, tv)`` record (jit/vmap-able, natural
logarithms, ``kl = KL(P || Q)``, ``js = (KL(P || M) + KL(Q || M)) / 2`` with ``M = (P + Q) / 2``,
``tv = sup_A |P(A) - Q(A)|``). Infinite values are ``inf``, never NaN. Formulas and sources
are tabulated in ``docs/sampled_gans.md``.

* ``diracs(a, b)`` (points of R^d) and ``parallel_lines(theta)`` (Arjovsky, Chintala & Bottou
  2017, "Wasserstein GAN", Example 1: P_0 = (0, Z), P_theta = (theta, Z), Z ~ U[0, 1]): for
  supports that differ, W1 = W2 = |theta| (the shift), JS = log 2, KL = inf, TV = 1; all zero
  when theta = 0. W1 is continuous in theta with derivative sign(theta); JS, KL, TV jump at 0
  and are flat elsewhere: no gradient for the generator.
* ``gaussians(mu1, s1, mu2, s2)`` (1-D, s > 0): KL and W2 in closed form,
  ``KL = log(s2/s1) + (s1^2 + (mu1-mu2)^2) / (2 s2^2) - 1/2``,
  ``W2^2 = (mu1-mu2)^2 + (s1-s2)^2``; W1 in closed form too: the quantile difference is
  ``a + b Z`` with ``a = mu1 - mu2``, ``b = s1 - s2``, Z ~ N(0, 1), so ``W1 = E|a + b Z|`` (the
  folded-normal mean). TV in closed form as well (the densities cross at the roots of
  a quadratic; TV = |P(I) - Q(I)| on the interval I between them). JS by 1-D quadrature
  (composite 16-point Gauss-Legendre,
  256 panels on ``mu_i +- 12 s_i`` for the part of each integral carried by density i;
  absolute accuracy ~1e-12 in float64).
* ``discrete(xs, p, q)``: two weight vectors on common atoms ``xs`` of the line: all five
  exact (W_p by the quantile merge of ``gandyn.metrics``).
* ``empirical_1d(x, y)``: two sample sets as discrete measures (atoms merged where values
  coincide): W1, W2 exact by sorting (``gandyn.metrics``), JS, KL, TV exact on the union of
  atoms (for continuous data the atoms are disjoint: JS = log 2, KL = inf, TV = 1).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import ndtr, rel_entr

from gandyn import metrics

__all__ = ["Divergences", "diracs", "discrete", "empirical_1d", "gaussians", "parallel_lines"]

LOG2 = float(np.log(2.0))
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


class Divergences(NamedTuple):
    w1: jax.Array
    w2: jax.Array
    js: jax.Array
    kl: jax.Array
    tv: jax.Array


def _disjoint(dist, differ):
    """W1 = W2 = ``dist``; JS, KL, TV of two measures with disjoint supports when ``differ``."""
    dist = jnp.asarray(dist, jnp.result_type(dist, float))
    one = jnp.ones_like(dist)
    return Divergences(
        w1=dist, w2=dist,
        js=jnp.where(differ, LOG2 * one, 0.0 * one),
        kl=jnp.where(differ, jnp.inf * one, 0.0 * one),
        tv=jnp.where(differ, one, 0.0 * one))


def parallel_lines(theta):
    """P_0 = law of (0, Z), P_theta = law of (theta, Z), Z ~ U[0, 1] (Arjovsky et al. 2017)."""
    theta = jnp.asarray(theta, jnp.result_type(theta, float))
    return _disjoint(jnp.abs(theta), theta != 0)


def diracs(a, b):
    """delta_a against delta_b, points of R^d (or scalars): W1 = W2 = |a - b|."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    diff = jnp.atleast_1d(a - b)
    sq = jnp.sum(diff * diff)
    # sqrt has an infinite derivative at 0: route the distance through where for a finite grad
    safe = jnp.where(sq > 0, sq, 1.0)
    dist = jnp.where(sq > 0, jnp.sqrt(safe), 0.0)
    return _disjoint(dist, sq > 0)


def _quad_nodes(lo, hi, panels):
    """Composite 16-point Gauss-Legendre nodes and weights on [lo, hi]."""
    edges = lo + (hi - lo) * jnp.arange(panels + 1) / panels
    a, b = edges[:-1, None], edges[1:, None]
    x = 0.5 * (a + b) + 0.5 * (b - a) * jnp.asarray(_GL_X)
    w = 0.5 * (b - a) * jnp.asarray(_GL_W)
    return x.ravel(), w.ravel()


def _log_normal_pdf(x, mu, s):
    return -0.5 * ((x - mu) / s) ** 2 - jnp.log(s) - 0.5 * jnp.log(2 * jnp.pi)


def _tv_gaussians(mu1, s1, mu2, s2):
    """TV of two 1-D Gaussians in closed form: log p - log q = A x^2 + B x + C has at most two
    roots; p - q keeps one sign between them, so TV = |P(r1, r2) - Q(r1, r2)|."""
    a = 0.5 / (s2 * s2) - 0.5 / (s1 * s1)
    b = mu1 / (s1 * s1) - mu2 / (s2 * s2)
    c = 0.5 * mu2 * mu2 / (s2 * s2) - 0.5 * mu1 * mu1 / (s1 * s1) + jnp.log(s2 / s1)
    disc = jnp.maximum(b * b - 4 * a * c, 0.0)
    qq = -0.5 * (b + jnp.where(b >= 0, 1.0, -1.0) * jnp.sqrt(disc))   # stable quadratic roots
    same = qq == 0                                                     # identical densities
    qs = jnp.where(same, 1.0, qq)
    r1 = c / qs
    r2 = jnp.where(a == 0, jnp.inf, qs / jnp.where(a == 0, 1.0, a))   # a = 0: one root only
    lo, hi = jnp.minimum(r1, r2), jnp.maximum(r1, r2)

    def mass(mu, s):
        return ndtr((hi - mu) / s) - ndtr((lo - mu) / s)

    return jnp.where(same, 0.0, jnp.abs(mass(mu1, s1) - mass(mu2, s2)))


@functools.partial(jax.jit, static_argnames=("panels",))
def gaussians(mu1, s1, mu2, s2, panels: int = 256):
    """P = N(mu1, s1^2) against Q = N(mu2, s2^2) on the line (s1, s2 > 0).

    KL, W1, W2, TV closed form; JS by quadrature with ``panels`` Gauss-Legendre panels."""
    mu1, s1, mu2, s2 = (jnp.asarray(v, jnp.result_type(mu1, s1, mu2, s2, float))
                        for v in (mu1, s1, mu2, s2))
    dm, ds = mu1 - mu2, s1 - s2
    w2 = jnp.sqrt(dm * dm + ds * ds)
    kl = jnp.log(s2 / s1) + (s1 * s1 + dm * dm) / (2 * s2 * s2) - 0.5
    # folded normal: E|a + bZ| = |b| sqrt(2/pi) exp(-a^2 / 2b^2) + a (1 - 2 Phi(-a/|b|))
    b = jnp.abs(ds)
    bs = jnp.where(b > 0, b, 1.0)
    w1 = jnp.where(b > 0,
                   bs * jnp.sqrt(2 / jnp.pi) * jnp.exp(-0.5 * (dm / bs) ** 2)
                   + dm * (1 - 2 * ndtr(-dm / bs)),
                   jnp.abs(dm))
    # each half of JS on a window around its own density (resolved at any separation);
    # TV = 1 - int min(p, q), and min(p, q) <= p lives where p does
    x1, wt1 = _quad_nodes(mu1 - 12 * s1, mu1 + 12 * s1, panels)
    x2, wt2 = _quad_nodes(mu2 - 12 * s2, mu2 + 12 * s2, panels)

    def half_js(x, wt, mu_a, s_a, mu_b, s_b):
        la, lb = _log_normal_pdf(x, mu_a, s_a), _log_normal_pdf(x, mu_b, s_b)
        lm = jnp.logaddexp(la, lb) - jnp.log(2.0)
        return jnp.sum(wt * jnp.exp(la) * (la - lm))

    js = 0.5 * (half_js(x1, wt1, mu1, s1, mu2, s2) + half_js(x2, wt2, mu2, s2, mu1, s1))
    tv = _tv_gaussians(mu1, s1, mu2, s2)
    return Divergences(w1, w2, jnp.clip(js, 0.0, LOG2), kl, tv)


@jax.jit
def discrete(xs, p, q):
    """P = sum_i p_i delta_{x_i} against Q = sum_i q_i delta_{x_i} (weights normalised; the
    atoms need not be sorted but must be distinct). KL is inf when some q_i = 0 < p_i."""
    xs = jnp.ravel(jnp.asarray(xs))
    xs = xs.astype(jnp.result_type(xs, float))
    p = jnp.asarray(p, xs.dtype)
    q = jnp.asarray(q, xs.dtype)
    p, q = p / jnp.sum(p), q / jnp.sum(q)
    return _on_atoms(xs, p, q)


def _rel_entr(p, q):
    # equal weights give an exact 0: XLA may compute p/q as p * (1/q), which is not exactly 1
    # on every CPU, and identical measures must have divergence 0, not 3e-17
    return jnp.where(p == q, jnp.zeros_like(p), rel_entr(p, q))


def _info(p, q):
    """(JS, KL(p||q), TV) of two weight vectors on the same atoms; 0 log 0 = 0, inf if q=0<p."""
    m = 0.5 * (p + q)
    kl = jnp.sum(_rel_entr(p, q))
    js = 0.5 * jnp.sum(_rel_entr(p, m)) + 0.5 * jnp.sum(_rel_entr(q, m))
    return jnp.clip(js, 0.0, LOG2), kl, jnp.clip(0.5 * jnp.sum(jnp.abs(p - q)), 0.0, 1.0)


def _on_atoms(xs, p, q):
    js, kl, tv = _info(p, q)
    w1 = metrics.quantile_wasserstein(xs, xs, 1, p, q)
    w2 = metrics.quantile_wasserstein(xs, xs, 2, p, q)
    return Divergences(w1, w2, js, kl, tv)


@jax.jit
def empirical_1d(x, y):
    """The empirical measures of two sample sets on the line (any sizes), as discrete
    measures: equal values are one atom (so ``empirical_1d(x, x)`` is all zeros)."""
    x = jnp.ravel(jnp.asarray(x))
    x = x.astype(jnp.result_type(x, float))
    y = jnp.ravel(jnp.asarray(y, x.dtype))
    n, m = x.shape[0], y.shape[0]
    z = jnp.concatenate([x, y])
    order = jnp.argsort(z)
    zs = z[order]
    px = jnp.concatenate([jnp.full((n,), 1.0 / n, x.dtype), jnp.zeros((m,), x.dtype)])[order]
    py = jnp.concatenate([jnp.zeros((n,), x.dtype), jnp.full((m,), 1.0 / m, x.dtype)])[order]
    new = jnp.concatenate([jnp.ones((1,), bool), zs[1:] != zs[:-1]])
    seg = jnp.cumsum(new) - 1                                    # atom index of each value
    p = jax.ops.segment_sum(px, seg, num_segments=n + m)
    q = jax.ops.segment_sum(py, seg, num_segments=n + m)
    js, kl, tv = _info(p, q)
    return Divergences(metrics.quantile_wasserstein(x, y, 1),
                       metrics.quantile_wasserstein(x, y, 2), js, kl, tv)
