"""Spectra of trained GANs: the Jacobian of the full parametric game at checkpoints.

For a game whose players are networks (``gandyn.games.sampled``, ``wgan_qc``, ``aae``, ...) the
joint field ``v(z)`` lives on the flattened parameters ``z = ravel(θ, ψ)`` (``ravel_pytree``,
generator first). Its Jacobian ``v'(z)`` at a checkpoint decides local behaviour there
(Mescheder, Nowozin & Geiger 2017, "The Numerics of GANs", §3; their mixture-of-Gaussians
experiment plots this eigenvalue cloud, with and without consensus optimisation).

* ``dense_eigenvalues``: ``jax.jacfwd`` over the flat state and ``eig`` (small nets);
* ``arnoldi_eigenvalues``: the ``k`` eigenvalues of largest modulus by the Arnoldi iteration
  (Saad 2011, *Numerical Methods for Large Eigenvalue Problems*, Alg. 6.1; the Jacobian is
  not symmetric, so Arnoldi rather than Lanczos) on the matrix-free product ``u -> v'(z) u``
  (one ``jax.jvp`` per step), with full re-orthogonalisation done twice; ``m`` Krylov steps,
  exact when ``m`` reaches the dimension;
* ``eigenvalue_cloud``: dense spectra at a batch of checkpoints (``vmap``);
* ``cloud_summary``: max / mean real part, the share with Re λ > 0, max |λ|.

The consensus-adjusted field ``w = v - γ v'ᵀ v`` is analysed the same way by passing the
adjusted game (``gandyn.updaters.consensus.Consensus(γ)(game)``); at a stationary point its
Jacobian is ``v' - γ v'ᵀ v'`` and ``tr w' = tr v' - γ ‖v'‖_F²``: the mean real part moves
left by ``γ ‖v'‖_F² / n`` (tested).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from gandyn.analysis.spectrum import jacobian
from gandyn.games.base import Game, as_state

__all__ = ["arnoldi_eigenvalues", "cloud_summary", "dense_eigenvalues", "eigenvalue_cloud",
           "field_jvp"]


def field_jvp(game: Game, state):
    """``(matvec, z, n)``: ``u -> v'(z) u`` on flat vectors (one ``jax.jvp``), the flat state
    and its size."""
    state = jax.tree_util.tree_map(jnp.asarray, as_state(state))
    z, unravel = ravel_pytree(state)

    def flat(zf):
        return ravel_pytree(game.field(unravel(zf)))[0]

    def matvec(u):
        return jax.jvp(flat, (z,), (u,))[1]

    return matvec, z, z.shape[0]


def dense_eigenvalues(game: Game, state) -> jax.Array:
    """All eigenvalues of ``v'(z)`` (``jacfwd`` + ``eig``), complex, shape ``(n,)``."""
    return jnp.linalg.eig(_jacobian(game, as_state(state)))[0]


_jacobian = jax.jit(jacobian)


def arnoldi_eigenvalues(game: Game, state, k: int = 6, m: int | None = None, key=0):
    """The ``k`` Ritz values of largest modulus after ``m`` Arnoldi steps (default
    ``min(n, max(2k + 1, 20))``), sorted by decreasing modulus.

    Matrix-free: ``m`` jvps; the Hessenberg matrix ``H_m`` (m × m) is diagonalised densely.
    A breakdown (an invariant subspace found early) stops the iteration there: the Ritz
    values are then exact eigenvalues.
    """
    matvec, z, n = field_jvp(game, state)
    m = min(n, max(2 * k + 1, 20)) if m is None else min(int(m), n)
    if k > m:
        raise ValueError(f"k = {k} Ritz values need m >= k Arnoldi steps (m = {m})")
    key = jax.random.PRNGKey(key) if isinstance(key, int) else key
    q = jax.random.normal(key, (n,), z.dtype)
    Q = np.zeros((m + 1, n))
    H = np.zeros((m + 1, m))
    Q[0] = np.asarray(q / jnp.linalg.norm(q))
    mv = jax.jit(matvec)
    size = m
    for j in range(m):
        w = np.asarray(mv(jnp.asarray(Q[j])))
        for _ in range(2):                              # classical Gram–Schmidt, twice
            c = Q[: j + 1] @ w
            w = w - Q[: j + 1].T @ c
            H[: j + 1, j] += c
        H[j + 1, j] = np.linalg.norm(w)
        if H[j + 1, j] <= 1e-12 * max(1.0, np.abs(H[: j + 2, : j + 1]).max()):
            size = j + 1
            break
        Q[j + 1] = w / H[j + 1, j]
    ritz = np.linalg.eigvals(H[:size, :size])
    return ritz[np.argsort(-np.abs(ritz), kind="stable")][:k]


def eigenvalue_cloud(game: Game, states) -> jax.Array:
    """Dense spectra at a batch of checkpoints (leading axis of every leaf): ``(C, n)``."""
    jacs = jax.jit(jax.vmap(jacobian, in_axes=(None, 0)))(game, as_state(states))
    return jax.vmap(lambda j: jnp.linalg.eig(j)[0])(jacs)


def cloud_summary(eigs) -> dict:
    """Plain floats: ``max_real``, ``mean_real``, ``frac_unstable`` (Re λ > 1e-9 max|λ|),
    ``max_abs``, ``n``."""
    e = np.asarray(eigs).ravel()
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    return {"max_real": float(np.max(e.real)), "mean_real": float(np.mean(e.real)),
            "frac_unstable": float(np.mean(e.real > 1e-9 * scale)), "max_abs": scale,
            "n": int(e.size)}
