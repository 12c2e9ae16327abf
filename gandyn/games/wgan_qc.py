"""WGAN-QC: Wasserstein GAN with a quadratic transport cost (Liu, Gu & Samaras, ICCV 2019).

Per batch of real points ``y_i`` (i < n) and fakes ``x_j = G_θ(z_j)`` (j < m), with the cost
``c(y, x) = (K/2) ‖y - x‖²``, the discrete Kantorovich problem and its dual

    min_π Σ π_ij c_ij,  Σ_j π_ij = 1/n, Σ_i π_ij = 1/m, π ≥ 0
  = max_{φ, ψ} (1/n) Σ_i φ_i + (1/m) Σ_j ψ_j   s.t.  φ_i + ψ_j ≤ c_ij

are solved exactly (``transport``): by sorting in 1-D (equal sizes; jit/vmap-able), by a
linear programme otherwise (``scipy.optimize.linprog``, HiGHS, on the host through
``jax.pure_callback``: it runs inside ``jit`` and ``vmap`` but is not traced). The
discriminator is then *regressed* onto the potentials, with D scoring data high and the fake
potential entering with a minus sign (``D(x_j) ≈ -ψ_j``), plus the transport regulariser that
matches the gradient norm to the displacement to the transport target ``y_σ(j)``
(σ(j) = argmax_i π_ij; for the quadratic cost ``∇_x ψ(x) = K (x - T(x))``):

    J(θ, ψ_D) = -[ ½ mean_i (D(y_i) - φ_i)² + ½ mean_j (D(x_j) + ψ_j)²
                   + (γ/2) mean_j (‖∇_x D(x_j)‖ - K ‖x_j - y_σ(j)‖)² ]      (discriminator)
    I(θ, ψ_D) = mean_j D(G_θ(z_j))                                          (generator)

φ, ψ, σ are computed from the current fakes and held under ``stop_gradient`` (targets, as
in the paper's Algorithm 1). Simplifications: the regulariser is evaluated at the fakes
(the authors' code does the same), no EMA of the generator, one regression step per solve
is the caller's choice (the game gives the field at the current transport solution).

1-D exact potentials (``transport_1d``): with both sets sorted the monotone matching
``y_(k) ↔ x_(k)`` is optimal (the cost is submodular); potentials making the matched pairs
and the pairs ``(k, k+1)`` tight, ``ψ_(1) = 0``, ``ψ_(k+1) = ψ_(k) + c(y_(k), x_(k+1)) -
c(y_(k), x_(k))``, ``φ_(k) = c_kk - ψ_(k)``, are feasible (tested) and satisfy
complementary slackness. Maths in ``docs/methods.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.base import Game, from_objectives
from gandyn.games.sampled import Scores

__all__ = ["Transport", "cost_matrix", "transport", "transport_1d", "transport_lp",
           "wgan_qc_game"]


class Transport(NamedTuple):
    """Potentials ``phi`` (n,), ``psi`` (m,), the target index ``sigma`` (m,) of each fake
    and the optimal cost ``cost`` (= the dual objective)."""

    phi: Any
    psi: Any
    sigma: Any
    cost: Any


def cost_matrix(real, fake, K=1.0):
    """``c_ij = (K/2) ‖y_i - x_j‖²``, shape (n, m)."""
    y = jnp.reshape(real, (real.shape[0], -1))
    x = jnp.reshape(fake, (fake.shape[0], -1))
    return 0.5 * K * jnp.sum((y[:, None, :] - x[None, :, :]) ** 2, axis=-1)


def transport_1d(real, fake, K=1.0) -> Transport:
    """Exact transport between equal-size 1-D sets by sorting (jit/vmap-able)."""
    y = jnp.reshape(real, (-1,))
    x = jnp.reshape(fake, (-1,))
    if y.shape != x.shape:
        raise ValueError(f"transport_1d needs equal sizes, got {y.shape[0]} and {x.shape[0]}")
    iy, ix = jnp.argsort(y), jnp.argsort(x)
    ys, xs = y[iy], x[ix]
    c = lambda a, b: 0.5 * K * (a - b) ** 2  # noqa: E731
    steps = c(ys[:-1], xs[1:]) - c(ys[:-1], xs[:-1])
    psi_s = jnp.concatenate([jnp.zeros((1,), x.dtype), jnp.cumsum(steps)])
    phi_s = c(ys, xs) - psi_s
    n = y.shape[0]
    phi = jnp.zeros_like(y).at[iy].set(phi_s)
    psi = jnp.zeros_like(x).at[ix].set(psi_s)
    sigma = jnp.zeros((n,), jnp.int32).at[ix].set(iy.astype(jnp.int32))
    return Transport(phi, psi, sigma, jnp.mean(c(ys, xs)))


def _lp_host(cmat):
    from scipy.optimize import linprog
    from scipy.sparse import eye, kron

    cmat = np.asarray(cmat, dtype=np.float64)
    n, m = cmat.shape
    A = kron(eye(n), np.ones((1, m))).tocsr()          # row sums: Σ_j π_ij = 1/n
    B = kron(np.ones((1, n)), eye(m)).tocsr()          # column sums: Σ_i π_ij = 1/m
    from scipy.sparse import vstack

    res = linprog(cmat.ravel(), A_eq=vstack([A, B]),
                  b_eq=np.concatenate([np.full(n, 1.0 / n), np.full(m, 1.0 / m)]),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        nan = np.full(n, np.nan), np.full(m, np.nan)
        return nan[0], nan[1], np.zeros(m, np.int32), np.float64(np.nan)
    duals = res.eqlin.marginals
    plan = res.x.reshape(n, m)
    return (duals[:n], duals[n:], np.argmax(plan, axis=0).astype(np.int32),
            np.float64(res.fun))


def transport_lp(real, fake, K=1.0) -> Transport:
    """Exact discrete transport by linear programming (``scipy.optimize.linprog``, HiGHS) on
    the host via ``jax.pure_callback``: usable under ``jit``/``vmap`` (sequentially), not
    differentiable (callers hold its outputs under ``stop_gradient``). NaN potentials if the
    solver fails (never silently)."""
    cmat = jax.lax.stop_gradient(cost_matrix(real, fake, K))
    n, m = cmat.shape
    dt = cmat.dtype
    shapes = (jax.ShapeDtypeStruct((n,), dt), jax.ShapeDtypeStruct((m,), dt),
              jax.ShapeDtypeStruct((m,), jnp.int32), jax.ShapeDtypeStruct((), dt))

    def host(cm):
        phi, psi, sig, cost = _lp_host(cm)
        return (phi.astype(dt), psi.astype(dt), sig, np.asarray(cost, dt))

    return Transport(*jax.pure_callback(host, shapes, cmat, vmap_method="sequential"))


def transport(real, fake, K=1.0, method: str = "auto") -> Transport:
    """``transport_1d`` for 1-D sets of equal size (``method="auto"`` or ``"sort"``),
    ``transport_lp`` otherwise (``"lp"``)."""
    one_d = int(np.prod(real.shape[1:])) == 1 and real.shape[0] == fake.shape[0]
    if method == "sort" or (method == "auto" and one_d):
        return transport_1d(real, fake, K)
    if method not in ("auto", "lp"):
        raise ValueError(f"method must be 'auto', 'sort' or 'lp', got {method!r}")
    return transport_lp(real, fake, K)



@dataclasses.dataclass(frozen=True)
class _QC:
    g_apply: Callable
    d_apply: Callable
    method: str

    def gen(self, theta, psi, p):
        D = Scores(self.d_apply, psi)
        return jnp.mean(D(self.g_apply(theta, p["latents"])))

    def disc(self, theta, psi, p):
        D = Scores(self.d_apply, psi)
        y = p["data"]
        x = jax.lax.stop_gradient(self.g_apply(theta, p["latents"]))
        t = jax.tree_util.tree_map(jax.lax.stop_gradient,
                                   transport(y, x, p["K"], self.method))
        fit = 0.5 * jnp.mean((D(y) - t.phi) ** 2) + 0.5 * jnp.mean((D(x) + t.psi) ** 2)
        gx = jax.grad(lambda pts: jnp.sum(D(pts)))(x).reshape(x.shape[0], -1)
        disp = (x - y[t.sigma]).reshape(x.shape[0], -1)
        gnorm = jnp.sqrt(jnp.sum(gx * gx, -1) + 1e-30)
        target = p["K"] * jnp.sqrt(jnp.sum(disp * disp, -1))
        reg = 0.5 * p["gamma"] * jnp.mean((gnorm - target) ** 2)
        return -(fit + reg)


@dataclasses.dataclass(frozen=True)
class _Part:
    qc: _QC
    which: str

    def __call__(self, theta, psi, p):
        return getattr(self.qc, self.which)(theta, psi, p)


def wgan_qc_game(G, D, data, latents, *, gamma=0.1, K=1.0, method: str = "auto",
                 name: str = "wgan-qc") -> Game:
    """The WGAN-QC game (module docstring) on fixed banks ``data`` (n, ...) and ``latents``.

    ``G``, ``D``: ``(apply_fn, params)`` pairs (``gandyn.players.mlp``); ``params`` of the game
    is ``{"data", "latents", "gamma", "K"}`` (a mapping, so ``gandyn.updaters.minibatch``
    redraws the banks). ``method``: ``"auto"`` (sort in 1-D with equal sizes, else LP),
    ``"sort"`` or ``"lp"``.
    """
    g_apply, _ = G
    d_apply, _ = D
    qc = _QC(g_apply, d_apply, method)
    params = {"data": jnp.asarray(data), "latents": jnp.asarray(latents),
              "gamma": jnp.asarray(gamma, float), "K": jnp.asarray(K, float)}
    return from_objectives(name, _Part(qc, "gen"), _Part(qc, "disc"), params,
                           info=(("section", "sampled"), ("loss", "wgan-qc")))
