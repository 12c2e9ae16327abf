"""Bilinear games: ``min_x max_y  L(x, y) = xᵀA y + (a/2)‖x‖² - (b/2)‖y‖²``.

The generator x *descends* L, the discriminator y *ascends* it, so the ascent fields are

    v_x = -∇_x L = -(A y + a x),        v_y = ∇_y L = Aᵀx - b y,

and the Jacobian (constant) is ``[[-a I, -A], [Aᵀ, -b I]]``. The equilibrium is (0, 0), unique
when that matrix is non-singular. With a = b it is a multiple of the identity plus a
skew-symmetric matrix, so the eigenvalues are ``-a ± i s_k`` with ``s_k`` the singular values of
A; for the scalar game (A = 1) ``λ = -(a+b)/2 ± sqrt((a-b)²/4 - 1)``.

* ``a = b = 0``: min_x max_y x·y, the the canonical cycling game
  (Mescheder et al. 2017, "The Numerics of GANs"; Daskalakis et al. 2018): a centre,
  eigenvalues ``± i s_k``; simultaneous gradient steps spiral outward.
* ``a, b > 0``: strongly-convex–strongly-concave (strongly monotone field), a stable
  equilibrium; ``a < 0`` or ``b < 0`` make the game non-monotone.

``xy()`` is the scalar x·y game with equilibrium (0, 0) (used across the test-suite);
``bilinear(A, a, b)`` the general one. A, a, b are pytree leaves of ``params`` (traced under
jit/vmap); the dimensions are fixed by A's shape.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.base import Game, State, from_fields

__all__ = ["ZOO", "BilinearParams", "bilinear", "xy"]


class BilinearParams(NamedTuple):
    """``A`` (m, n) coupling, ``a`` generator curvature, ``b`` discriminator curvature."""

    A: Any
    a: Any = 0.0
    b: Any = 0.0


def _v_x(x, y, p):
    return -(p.A @ y + p.a * x)


def _v_y(x, y, p):
    return p.A.T @ x - p.b * y


def _v_x_scalar(x, y, p):
    return -(p.A * y + p.a * x)


def _v_y_scalar(x, y, p):
    return p.A * x - p.b * y


def _loss(x, y, p):
    """``L = xᵀAy + a/2‖x‖² - b/2‖y‖²``: the generator ascends -L, the discriminator L."""
    xay = p.A * x * y if p.A.ndim == 0 else x @ p.A @ y
    return xay + 0.5 * p.a * jnp.sum(x * x) - 0.5 * p.b * jnp.sum(y * y)


def _neg_loss(x, y, p):
    return -_loss(x, y, p)


def bilinear(A=1.0, a=0.0, b=0.0, *, name: str | None = None) -> Game:
    """``min_x max_y xᵀAy + (a/2)‖x‖² - (b/2)‖y‖²``.

    Args:
      A: scalar (x, y scalars) or a matrix of shape (m, n) (x in R^m, y in R^n).
      a: the generator's quadratic weight (a > 0: strongly convex in x).
      b: the discriminator's quadratic weight (b > 0: strongly concave in y).
      name: label (default derived from the shape and a, b when they are concrete).

    Returns:
      A ``Game`` with equilibrium ``State(0, 0)``. Raises ``ValueError`` for a non-finite A or a
      matrix that is not 2-D.

    Example:
      >>> from gandyn.analysis import jacobian, eigenvalues
      >>> eigenvalues(jacobian(bilinear(1.0, a=0.5, b=0.5)))   # -0.5 ± 1i
    """
    A = jnp.asarray(A, dtype=jnp.float64)
    if A.ndim not in (0, 2):
        raise ValueError(f"A must be a scalar or a 2-D matrix (m, n), got shape {A.shape}")
    try:
        concrete = np.asarray(A)
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        concrete = None  # traced inside jit/vmap: nothing to check here
    if concrete is not None and not np.all(np.isfinite(concrete)):
        raise ValueError(f"A must be finite, got {concrete.tolist()}")
    params = BilinearParams(A, jnp.asarray(a, jnp.float64), jnp.asarray(b, jnp.float64))
    if A.ndim == 0:
        eq = State(jnp.zeros((), jnp.float64), jnp.zeros((), jnp.float64))
        vx, vy = _v_x_scalar, _v_y_scalar
        shape = "scalar"
    else:
        m, n = A.shape
        eq = State(jnp.zeros((m,), jnp.float64), jnp.zeros((n,), jnp.float64))
        vx, vy = _v_x, _v_y
        shape = f"{m}x{n}"
    return from_fields(name or f"bilinear-{shape}", vx, vy, params, equilibrium=eq,
                       objectives=(_neg_loss, _loss))


def xy() -> Game:
    """min_x max_y x·y (scalars): fields ``(-y, x)``, equilibrium (0, 0), eigenvalues ±i."""
    return bilinear(1.0, 0.0, 0.0, name="xy")


def _entry(name, **kw):
    def factory():
        return bilinear(name=name, **kw)

    factory.__name__ = "bilinear_" + name.replace("-", "_").replace("(", "_").replace(")", "")
    factory.__doc__ = f"bilinear game {name}: bilinear(**{kw!r})"
    return name, factory


ZOO = (
    ("xy", xy),
    _entry("xy+quad(a=b=0.5)", A=1.0, a=0.5, b=0.5),
    _entry("xy+quad(a=0.5,b=0)", A=1.0, a=0.5, b=0.0),
    _entry("xy+quad(a=-0.5,b=0.5)", A=1.0, a=-0.5, b=0.5),
    _entry("xAy(diag(2,0.5))", A=[[2.0, 0.0], [0.0, 0.5]]),
    _entry("xAy(2x3)+quad(a=b=0.1)", A=[[1.0, 0.0, 0.5], [0.0, 1.0, -0.5]], a=0.1, b=0.1),
)
