"""WGAN-QC: Wasserstein GAN with a quadratic transport cost (Liu, Gu & Samaras, ICCV 2019).

Per batch of real points ``y_i`` (i < n) and fakes ``x_j = G_θ(z_j)`` (j < m), with the cost
``c(y, x) = (K/2) ‖y - x‖²``, the discrete Kantorovich problem and its dual

    min_π Σ π_ij c_ij,  Σ_j π_ij = 1/n, Σ_i π_ij = 1/m, π ≥ 0
  = max_{φ, ψ} (1/n) Σ_i φ_i + (1/m) Σ_j ψ_j   s.t.  φ_i + ψ_j ≤ c_ij

are solved exactly (``transport``): by sorting in 1-D (equal sizes; jit/vmap-able), by a
linear programme otherwise (the plan by ``scipy.optimize.linprog``, HiGHS, on the host
through ``jax.pure_callback``, usable inside ``jit`` and ``vmap``; the potentials from its
support in JAX, so they are differentiable in the points). The
discriminator is then *regressed* onto the potentials, with D scoring data high and the fake
potential entering with a minus sign (``D(x_j) ≈ -ψ_j``), plus the transport regulariser that
matches the gradient norm to the displacement to the transport target ``y_σ(j)``
(σ(j) = argmax_i π_ij; for the quadratic cost ``∇_x ψ(x) = K (x - T(x))``):

    J(θ, ψ_D) = -[ ½ mean_i (D(y_i) - φ_i)² + ½ mean_j (D(x_j) + ψ_j)²
                   + (γ/2) mean_j (‖∇_x D(x_j)‖ - K ‖x_j - y_σ(j)‖)² ]      (discriminator)
    I(θ, ψ_D) = mean_j D(G_θ(z_j))                                          (generator)

φ, ψ, σ are computed from the current fakes and held constant in the critic's gradient
(targets, as in the paper's Algorithm 1), but they are functions of the current point: the
game's field recomputes them at every state, so its Jacobian includes how they move with the
generator (``gandyn.games.base.HeldObjective``). Simplifications: the regulariser is
evaluated at the fakes (the authors' code does the same), no EMA of the generator, one
regression step per solve is the caller's choice (the game gives the field at the current
transport solution).

Potentials. The optimal duals are not unique (at least the constant ``(φ + t, ψ - t)``, and
a whole face when the plan is degenerate, e.g. any permutation when n = m); both solvers
return the same canonical choice, ``centred_potentials``: the average over the other nodes
of the midpoints of the ranges the optimal duals allow for the differences (each difference
exactly at its midpoint in 1-D), the constant fixed by mean φ = mean ψ.
Then "generator = data" is a rest point (φ = ψ = 0 there, so D ≡ 0 fits the targets), and
in 1-D the steps of ψ are the trapezoid rule of ``ψ' = K (x - T(x))`` (``transport_1d``,
closed form). Maths in ``docs/methods.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.base import Game, HeldObjective, from_objectives
from gandyn.games.sampled import Scores, apply_held, player_hold
from gandyn.games.sampled_regs import _knorm

__all__ = ["Transport", "centred_potentials", "cost_matrix", "transport", "transport_1d",
           "transport_lp", "wgan_qc_game"]


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


def _normalise(phi, psi):
    """Shift ``(φ + t, ψ - t)`` (the dual's free constant) so that mean φ = mean ψ (= half
    the optimal cost)."""
    t = 0.5 * (jnp.mean(psi) - jnp.mean(phi))
    return phi + t, psi - t


def transport_1d(real, fake, K=1.0) -> Transport:
    """Exact transport between equal-size 1-D sets by sorting (jit/vmap-able, differentiable
    in both sets away from ties), with the centred potentials (``centred_potentials``): in
    1-D each step of ψ along the sorted fakes is the midpoint of its optimal range, the
    trapezoid rule of ``ψ' = K (x - T(x))``."""
    y = jnp.reshape(real, (-1,))
    x = jnp.reshape(fake, (-1,))
    if y.shape != x.shape:
        raise ValueError(f"transport_1d needs equal sizes, got {y.shape[0]} and {x.shape[0]}")
    iy, ix = jnp.argsort(y), jnp.argsort(x)
    ys, xs = y[iy], x[ix]
    c = lambda a, b: 0.5 * K * (a - b) ** 2  # noqa: E731
    # the step's range is [c(y+, x+) - c(y+, x), c(y, x+) - c(y, x)] (pairs (k+1, k) and
    # (k, k+1) tight at its ends); its midpoint K (x+ - x) · mean of the two displacements
    steps = K * (xs[1:] - xs[:-1]) * 0.5 * ((xs[1:] - ys[1:]) + (xs[:-1] - ys[:-1]))
    psi_s = jnp.concatenate([jnp.zeros((1,), x.dtype), jnp.cumsum(steps)])
    cost = jnp.mean(c(ys, xs))
    phi_s, psi_s = _normalise(c(ys, xs) - psi_s, psi_s)
    n = y.shape[0]
    phi = jnp.zeros_like(y).at[iy].set(phi_s)
    psi = jnp.zeros_like(x).at[ix].set(psi_s)
    sigma = jnp.zeros((n,), jnp.int32).at[ix].set(iy.astype(jnp.int32))
    return Transport(phi, psi, sigma, cost)


