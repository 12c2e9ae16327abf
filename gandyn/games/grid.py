"""The grid game: the pointwise field on N points, the discriminator's part filtered by a kernel.

A discriminator trained by gradient flow on its parameters moves its values at the points
``x_i`` by the kernel-filtered functional derivative (Jacot et al. 2018; Franceschi et al. 2022):

    dD_i/dt   = Σ_j K_ij [p_d(x_j) f1'(D_j) + p_g(x_j) f2'(D_j)]         (v_disc)
    dp_g,i/dt = f3(D_i) - f3(D0)                                        (v_gen)

with ``K_ij = K(x_i, x_j)`` (for a network, its empirical NTK; :mod:`gandyn.kernel`) and the
generator kept non-parametric, exactly as in the pointwise game
(:func:`gandyn.games.pointwise.triple`, whose conventions this follows: ``State(gen=p_g,
disc=D)``, ``D0`` a root of ``f1' + f2'``). With ``K = I`` the field *is* N copies of the
pointwise field. The rest point is ``(p_g, D) = (p_d, D0)``; the Jacobian there is

    [[0,            f3'(D0) I              ],
     [f2'(D0) K,    (f1'' + f2'')(D0) K P_d]],     P_d = diag(p_d(x_i)),

so for ``K = I`` its eigenvalues are those of the pointwise 2×2 at each ``p_d(x_i)``.

This module takes ``K`` as a matrix (a traced leaf: vmap over kernels) or as a hashable
matvec callable ``v -> K v`` (static); it does not know about networks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp

from gandyn.games.roots import derivative
from gandyn.games.base import Game, State, from_fields
from gandyn.games.pointwise import triple

__all__ = ["grid"]


@dataclasses.dataclass(frozen=True)
class _GridDisc:
    """``v_disc = K (p_d f1'(D) + p_g f2'(D))``; ``matvec`` None means ``K = params["K"]``."""

    f1: Callable
    f2: Callable
    matvec: Callable | None = None

    def __call__(self, g, d, params):
        u = params["pd"] * derivative(self.f1)(d) + g * derivative(self.f2)(d)
        if self.matvec is not None:
            return self.matvec(u)
        return params["K"] @ u


@dataclasses.dataclass(frozen=True)
class _GridGen:
    f3: Callable

    def __call__(self, g, d, params):
        del g
        return self.f3(d) - self.f3(jnp.asarray(params["D0"], dtype=jnp.result_type(d)))


def grid(f1: Callable, f2: Callable, f3: Callable, kernel=None, pd=1.0, D0=None, domain=None,
         *, n: int | None = None, name: str = "grid") -> Game:
    """The kernel-filtered pointwise game on N points (module docstring).

    Args:
      f1, f2, f3: scalar functions of D, hashable (as for ``triple``; ``gandyn.expr.parse``).
      kernel: ``(N, N)`` matrix ``K(x_i, x_j)``, a hashable callable ``v -> K v``, or ``None``
        for the identity (the pointwise game on N points).
      pd: data density at each point: scalar or ``(N,)``, all ``> 0``.
      D0, domain: as for :func:`gandyn.games.pointwise.triple` (solved / inferred when None).
      n: number of points when neither ``kernel`` nor ``pd`` gives it.

    Returns: a ``Game`` with ``State(gen=p_g (N,), disc=D (N,))``, params
    ``{"pd", "D0"[, "K"]}``, equilibrium ``State(p_d, D0·1)``.
    """
    ref = triple(f1, f2, f3, pd=1.0, D0=D0, domain=domain, name=name)
    ftype = jnp.result_type(float)
    pd = jnp.asarray(pd, ftype)
    matvec = None
    params = {}
    if kernel is None:
        size = n if pd.ndim == 0 else pd.shape[0]
        if size is None:
            raise ValueError("give the number of points: n=, an (N,) pd or an (N, N) kernel")
        params["K"] = jnp.eye(size, dtype=ftype)
    elif callable(kernel):
        size = n if pd.ndim == 0 else pd.shape[0]
        if size is None:
            raise ValueError("a matvec kernel needs n= or an (N,) pd")
        matvec = kernel
    else:
        K = jnp.asarray(kernel, ftype)
        if K.ndim != 2 or K.shape[0] != K.shape[1]:
            raise ValueError(f"kernel must be a square (N, N) matrix, got shape {K.shape}")
        size = K.shape[0]
        params["K"] = K
    if pd.ndim == 0:
        pd = jnp.full((size,), pd)
    if pd.shape != (size,):
        raise ValueError(f"pd must be a scalar or have shape ({size},), got {pd.shape}")
    if not float(jnp.min(pd)) > 0:
        raise ValueError("pd (the data density p_d) must be > 0 at every point")
    D0 = ref.params["D0"]
    params.update(pd=pd, D0=D0)
    return from_fields(name, _GridGen(f3), _GridDisc(f1, f2, matvec), params,
                       equilibrium=State(pd, jnp.full((size,), D0, ftype)), domain=ref.domain,
                       info=ref.info + (("points", size),))
