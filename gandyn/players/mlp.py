"""MLP players in flax linen, exposed as pure functions ``apply_fn(params, xs) -> (N,)``.

Why linen (not nnx): the kernels, the filtered field and every analysis in gandyn differentiate
a *pure* function of a parameter pytree, ``f(params, x)``. linen's ``module.apply(variables, x)``
is exactly that, with the parameters a plain nested dict; nnx keeps parameters inside mutable
objects and needs ``nnx.split``/``merge`` around every transformation to get the same thing.

Layer (one ``Dense``), fan-in ``n``:

  * NTK parameterisation (Jacot et al. 2018): ``y = (w_std/sqrt(n)) W x + b_std b``,
    ``W, b ~ N(0, 1)``: the infinite-width limit is :func:`gandyn.kernel.infinite_ntk`.
  * standard parameterisation: ``y = W x + b``, ``W ~ N(0, w_std²/n)``, ``b ~ N(0, b_std²)``:
    the same function at initialisation, a kernel that grows with width.

Hidden layer ``l``: ``Dense -> [BatchNorm] -> φ``; output ``Dense(out_dim)``. Options:

  * ``batchnorm=True``: flax ``BatchNorm`` in train mode (Ioffe & Szegedy 2015): every output
    depends on the whole batch ``xs`` through its mean and variance, so ``D(x_i)`` is a
    function of the set, not of ``x_i`` alone (pass ``per_example=False`` to the kernels).
  * ``spectral_norm="exact"``: every raw weight matrix divided by its largest singular value
    by SVD (Miyato et al. 2018) — differentiable, the reference for analysis;
    ``"power"``: flax ``SpectralNorm`` (one power-iteration step from the stored vector ``u``,
    collection ``"spectral"`` inside ``params``, to estimates ``(u', v)`` held constant in
    the gradient, so ``u``'s contribution to any kernel is exactly zero). ``power_iterate``
    advances ``u`` as training does; ``u`` and ``σ`` are kept in the player's dtype.
    ``MLPApply.hold`` gives ``(u', v)`` as functions of the parameters, for games whose
    Jacobian must see how they move with the point (docs/kernels.md).
    Under either option, and in either parameterisation, a layer's weight is ``W/σ(W)``
    (operator norm 1): the NTK factor ``w_std/sqrt(n)`` is not applied to it (it would make
    the layer's norm ``w_std/sqrt(n)``), so with 1-Lipschitz activations ``x -> D(x)`` is
    1-Lipschitz.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax.linen.normalization import _l2_normalize
from jax.flatten_util import ravel_pytree

__all__ = ["ACTIVATIONS", "MLPApply", "count_params", "mlp", "power_iterate"]


def _gelu(x):
    return jax.nn.gelu(x, approximate=False)


def _leaky(x):
    return jax.nn.leaky_relu(x, 0.01)


ACTIVATIONS = {
    "relu": jax.nn.relu,
    "leaky_relu": _leaky,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "gelu": _gelu,
    "softplus": jax.nn.softplus,
    "erf": jax.scipy.special.erf,
}
PARAMETERIZATIONS = ("ntk", "standard")
SPECTRAL = (None, "exact", "power")


class _Dense(nn.Module):
    features: int
    parameterization: str
    w_std: float
    b_std: float
    exact_sn: bool = False
    normalised: bool = False
    dtype: object = jnp.float64

    @nn.compact
    def __call__(self, x, held=None):
        n = x.shape[-1]
        if self.parameterization == "ntk":
            w_init, b_init = nn.initializers.normal(1.0), nn.initializers.normal(1.0)
        else:
            w_init = nn.initializers.normal(self.w_std / math.sqrt(n))
            b_init = nn.initializers.normal(self.b_std) if self.b_std > 0 else nn.initializers.zeros
        w = self.param("kernel", w_init, (n, self.features), self.dtype)
        b = self.param("bias", b_init, (self.features,), self.dtype)
        if self.exact_sn:
            w = w / jnp.linalg.svd(w, compute_uv=False)[0]
        if held is not None:
            # power spectral norm with the singular-vector estimates given (MLPApply.hold):
            # flax SpectralNorm's σ = v W uᵀ and W/σ, without its stop_gradient on (u, v)
            u, v = held
            sigma = jnp.matmul(jnp.matmul(v, w), jnp.transpose(u))[0, 0]
            w = w / jnp.where(sigma != 0, sigma, 1)
        if self.parameterization == "ntk" and not self.normalised:
            return (self.w_std / math.sqrt(n)) * (x @ w) + self.b_std * b
        if self.parameterization == "ntk":
            # spectral norm: the weight is W/σ(W), operator norm 1, as its name promises; the
            # NTK factor w_std/sqrt(n) would rescale it (above 1 for w_std > sqrt(fan-in))
            return x @ w + self.b_std * b
        return x @ w + b


class _MLP(nn.Module):
    width: int
    depth: int
    activation: str
    parameterization: str
    w_std: float
    b_std: float
    batchnorm: bool
    spectral_norm: str | None
    out_dim: int
    dtype: object

    @nn.compact
    def __call__(self, x, update_stats: bool = False, held=None):
        phi = ACTIVATIONS[self.activation]
        sizes = [self.width] * self.depth + [self.out_dim]
        for k, size in enumerate(sizes):
            dense = _Dense(size, self.parameterization, self.w_std, self.b_std,
                           exact_sn=self.spectral_norm == "exact",
                           normalised=self.spectral_norm is not None, dtype=self.dtype,
                           name=f"dense_{k}")
            if held is not None:
                # same parameters as below (dense_k), σ from the held vectors (MLPApply.hold)
                x = dense(x, held[k])
            elif self.spectral_norm == "power":
                # param_dtype: u and σ in the player's dtype (flax's default float32 turns
                # float64 after one update, which breaks lax.scan carries)
                x = nn.SpectralNorm(dense, collection_name="spectral", dtype=self.dtype,
                                    param_dtype=self.dtype, name=f"sn_{k}")(
                    x, update_stats=update_stats)
            else:
                x = dense(x)
            if k < self.depth:
                if self.batchnorm:
                    x = nn.BatchNorm(use_running_average=False, dtype=self.dtype,
                                     param_dtype=self.dtype, name=f"bn_{k}")(x)
                x = phi(x)
        return x


@dataclasses.dataclass(frozen=True)
class MLPApply:
    """``apply_fn(params, xs) -> (N,)`` (or ``(N, out_dim)``): hashable, equal configs compare
    equal, so games and jitted functions built from it hit the compilation cache."""

    width: int
    depth: int
    activation: str = "relu"
    parameterization: str = "ntk"
    w_std: float = 1.0
    b_std: float = 0.0
    batchnorm: bool = False
    spectral_norm: str | None = None
    out_dim: int = 1
    dtype: str = "float64"

    @property
    def module(self) -> _MLP:
        return _MLP(self.width, self.depth, self.activation, self.parameterization, self.w_std,
                    self.b_std, self.batchnorm, self.spectral_norm, self.out_dim,
                    jnp.dtype(self.dtype))

    @property
    def per_example(self) -> bool:
        """False with BatchNorm: the output at one input depends on the whole batch."""
        return not self.batchnorm

    def hold(self, params):
        """The quantities the player holds constant within a gradient step, as functions of
        ``params``: under ``spectral_norm="power"`` the estimates ``(u, v)`` of each layer's
        top singular vectors after one power-iteration step from the stored ``u`` (flax's
        ``SpectralNorm`` step, here without its ``stop_gradient``); ``None`` otherwise.

        ``apply_fn(params, xs, held=apply_fn.hold(params))`` is ``apply_fn(params, xs)``;
        evaluated outside a gradient and passed in, ``held`` is constant in that gradient
        (as the method defines it) yet moves with the point in the field's Jacobian
        (``gandyn.games.base.HeldObjective``, docs/sampled.md).
        """
        if self.spectral_norm != "power":
            return None
        out = []
        for k in range(self.depth + 1):
            w = jnp.asarray(params["params"][f"dense_{k}"]["kernel"])
            u = params["spectral"][f"sn_{k}"][f"dense_{k}/kernel/u"]
            v = _l2_normalize(jnp.matmul(u, jnp.transpose(w)))
            out.append((_l2_normalize(jnp.matmul(v, w)), v))
        return tuple(out)

    def __call__(self, params, xs, update_stats: bool = False, held=None):
        xs = jnp.asarray(xs, self.dtype)
        if held is not None:
            if self.spectral_norm != "power" or update_stats:
                raise ValueError("held= is for spectral_norm='power' players (MLPApply.hold), "
                                 "without update_stats")
            if self.batchnorm:
                y, _ = self.module.apply(params, xs, False, held, mutable=["batch_stats"])
            else:
                y = self.module.apply(params, xs, False, held)
        elif self.batchnorm or update_stats:
            mutable = ["batch_stats"] if self.batchnorm else []
            if update_stats:
                mutable.append("spectral")
            y, _ = self.module.apply(params, xs, update_stats, mutable=mutable)
        else:
            y = self.module.apply(params, xs)
        return y[:, 0] if self.out_dim == 1 else y


def mlp(key, in_dim: int, *, width: int = 512, depth: int = 2, activation: str = "relu",
        parameterization: str = "ntk", w_std: float = 1.0, b_std: float = 0.0,
        batchnorm: bool = False, spectral_norm: str | None = None, out_dim: int = 1,
        dtype: str = "float64"):
    """An MLP player: returns ``(apply_fn, params)`` with ``apply_fn(params, xs)`` pure.

    ``depth`` hidden layers of ``width`` units, activation one of ``ACTIVATIONS``
    (relu, leaky_relu (slope 0.01), tanh, sigmoid, gelu (exact), softplus, erf),
    ``parameterization`` "ntk" or "standard" (module docstring), ``batchnorm``,
    ``spectral_norm`` None / "exact" / "power". ``params`` is the flax variables dict
    (``{"params": ...}``, plus ``"spectral"`` for power iteration; BatchNorm's running
    averages are not kept: train mode never reads them).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"unknown parameterization {parameterization!r}; valid: ntk, standard")
    if spectral_norm not in SPECTRAL:
        raise ValueError(f"spectral_norm must be None, 'exact' or 'power', got {spectral_norm!r}")
    if int(width) < 1 or int(depth) < 0:
        raise ValueError(f"need width >= 1 and depth >= 0, got {width}, {depth}")
    fn = MLPApply(int(width), int(depth), activation, parameterization, float(w_std),
                  float(b_std), bool(batchnorm), spectral_norm, int(out_dim), str(dtype))
    variables = fn.module.init(key, jnp.zeros((2, int(in_dim)), dtype), False)
    params = {k: v for k, v in variables.items() if k != "batch_stats"}
    return fn, params


@functools.partial(jax.jit, static_argnums=0)
def power_iterate(apply_fn: MLPApply, params, xs):
    """One power-iteration update of the spectral-norm vectors (``spectral_norm="power"``)."""
    if apply_fn.spectral_norm != "power":
        return params
    xs = jnp.asarray(xs, apply_fn.dtype)
    mutable = ["spectral"] + (["batch_stats"] if apply_fn.batchnorm else [])
    _, new = apply_fn.module.apply(params, xs, True, mutable=mutable)
    return {**params, "spectral": new["spectral"]}


def count_params(params) -> int:
    """Number of scalars in ``params`` (spectral-norm vectors included)."""
    return int(ravel_pytree(params)[0].size)