def centred_potentials(cmat, support):
    """The centred optimal potentials of the transport problem with cost ``cmat`` (n, m),
    given the support (boolean (n, m)) of an optimal plan.

    The optimal duals are the feasible ``(φ, ψ)`` tight on the support (complementary
    slackness with any one optimal plan). With ``u = φ``, ``v = -ψ`` they are the solutions of
    the difference constraints ``u_i - v_j ≤ c_ij`` (all pairs) and ``v_j - u_i ≤ -c_ij`` (on
    the support); with ``d(a, b)`` the shortest-path distances of that constraint graph
    (Floyd–Warshall, in JAX so that it is differentiable in ``cmat``), ``d(a, b)`` is the
    largest ``x_b - x_a`` any optimal dual allows. The centre

        x_b = (1/2N) Σ_a [d(a, b) - d(b, a)]          (N = n + m nodes)

    is optimal (triangle inequality), depends only on the set of optimal duals (not on the
    solver or on the plan chosen), puts every difference ``x_b - x_a`` near the midpoint of
    its range (exactly so in 1-D: ``transport_1d``), and is flat (φ = ψ = 0) when the fakes
    are the data: then ``d`` is the symmetric cost. The free constant is fixed by mean φ =
    mean ψ. NaN potentials if the support is not that of an optimal plan (a negative cycle).
    """
    n, m = cmat.shape
    N = n + m
    inf = jnp.inf
    w = jnp.full((N, N), inf, cmat.dtype)
    w = w.at[n:, :n].set(cmat.T)                                 # v_j -> u_i: c_ij
    w = w.at[:n, n:].set(jnp.where(support, -cmat, inf))         # u_i -> v_j: -c_ij on support
    w = jnp.where(jnp.eye(N, dtype=bool), jnp.minimum(w, 0.0), w)

    def relax(k, d):
        return jnp.minimum(d, d[:, k, None] + d[None, k, :])

    d = jax.lax.fori_loop(0, N, relax, w)
    x = 0.5 * (jnp.mean(d, axis=0) - jnp.mean(d, axis=1))
    phi, psi = x[:n], -x[n:]
    scale = 1.0 + jnp.max(jnp.abs(cmat))
    bad = (jnp.min(jnp.diagonal(d)) < -1e-9 * scale) | ~jnp.all(jnp.isfinite(d))
    phi, psi = jnp.where(bad, jnp.nan, phi), jnp.where(bad, jnp.nan, psi)
    return _normalise(phi, psi)


