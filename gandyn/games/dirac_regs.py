"""Regularisers of the Dirac-GAN as small pytree objects, combined by ``dirac(loss, regs)``.

Each regulariser is a frozen dataclass registered as a JAX pytree whose fields (weights, target
norms, rates) are leaves: a game built from ``R1(gamma)`` compiles once for every γ and can be
vmapped over γ. It states what it adds to the game through the ``Regulariser`` protocol, so the
game has no list of names:

* ``disc_penalty(x)`` / ``gen_penalty(x)``: scalars subtracted from the discriminator's
  objective J / the generator's objective I; their ascent fields ``-∂/∂ψ``, ``-∂/∂θ`` are taken
  by autodiff unless ``v_disc`` / ``v_gen`` are overridden (exact non-smooth forms);
* ``noise_var()``: variance of Gaussian noise added to data and fakes (instance noise);
* ``init_state(dim)`` / ``v_state(x)`` / ``state_objective(x)``: extra discriminator state
  (LeCam's anchors), its field and an objective whose state gradient is that field;
* ``project(psi)`` with ``projects = True``: applied by updaters after every step (clipping);
* ``kink()``: radius of the penalty gradient's jump at ψ = 0 (``2λk`` for ``λ(‖ψ‖ - k)²``; 0
  when the field is smooth there); ``pins_theta``: at ψ = 0 the generator field vanishes only
  at θ = c. The analysis derives the Filippov rest set from these two facts.

``x`` is a ``Point``: θ, ψ, the data point c, this regulariser's own state, and the loss part of
the discriminator's ascent field ``loss_field(θ, ψ)`` (noise included).
The formulas and sources are in each class's docstring and in ``gandyn.games.dirac``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.util import pytree_dataclass

__all__ = ["DRAGAN", "NK", "R1", "R2", "WGANGP", "WGANLP", "Clip", "LeCam", "Noise", "Point",
           "Regulariser", "regulariser"]


class Point(NamedTuple):
    theta: Any
    psi: Any
    c: Any
    state: Any
    loss_field: Callable   # (theta, psi) -> ascent direction of J's loss part w.r.t. ψ


def _concrete(x):
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        return None  # traced: checked by whoever built it from concrete numbers


regulariser = pytree_dataclass()  # class decorator: frozen dataclass, every field a leaf


class Regulariser:
    """The protocol (module docstring); every method has the neutral default."""

    name: ClassVar[str] = ""
    projects: ClassVar[bool] = False
    pins_theta: ClassVar[bool] = False

    def check(self):
        """Raise ``ValueError`` for a concrete number that is negative or not finite."""
        for f in dataclasses.fields(self):
            v = _concrete(getattr(self, f.name))
            if v is not None and not (np.all(np.isfinite(v)) and np.all(v >= 0)):
                raise ValueError(f"{self.name}: {f.name} must be a finite number >= 0, "
                                 f"got {getattr(self, f.name)!r}")

    def noise_var(self):
        return 0.0

    def gen_penalty(self, x):
        return None

    def disc_penalty(self, x):
        return None

    def v_gen(self, x):
        if type(self).gen_penalty is Regulariser.gen_penalty:
            return None
        return -jax.grad(lambda th: self.gen_penalty(x._replace(theta=th)))(x.theta)

    def v_disc(self, x):
        if type(self).disc_penalty is Regulariser.disc_penalty:
            return None
        return -jax.grad(lambda ps: self.disc_penalty(x._replace(psi=ps)))(x.psi)

    def init_state(self, dim: int):
        return None

    def v_state(self, x):
        return None

    def state_objective(self, x):
        return 0.0

    def project(self, psi):
        return psi

    def kink(self):
        return 0.0


# -- helpers -----------------------------------------------------------------------------------
def _score(psi, x):
    """The linear discriminator ``D_ψ(x) = ψ·x``."""
    return jnp.dot(psi, x)


def grad_x_D(psi, x):
    return jax.grad(_score, argnums=1)(psi, x)


def safe_norm(v):
    """‖v‖ with a finite derivative (0) at v = 0 (for functions even in ‖v‖)."""
    q = jnp.sum(v * v)
    pos = q > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@jax.custom_jvp
def unit(v):
    """``v/‖v‖``, 0 at v = 0; its derivative at v = 0 is NaN (the map has no derivative there)."""
    q = jnp.sum(v * v)
    pos = q > 0
    return jnp.where(pos, v / jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@unit.defjvp
def _unit_jvp(primals, tangents):
    (v,), (dv,) = primals, tangents
    q = jnp.sum(v * v)
    pos = q > 0
    r = jnp.sqrt(jnp.where(pos, q, 1.0))
    u = jnp.where(pos, v / r, 0.0)
    du = jnp.where(pos, (dv - u * jnp.dot(u, dv)) / r, jnp.nan)
    return u, du


def kunit(k, psi):
    """``k ψ/‖ψ‖``, exactly 0 (value and derivative) when k = 0 so that zero-centred penalties
    stay smooth; NaN derivative at ψ = 0 otherwise."""
    return jnp.where(k == 0, 0.0, k * unit(psi))


# -- the regularisers ------------------------------------------------------------------------
@regulariser
class Noise(Regulariser):
    """Instance noise (Sønderby et al. 2016): data and fakes convolved with N(0, σ² I); the game
    takes the exact expected field (Stein's lemma + Gauss–Hermite, see ``gandyn.games.dirac``).
    At (0, 0): ``f''(0)σ² ± sqrt(f''(0)²σ⁴ - f'(0)²)`` (Mescheder et al. 2018, Sec. 3)."""

    sigma: Any
    name: ClassVar[str] = "noise"

    def noise_var(self):
        return self.sigma**2


@regulariser
class R1(Regulariser):
    """Zero-centred penalty on data (Mescheder et al. 2018, Sec. 4): J -= γ/2 ‖∇_x D_ψ(c)‖²;
    for linear D ``γ/2‖ψ‖²``: eigenvalues ``-γ/2 ± sqrt(γ²/4 - f'(0)²)``."""

    gamma: Any
    name: ClassVar[str] = "r1"

    def disc_penalty(self, x):
        return 0.5 * self.gamma * jnp.sum(grad_x_D(x.psi, x.c) ** 2)


@regulariser
class R2(Regulariser):
    """Zero-centred penalty on fakes (Mescheder et al. 2018): J -= γ/2 ‖∇_x D_ψ(θ)‖²."""

    gamma: Any
    name: ClassVar[str] = "r2"

    def disc_penalty(self, x):
        return 0.5 * self.gamma * jnp.sum(grad_x_D(x.psi, x.theta) ** 2)


@regulariser
class WGANGP(Regulariser):
    """Gulrajani et al. 2017: J -= λ E_u[(‖∇_x D(x̂_u)‖ - g0)²]; for linear D ``λ(‖ψ‖ - g0)²``
    exactly. Field ``-2λ(ψ - g0 ψ/‖ψ‖)``: for g0 > 0 it jumps by ``2λ g0`` at ψ = 0, where its
    Jacobian is NaN by construction."""

    lam: Any
    g0: Any = 1.0
    name: ClassVar[str] = "wgan-gp"

    def disc_penalty(self, x):
        return self.lam * (safe_norm(x.psi) - self.g0) ** 2

    def v_disc(self, x):
        return -2 * self.lam * (x.psi - kunit(self.g0, x.psi))

    def kink(self):
        return 2 * self.lam * self.g0


@regulariser
class DRAGAN(Regulariser):
    """Kodali et al. 2017: J -= λ E[(‖∇_x D(x + δ)‖ - k)²]; for linear D ``λ(‖ψ‖ - k)²`` (the
    perturbation drops out). k = 0: ``-λ ± sqrt(λ² - f'(0)²)``; k > 0 is non-smooth at ψ = 0."""

    lam: Any
    k: Any = 1.0
    name: ClassVar[str] = "dragan"

    def disc_penalty(self, x):
        return self.lam * (safe_norm(x.psi) - self.k) ** 2

    def v_disc(self, x):
        return -2 * self.lam * (x.psi - kunit(self.k, x.psi))

    def kink(self):
        return 2 * self.lam * self.k


@regulariser
class NK(Regulariser):
    """Nagarajan & Kolter 2017: I -= η ‖∇_ψ J_loss‖² (noise included, penalties not):
    eigenvalues ``-η f'(0)² ± sqrt(η² f'(0)⁴ - f'(0)²)``; at ψ = 0 its generator term
    ``-2η f'(0)²(θ - c)`` vanishes only at θ = c."""

    eta: Any
    name: ClassVar[str] = "nk"
    pins_theta: ClassVar[bool] = True

    def gen_penalty(self, x):
        return self.eta * jnp.sum(x.loss_field(x.theta, x.psi) ** 2)


@regulariser
class Clip(Regulariser):
    """Weight clipping ψ ← clip(ψ, -C, C) (Arjovsky et al. 2017), a projection applied after
    every step; inactive near (c, 0), so the local spectrum is the loss's own."""

    c: Any
    name: ClassVar[str] = "clip"
    projects: ClassVar[bool] = True

    def check(self):
        v = _concrete(self.c)
        if v is not None and not (np.isfinite(v) and v > 0):
            raise ValueError(f"clip: c must be a finite number > 0, got {self.c!r}")

    def project(self, psi):
        return jnp.clip(psi, -self.c, self.c)


@regulariser
class LeCam(Regulariser):
    """Tseng et al. 2021: J -= λ[(D(c) - α_F)² + (D(θ) - α_R)²] with anchors α = [α_R, α_F] in
    the discriminator's state, ``dα/dt = ρ([D(c), D(θ)] - α)`` (an EMA with decay 1 - hρ per
    step h). At c = 0: spectrum ``{± f'(0) i} ∪ {-ρ, -ρ}``."""

    lam: Any
    rho: Any = 1.0
    name: ClassVar[str] = "lecam"

    def disc_penalty(self, x):
        t_f, t_r = _score(x.psi, x.theta), _score(x.psi, x.c)
        return self.lam * ((t_r - x.state[1]) ** 2 + (t_f - x.state[0]) ** 2)

    def init_state(self, dim):
        return jnp.zeros((2,), jnp.float64)

    def v_state(self, x):
        return self.rho * (jnp.stack([_score(x.psi, x.c), _score(x.psi, x.theta)]) - x.state)

    def state_objective(self, x):
        # gradient in α is v_state; the scores are held fixed (an EMA is not an optimiser)
        t = jax.lax.stop_gradient(jnp.stack([_score(x.psi, x.c), _score(x.psi, x.theta)]))
        return self.rho * (jnp.dot(t, x.state) - 0.5 * jnp.sum(x.state**2))


@regulariser
class WGANLP(Regulariser):
    """Petzka, Fischer & Lukovnikov 2018 (ICLR, "On the regularization of Wasserstein GANs"):
    the one-sided penalty J -= λ E[max(0, ‖∇_x D(x̂)‖ - g0)²]; for linear D
    ``λ max(0, ‖ψ‖ - g0)²``. It vanishes for ‖ψ‖ <= g0, so near (c, 0) the spectrum is the
    loss's own (g0 > 0); g0 = 0 is λ‖ψ‖²: ``-λ ± sqrt(λ² - f'(0)²)``."""

    lam: Any
    g0: Any = 1.0
    name: ClassVar[str] = "wgan-lp"

    def disc_penalty(self, x):
        return self.lam * jnp.maximum(0.0, safe_norm(x.psi) - self.g0) ** 2

    def v_disc(self, x):
        # written out: autodiff of the norm at ψ = 0 would lose the g0 = 0 curvature -2λI
        n = safe_norm(x.psi)
        return -2 * self.lam * jnp.where(n < self.g0, 0.0, x.psi - kunit(self.g0, x.psi))
