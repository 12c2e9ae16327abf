"""The parametric kernel K_θ: empirical and infinite-width neural tangent kernels, plain JAX.

With a discriminator ``D_θ`` trained by gradient flow ``dθ/dt = ∂J/∂θ`` on an objective whose
function-space derivative at the points ``x_j`` is ``g(x_j) = δJ/δD(x_j)``, the chain rule gives
(Jacot, Gabriel & Hongler 2018; Franceschi et al. 2022, "A Neural Tangent Kernel Perspective of
GANs")

    dD(x_i)/dt = Σ_j K_θ(x_i, x_j) g(x_j),   K_θ(x, y) = Σ_p ∂D(x)/∂θ_p ∂D(y)/∂θ_p,

the *empirical NTK*. This module computes it (``empirical_ntk``, two methods), applies it
without forming it (``filtered_field``: one vjp + one jvp), and gives the infinite-width limits
of ReLU and erf MLPs in closed form (``relu_ntk``, ``erf_ntk``; NNGP Σ and NTK Θ). Formulas:
``docs/kernels.md``.

Models are *batch* functions ``f(params, xs) -> (N,)`` (an ``(N, 1)`` output is squeezed), so
that a network with train-mode BatchNorm, whose output at one point depends on the whole batch,
is handled honestly: ``per_example=False`` (the default for a player whose ``per_example``
attribute is False, e.g. with BatchNorm) takes the Jacobian of the batch map.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

__all__ = [
    "empirical_ntk",
    "erf_ntk",
    "filtered_field",
    "infinite_ntk",
    "jacobian_matrix",
    "relu_ntk",
]


def _out(f, params, xs):
    y = f(params, xs)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"the model must return one scalar per input, got shape {y.shape}")
    return y


def _per_example(f, per_example):
    # None: the model says (gandyn players carry ``per_example``, False with BatchNorm, whose
    # single-input batch has zero variance and hence an all-zero Jacobian); plain functions:
    # True
    return bool(getattr(f, "per_example", True)) if per_example is None else bool(per_example)


def jacobian_matrix(f: Callable, params, xs, per_example: bool | None = None) -> jax.Array:
    """``J[i, p] = ∂f(x_i)/∂θ_p``, θ the raveled ``params`` (``ravel_pytree``): shape (N, P).

    ``per_example=True``: ``vmap(grad)`` over single inputs (rows independent);
    ``False``: ``jax.jacrev`` of the batch map (BatchNorm: every output depends on every input);
    ``None`` (default): ``f.per_example`` when ``f`` has it, else True.
    """
    per_example = _per_example(f, per_example)
    flat, unravel = ravel_pytree(params)
    if per_example:
        def one(x):
            return jax.grad(lambda p: _out(f, unravel(p), x[None])[0])(flat)

        return jax.vmap(one)(xs)
    return jax.jacrev(lambda p: _out(f, unravel(p), xs))(flat)


def _ntk_jacobian(f, params, xs, ys, per_example):
    if ys is None:
        jx = jacobian_matrix(f, params, xs, per_example)
        return jx @ jx.T
    if not per_example:  # one batch: the statistics are those of xs ∪ ys
        j = jacobian_matrix(f, params, jnp.concatenate([xs, ys]), False)
        return j[: xs.shape[0]] @ j[xs.shape[0]:].T
    return jacobian_matrix(f, params, xs, True) @ jacobian_matrix(f, params, ys, True).T


def _ntk_ntvp(f, params, xs, ys, per_example, batch_size):
    n = xs.shape[0]
    if ys is None:
        fx = fy = lambda p: _out(f, p, xs)  # noqa: E731
        m = n
    elif per_example:
        fx = lambda p: _out(f, p, xs)  # noqa: E731
        fy = lambda p: _out(f, p, ys)  # noqa: E731
        m = ys.shape[0]
    else:
        both = jnp.concatenate([xs, ys])
        fx = lambda p: _out(f, p, both)[:n]  # noqa: E731
        fy = lambda p: _out(f, p, both)[n:]  # noqa: E731
        m = ys.shape[0]
    out, vjp = jax.vjp(fy, params)

    def column(e):  # K e = J_X (J_Y^T e): one vjp, one jvp
        (tangent,) = vjp(e)
        return jax.jvp(fx, (params,), (tangent,))[1]

    # lax.map vmaps batch_size columns at a time: batch_size tangents (parameter vectors)
    # are alive together, the memory the docstring states
    eye = jnp.eye(m, dtype=out.dtype)
    return jax.lax.map(column, eye, batch_size=min(m, batch_size)).T


def empirical_ntk(f: Callable, params, xs, ys=None, method: str = "auto",
                  per_example: bool | None = None, batch_size: int = 64) -> jax.Array:
    """The empirical NTK ``K[i, j] = Σ_p ∂f(x_i)/∂θ_p ∂f(y_j)/∂θ_p`` (Jacot et al. 2018).

    Args:
      f: ``f(params, xs) -> (N,)`` (or ``(N, 1)``), a batch function of ``xs`` of shape (N, d).
      params: any pytree (every leaf is differentiated).
      xs, ys: inputs; ``ys=None`` means ``ys = xs`` (a symmetric kernel).
      method: ``"jacobian"``: ``J_X J_Yᵀ`` with ``J = vmap(grad)`` raveled (memory N·P);
        ``"ntvp"``: NTK-vector products, column j is ``jvp_X(vjp_Y(e_j))``, ``batch_size``
        columns at a time (memory about ``batch_size`` parameter vectors plus the
        activations of ``batch_size`` passes over ``xs``; ``batch_size=1`` is the memory-P
        method, N_Y sequential passes); ``"auto"``: the Jacobian when ``N·P`` floats fit in
        about 2 GiB, else the products.
      per_example: ``False`` for models whose rows are coupled (train-mode BatchNorm); with
        ``ys`` the batch is ``xs ∪ ys``. ``None`` (default): ``f.per_example`` when the
        model has that attribute (gandyn players), else True.
      batch_size: columns per vectorised step of ``"ntvp"`` (>= 1).

    Returns: ``(N_X, N_Y)`` array.
    """
    xs = jnp.asarray(xs)
    ys = None if ys is None else jnp.asarray(ys)
    if method == "auto":
        n = xs.shape[0] + (0 if ys is None else ys.shape[0])
        p = ravel_pytree(params)[0].size
        method = "jacobian" if n * p * 8 <= 2**31 else "ntvp"
    if method not in ("jacobian", "ntvp"):
        raise ValueError(f"unknown method {method!r}; valid: auto, jacobian, ntvp")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return _ntk_jit(f, params, xs, ys, method, _per_example(f, per_example), int(batch_size))


@functools.partial(jax.jit, static_argnames=("f", "method", "per_example", "batch_size"))
def _ntk_jit(f, params, xs, ys, method, per_example, batch_size):
    if method == "jacobian":
        return _ntk_jacobian(f, params, xs, ys, per_example)
    return _ntk_ntvp(f, params, xs, ys, per_example, batch_size)


@functools.partial(jax.jit, static_argnames=("f",))
def filtered_field(f: Callable, params, xs, g) -> jax.Array:
    """``dD(x_i)/dt = Σ_j K_θ(x_i, x_j) g_j`` without forming K: one vjp and one jvp.

    ``g`` holds the function-space field ``δJ/δD(x_j)`` at the same points. The parameter
    velocity is ``dθ/dt = J_Xᵀ g`` (the vjp, i.e. the gradient of ``Σ_j g_j D(x_j)``), and the
    output velocity is ``J_X dθ/dt`` (the jvp). Cost: two passes through the network, memory
    of one parameter vector; works for batch-coupled models as they are. ``f`` must be
    hashable (jitted with ``f`` static). The result has the model's output dtype (``g`` is
    cast to it: a float32 player gives float32).
    """
    fx = lambda p: _out(f, p, xs)  # noqa: E731
    out, vjp = jax.vjp(fx, params)
    (theta_dot,) = vjp(jnp.asarray(g, dtype=out.dtype))
    return jax.jvp(fx, (params,), (theta_dot,))[1]


# -- infinite width ----------------------------------------------------------------------
def _first_layer(xs, ys, w_std, b_std):
    d = xs.shape[1]
    sxy = w_std**2 * (xs @ ys.T) / d + b_std**2
    sxx = w_std**2 * jnp.sum(xs * xs, 1) / d + b_std**2
    syy = w_std**2 * jnp.sum(ys * ys, 1) / d + b_std**2
    return sxy, sxx, syy


@jax.custom_jvp
def _arccos1(c):
    """``J1(c) = sin θ + (π - θ) c``, ``θ = arccos c`` (``π κ1``, Cho & Saul 2009), c in [-1, 1].

    Exact at ``c = ±1`` (``J1(1) = π``, ``J1(-1) = 0``), with the finite derivative
    ``J1'(c) = π - θ`` supplied by hand: autodiff through ``arccos`` would give ``0·inf``.
    """
    c = jnp.clip(c, -1.0, 1.0)
    return jnp.sqrt((1 - c) * (1 + c)) + (math.pi - jnp.arccos(c)) * c


@_arccos1.defjvp
def _arccos1_jvp(primals, tangents):
    (c,), (dc,) = primals, tangents
    return _arccos1(c), (math.pi - jnp.arccos(jnp.clip(c, -1.0, 1.0))) * dc


@jax.custom_jvp
def _arccos0(c):
    """``J0(c) = π - arccos c`` (``π κ0``); ``J0(1) = π``, ``J0(-1) = 0`` exactly."""
    return math.pi - jnp.arccos(jnp.clip(c, -1.0, 1.0))


@_arccos0.defjvp
def _arccos0_jvp(primals, tangents):
    # J0'(c) = 1/sqrt(1 - c²) is infinite at |c| = 1, where the kernel has a cusp in x
    # (θ ~ |x - y|); there the tangent is 0, the symmetric subgradient, so gradients in x
    # (particle flows at coinciding points) stay finite instead of 0·inf = NaN.
    (c,), (dc,) = primals, tangents
    c = jnp.clip(c, -1.0, 1.0)
    inside = (1 - c) * (1 + c) > 0
    slope = jnp.where(inside, 1 / jnp.sqrt(jnp.where(inside, (1 - c) * (1 + c), 1.0)), 0.0)
    return _arccos0(c), slope * dc


def _relu_moments(sxy, sxx, syy):
    """Arc-cosine kernels of order 1 and 0 (Cho & Saul 2009) for ``(u, v) ~ N(0, Σ)``:

    E[relu(u) relu(v)] = sqrt(Σxx Σyy)/(2π) (sin θ + (π - θ) cos θ),
    E[step(u) step(v)] = (π - θ)/(2π),        cos θ = Σxy / sqrt(Σxx Σyy).

    At ``cos θ = 1`` (the diagonal) these are exactly ``Σxx/2`` and ``1/2``: ``J/(2π)`` is
    formed first so that ``π/(2π) = 0.5`` has no rounding, and the diagonal stays at cos = 1
    through every layer (:func:`infinite_ntk`).
    """
    norm = jnp.sqrt(sxx[:, None] * syy[None, :])
    pos = norm > 0           # a zero-variance input (x = 0, no bias): both moments are 0
    c = jnp.where(pos, sxy / jnp.where(pos, norm, 1.0), 1.0)
    e = norm * (_arccos1(c) / (2 * math.pi))
    ed = _arccos0(c) / (2 * math.pi)
    diag = lambda s: s / 2  # noqa: E731  (E relu(u)² = Σuu/2)
    return e, ed, diag(sxx), diag(syy)


def _erf_moments(sxy, sxx, syy):
    """Williams (1997): for ``(u, v) ~ N(0, Σ)``

    E[erf(u) erf(v)]   = (2/π) arcsin(2Σxy / sqrt((1 + 2Σxx)(1 + 2Σyy))),
    E[erf'(u) erf'(v)] = (4/π) / sqrt((1 + 2Σxx)(1 + 2Σyy) - 4Σxy²).
    """
    a = 1 + 2 * sxx[:, None]
    b = 1 + 2 * syy[None, :]
    e = (2 / math.pi) * jnp.arcsin(jnp.clip(2 * sxy / jnp.sqrt(a * b), -1.0, 1.0))
    ed = (4 / math.pi) / jnp.sqrt(a * b - 4 * sxy**2)
    dx = (2 / math.pi) * jnp.arcsin(2 * sxx / (1 + 2 * sxx))
    dy = (2 / math.pi) * jnp.arcsin(2 * syy / (1 + 2 * syy))
    return e, ed, dx, dy


_MOMENTS = {"relu": _relu_moments, "erf": _erf_moments}


def infinite_ntk(xs, ys=None, *, depth: int = 2, w_std: float = 1.0, b_std: float = 0.0,
                 activation: str = "relu"):
    """Infinite-width NTK and NNGP of an MLP with ``depth`` hidden layers (NTK parameterisation).

    Network: ``Dense -> φ -> ... -> Dense -> φ -> Dense(1)`` with ``depth`` hidden layers,
    ``y = (w_std/sqrt(fan_in)) W x + b_std b``, ``W, b ~ N(0, 1)``. Recursion (Jacot et al.
    2018; Lee et al. 2019), first layer as in neural-tangents: ``Σ_1 = w² x·y/d + b²``,
    ``Θ_1 = Σ_1``; then for each hidden layer

        Σ_{l+1} = w² E[φ(u)φ(v)] + b²,   Θ_{l+1} = Σ_{l+1} + w² E[φ'(u)φ'(v)] Θ_l,

    with ``(u, v) ~ N(0, [[Σ_l(x,x), Σ_l(x,y)], [., Σ_l(y,y)]])``. Returns ``(ntk, nngp)``,
    each ``(N_X, N_Y)``: the output layer's Θ and Σ.
    """
    if activation not in _MOMENTS:
        raise ValueError(f"closed forms exist for {', '.join(_MOMENTS)}, not {activation!r}")
    xs = jnp.asarray(xs, dtype=jnp.result_type(float))
    ys = xs if ys is None else jnp.asarray(ys, dtype=xs.dtype)
    sxy, sxx, syy = _first_layer(xs, ys, w_std, b_std)
    symmetric = ys is xs
    if symmetric:
        # Σ(x, x) from the matrix product and from the row sums may differ in the last bit;
        # arccos is infinitely sensitive at cos = 1 (one ulp moves θ by 1.5e-8), so the
        # diagonal is set to the row sums: cos = 1 exactly, and the moments keep it so.
        sxy = _with_diag(sxy, sxx)
    theta = sxy
    moments = _MOMENTS[activation]
    for _ in range(int(depth)):
        e, ed, dx, dy = moments(sxy, sxx, syy)
        new = w_std**2 * e + b_std**2
        theta = new + w_std**2 * ed * theta
        sxy, sxx, syy = new, w_std**2 * dx + b_std**2, w_std**2 * dy + b_std**2
        if symmetric:
            sxy = _with_diag(sxy, sxx)
    return theta, sxy


def _with_diag(m, d):
    i = jnp.arange(d.shape[0])
    return m.at[i, i].set(d)


def relu_ntk(xs, ys=None, depth: int = 2, w_std: float = 1.0, b_std: float = 0.0):
    """``(ntk, nngp)`` of a ReLU MLP at infinite width (:func:`infinite_ntk`)."""
    return infinite_ntk(xs, ys, depth=depth, w_std=w_std, b_std=b_std, activation="relu")


def erf_ntk(xs, ys=None, depth: int = 2, w_std: float = 1.0, b_std: float = 0.0):
    """``(ntk, nngp)`` of an erf MLP at infinite width (:func:`infinite_ntk`)."""
    return infinite_ntk(xs, ys, depth=depth, w_std=w_std, b_std=b_std, activation="erf")