def _lp_host(cmat):
    from scipy.optimize import linprog
    from scipy.sparse import eye, kron, vstack

    cmat = np.asarray(cmat, dtype=np.float64)
    n, m = cmat.shape
    A = kron(eye(n), np.ones((1, m))).tocsr()          # row sums: Σ_j π_ij = 1/n
    B = kron(np.ones((1, n)), eye(m)).tocsr()          # column sums: Σ_i π_ij = 1/m
    res = linprog(cmat.ravel(), A_eq=vstack([A, B]),
                  b_eq=np.concatenate([np.full(n, 1.0 / n), np.full(m, 1.0 / m)]),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        return np.full((n, m), np.nan)
    return res.x.reshape(n, m)


def transport_lp(real, fake, K=1.0) -> Transport:
    """Exact discrete transport: the optimal plan by linear programming
    (``scipy.optimize.linprog``, HiGHS) on the host via ``jax.pure_callback`` (usable under
    ``jit``/``vmap``, sequentially), then the centred potentials of that plan's support
    (``centred_potentials``) and the cost ``Σ π_ij c_ij`` in JAX: differentiable in both
    sets where the plan's support is locally constant. NaN potentials if the solver fails
    (never silently)."""
    cmat = cost_matrix(real, fake, K)
    n, m = cmat.shape
    dt = cmat.dtype

    def host(cm):
        return _lp_host(cm).astype(dt)

    plan = jax.pure_callback(host, jax.ShapeDtypeStruct((n, m), dt),
                             jax.lax.stop_gradient(cmat), vmap_method="sequential")
    # vertex plans have entries in multiples of 1/(nm) (integral after scaling by nm): half of
    # that separates the support from a solver's round-off
    support = plan > 0.5 / (n * m)
    phi, psi = centred_potentials(cmat, support)
    failed = jnp.any(jnp.isnan(plan))
    phi, psi = jnp.where(failed, jnp.nan, phi), jnp.where(failed, jnp.nan, psi)
    sigma = jnp.argmax(jnp.where(failed, 0.0, plan), axis=0).astype(jnp.int32)
    cost = jnp.sum(jax.lax.stop_gradient(plan) * cmat)
    return Transport(phi, psi, sigma, jnp.where(failed, jnp.nan, cost))


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

    def players_held(self, theta, psi):
        """``(G's, D's)`` held quantities at the point (``gandyn.games.sampled.player_hold``:
        e.g. a power-SN critic's power-iteration vectors), ``None`` for a player without."""
        return player_hold(self.g_apply, theta), player_hold(self.d_apply, psi)

    def gen(self, theta, psi, p, hp):
        D = Scores(self.d_apply, psi, hp[1])
        return jnp.mean(D(apply_held(self.g_apply, theta, p["latents"], hp[0])))

    def targets(self, theta, psi, p, hp):
        """The regression targets ``(φ, ψ, K ‖x_j - y_σ(j)‖)`` at the current fakes."""
        y = p["data"]
        x = apply_held(self.g_apply, theta, p["latents"], hp[0])
        t = transport(y, x, p["K"], self.method)
        disp = (x - y[t.sigma]).reshape(x.shape[0], -1)
        # K‖·‖ with derivative 0 (not NaN) where a fake sits on its target
        return t.phi, t.psi, _knorm(p["K"], disp)

    def disc(self, theta, psi, p, hp, targets):
        phi, psi_t, target = targets
        D = Scores(self.d_apply, psi, hp[1])
        y = p["data"]
        x = apply_held(self.g_apply, theta, p["latents"], hp[0])
        fit = 0.5 * jnp.mean((D(y) - phi) ** 2) + 0.5 * jnp.mean((D(x) + psi_t) ** 2)
        gx = jax.grad(lambda pts: jnp.sum(D(pts)))(x).reshape(x.shape[0], -1)
        gnorm = jnp.sqrt(jnp.sum(gx * gx, -1) + 1e-30)
        reg = 0.5 * p["gamma"] * jnp.mean((gnorm - target) ** 2)
        return -(fit + reg)


@dataclasses.dataclass(frozen=True)
class _Disc(HeldObjective):
    """J with the transport targets held within ∇_ψ J (the paper's regression targets) but
    evaluated at the current fakes, so the field's Jacobian sees them move with θ; likewise
    the players' held quantities: ``h = (players', targets)``."""

    qc: _QC

    def held(self, theta, psi, p):
        hp = self.qc.players_held(theta, psi)
        return hp, self.qc.targets(theta, psi, p, hp)

    def value(self, theta, psi, p, h):
        return self.qc.disc(theta, psi, p, *h)


@dataclasses.dataclass(frozen=True)
class _Gen(HeldObjective):
    """I with the players' held quantities evaluated at the point, outside ∇_θ I."""

    qc: _QC

    def held(self, theta, psi, p):
        return self.qc.players_held(theta, psi)

    def value(self, theta, psi, p, hp):
        return self.qc.gen(theta, psi, p, hp)


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
    return from_objectives(name, _Gen(qc), _Disc(qc), params,
                           info=(("section", "sampled"), ("loss", "wgan-qc")))
