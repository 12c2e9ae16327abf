"""Competitive gradient descent (Schäfer & Anandkumar 2019, "Competitive Gradient Descent",
Eq. (4); zero-sum form).

Each player plays the Nash equilibrium of the bilinear approximation of the game around z_k
with a quadratic penalty ‖Δ_i‖²/(2 h_i). In gandyn's ascent convention, with ``J = v'`` split
into its blocks ``J_gd = ∂v_gen/∂d``, ``J_dg = ∂v_disc/∂g`` (mixed second derivatives) and
``H = diag(h_g, h_d)``, the step solves

    (I - H J_off) Δ = H v(z_k),     J_off = [[0, J_gd], [J_dg, 0]],     z_{k+1} = z_k + Δ

(for ``min_x max_y f`` with one rate η this is the paper's
``Δx = -η (I + η² D_xy D_yx)^{-1} (∇_x f + η D_xy ∇_y f)`` and its mirror). Eliminating Δ_d
gives the generator's Schur complement system

    (I - h_g h_d J_gd J_dg) Δ_g = h_g (v_g + h_d J_gd v_d),     Δ_d = h_d (v_d + J_dg Δ_g)

which for a zero-sum game (``J_dg = -J_gdᵀ``) is symmetric positive definite
(``I + h_g h_d J_gd J_gdᵀ``): ``solver="cg"`` solves it by conjugate gradients on
Hessian-vector products (``jax.jvp`` of the fields; nothing dense), as the paper's
implementation does. ``solver="gmres"`` solves the full (non-symmetric) system with GMRES and
also serves general-sum games; ``solver="dense"`` materialises ``J_off`` (``jax.jacfwd``) and
calls ``jnp.linalg.solve`` — exact, for small states. On min_x max_y xy the map is
``(I - ηA)^{-1}``: ``ρ = 1/sqrt(1 + η²)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from gandyn.games.base import State
from gandyn.updaters._tree import add, axpy, cross_jvp, scale, sub, tmap
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["CGD", "SOLVERS", "cgd"]

SOLVERS = ("cg", "gmres", "dense")


def _zeros_gen(state):
    return tmap(jnp.zeros_like, state.gen)


def _zeros_disc(state):
    return tmap(jnp.zeros_like, state.disc)


@updater(meta=("solver", "tol", "maxiter"))
class CGD(Updater):
    lr_gen: float
    lr_disc: float
    solver: str = "cg"
    tol: float = 1e-10
    maxiter: int | None = None
    name = "cgd"

    def __post_init__(self):
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")

    def direction(self, game, state) -> State:
        """The step Δ solving ``(I - H J_off) Δ = H v``."""
        hg, hd = self.lr_gen, self.lr_disc
        v = game.field(state)
        zg, zd = _zeros_gen(state), _zeros_disc(state)

        def j_gd(u_d):   # J_gd u_d
            return cross_jvp(game, state, State(zg, u_d)).gen

        def j_dg(u_g):   # J_dg u_g
            return cross_jvp(game, state, State(u_g, zd)).disc

        if self.solver == "cg":
            rhs = scale(hg, add(v.gen, scale(hd, j_gd(v.disc))))

            def schur(u_g):
                return sub(u_g, scale(hg * hd, j_gd(j_dg(u_g))))

            dg, _ = jax.scipy.sparse.linalg.cg(schur, rhs, tol=self.tol, atol=0.0,
                                               maxiter=self.maxiter)
            dd = scale(hd, add(v.disc, j_dg(dg)))
            return State(dg, dd)

        rhs = State(scale(hg, v.gen), scale(hd, v.disc))
        if self.solver == "gmres":
            def full(u):
                c = cross_jvp(game, state, u)
                return State(axpy(-hg, c.gen, u.gen), axpy(-hd, c.disc, u.disc))

            delta, _ = jax.scipy.sparse.linalg.gmres(full, rhs, tol=self.tol, atol=0.0,
                                                     maxiter=self.maxiter, solve_method="batched")
            return State(*delta)

        # dense: materialise I - H J_off on the flattened state
        b, unravel = ravel_pytree(rhs)
        z0 = jnp.zeros_like(b)

        def op(u_flat):
            u = unravel(u_flat)
            c = cross_jvp(game, state, u)
            out = State(axpy(-hg, c.gen, u.gen), axpy(-hd, c.disc, u.disc))
            return ravel_pytree(out)[0]

        mat = jax.jacfwd(op)(z0)
        return unravel(jnp.linalg.solve(mat, b))

    def _step(self, game, state, ustate):
        delta = self.direction(game, state)
        return State(add(state.gen, delta.gen), add(state.disc, delta.disc)), ustate


def cgd(lr, lr_disc: float | None = None, *, solver: str = "cg", tol: float = 1e-10,
        maxiter: int | None = None) -> CGD:
    """Competitive gradient descent with rates ``lr``/``lr_disc``.

    ``solver``: ``"cg"`` (zero-sum games: SPD Schur complement), ``"gmres"`` (any game) or
    ``"dense"`` (exact ``jnp.linalg.solve``, small states). ``tol`` is the Krylov relative
    residual tolerance (1e-10 suits float64 analysis; use ~1e-5 in float32).
    """
    return CGD(*player_lrs(lr, lr_disc), solver=solver, tol=tol, maxiter=maxiter)
