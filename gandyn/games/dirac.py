"""The Dirac-GAN of Mescheder, Geiger & Nowozin (2018) with its losses and regulariser zoo.

Reference: L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
Converge?", ICML 2018 (arXiv:1801.04406), Sections 2-3 and Appendix; seed ``003``.

The game
--------
Data ``δ_c``, generator ``δ_θ``, linear discriminator ``D_ψ(x) = ψ·x`` with ``θ, ψ, c ∈ R^n``
(``n = 1, c = 0`` is the paper's). With ``t_f = ψ·θ`` (score of the fake sample) and
``t_r = ψ·c`` (score of the data point) the paper's loss (its eq. 1, sign convention: the
discriminator *ascends* L and scores fakes high) reads

    L(θ, ψ) = f(ψ·θ) + f(-ψ·c)          (= f(ψθ) + f(0) for c = 0)

and the equilibrium is ``θ = c, ψ = 0``. Each loss is given by three scalar functions
``J = d_fake(t_f) + d_real(t_r)`` (discriminator ascends J) and ``I = g_fake(t_f)``
(generator ascends I):

=========  =====================================  ================  ==========================
loss       d_fake(t), d_real(t)                   g_fake(t)         f'(0), f''(0)
=========  =====================================  ================  ==========================
gan        f(t), f(-t);  f(t) = -log(1 + e^-t)    -f(t)  (I = -L)   1/2, -1/4  (Goodfellow 2014)
nsgan      f(t), f(-t)   (same f)                 f(-t)             1/2, -1/4  (non-saturating)
wgan       t, -t         (f(t) = t)               -t     (I = -L)   1, 0       (Arjovsky 2017)
lsgan      -(t-1)²/2, -(t+1)²/2                   -(t+1)²/2         1, -1      (Mao 2017)
hinge      min(0, t-1), min(0, -t-1)              -t                1, 0       (Lim & Ye 2017)
=========  =====================================  ================  ==========================

LSGAN uses targets +1 for fakes and -1 for data (the paper's sign convention; Mao et al.'s
"b = c" coding: the generator aims the fake score at the data target), i.e. the disc objective is
the paper's L with f(t) = -(t-1)²/2. Hinge is the spectral-norm GAN loss (Miyato 2018) with the
score sign flipped likewise. The non-saturating generator ascends ``E[f(-D(G(z)))]``, i.e.
``log D_std(G(z))`` in the usual convention; at ψ = 0 its field has the same Jacobian as the
saturating one.

Unregularised at (c, 0) with c = 0 the Jacobian is ``[[0, -f'(0)], [f'(0), 0]]`` per
coordinate: eigenvalues ``± f'(0) i`` for all five losses (a centre). For c ≠ 0 the bias-free
linear discriminator is not translation-equivariant: the ψψ block is ``2 f''(0) c cᵀ``, so the
direction of c gets ``f''(0)|c|² ± sqrt(f''(0)²|c|⁴ - f'(0)²)`` (the instance-noise formula with
σ² = |c|²) and the n-1 orthogonal directions stay at ``± f'(0) i``.

Regularisers (names for ``reg``; any subset composes with any loss)
-------------------------------------------------------------------
noise    instance noise (Sønderby et al. 2016): data and fakes convolved with
         N(0, σ² I). The *expected* field is exact: by Stein's lemma
         ``E[h'(t + ψ·ε) ε] = σ² ψ E[h''(t + ψ·ε)]`` and ``ψ·ε ~ N(0, σ²|ψ|²)``, so
             v_θ = E[g'(t_f + τz)] ψ,
             v_ψ = E[d_f'(t_f + τz)] θ + E[d_r'(t_r + τz)] c
                   + σ² ψ (E[d_f''(t_f + τz)] + E[d_r''(t_r + τz)]),   τ = σ|ψ|,
         with the one-dimensional expectations by 40-node Gauss–Hermite quadrature (exact for
         the polynomial losses and at ψ = 0; for the hinge the kink at |t| = 1 is resolved
         only to quadrature accuracy, irrelevant near the equilibrium). Jacobian at (0, 0):
         ``f''(0)σ² ± sqrt(f''(0)²σ⁴ - f'(0)²)`` (paper, Sec. 3, "instance noise").
r1, r2   zero-centred gradient penalties (paper, Sec. 3 and Sec. 4): the disc ascends
         ``J - γ/2 ‖∇_x D_ψ(x)‖²`` at x = c (R1, data) or x = θ (R2, fakes). For linear D the
         penalty is γ/2 ‖ψ‖²: eigenvalues ``-γ/2 ± sqrt(γ²/4 - f'(0)²)`` (the paper's convergence theorems for R1 and R2).
wgan-gp  Gulrajani et al. 2017: ``-λ E_u[(‖∇_x D(x̂_u)‖ - g0)²]``, x̂_u = c + u(θ - c). For
         linear D the gradient is ψ at every interpolate, so the penalty is λ(‖ψ‖ - g0)²
         exactly. For g0 > 0 the field contains ``2λ g0 ψ/‖ψ‖``, discontinuous at ψ = 0, the
         only place where v_θ = g'(ψ·θ)ψ can vanish (losses with g' ≠ 0 near 0): no rest point
         where the field is differentiable. Its Jacobian there is NaN *by construction* (a
         custom JVP), never a silently wrong finite number. What the analysis finds instead
         (``analyse``): in the set-valued (Filippov) sense the penalty's gradient at ψ = 0 is the
         ball 2λ g0 B, and v_ψ(θ, 0) = f'(0)(θ - c) + 2λ g0 B contains 0 iff
         ``‖θ - c‖ <= r = 2λ g0 / f'(0)``: a whole *set* of rest points {ψ = 0, ‖θ - c‖ <= r},
         so (c, 0) is not isolated. Inside the set the discriminator field points away from
         ψ = 0 on both sides (the penalty pushes ‖ψ‖ towards g0), so these rest points repel:
         in one dimension a trajectory started 1e-3 from (c, 0) is thrown onto |ψ| ≈ g0 while θ
         drifts, and comes to rest at the far end θ = c ∓ r of the set (tested). DRAGAN with k > 0 adds 2λ_d k to 2λ g0; the
         Nagarajan–Kolter term -2ηf'(0)²(θ - c) in v_θ shrinks the set to (c, 0) alone.
clip     weight clipping ψ ← clip(ψ, -C, C) (Arjovsky et al. 2017), declared as the game's
         ``projection`` so updaters apply it after each step. It is inactive in a
         neighbourhood of (c, 0), so the local spectrum is the loss's own (WGAN: a centre).
nk       Nagarajan & Kolter 2017: the generator ascends ``I - η‖∇_ψ J‖²`` (J the discriminator's
         loss objective, noise included, regularisers not). Eigenvalues
         ``-η f'(0)² ± sqrt(η² f'(0)⁴ - f'(0)²)``.
dragan   Kodali et al. 2017: ``-λ_d E_{x~p_D, δ}[(‖∇_x D(x + δ)‖ - k)²]``. For linear D the
         gradient does not depend on the point, so the perturbation scale drops out and the
         penalty is λ_d(‖ψ‖ - k)² exactly: k = 0 gives ``-λ_d ± sqrt(λ_d² - f'(0)²)``; k > 0
         (the original k = 1) is non-smooth at ψ = 0 like WGAN-GP.
lecam    Tseng et al. 2021 (CVPR), "Regularizing GANs under limited data": the disc ascends
         ``J - λ_lc[(D(x) - α_F)² + (D(G(z)) - α_R)²]`` with α_R, α_F moving averages of
         D(real), D(fake). The anchors are part of the discriminator's state,
         ``disc = (ψ, α)`` with ``α = [α_R, α_F]``, and their dynamics are part of the field:
         ``dα_R/dt = ρ(t_r - α_R)``, ``dα_F/dt = ρ(t_f - α_F)`` — the continuous-time limit of
         the EMA ``α ← β α + (1 - β) D``; a step of size h on the discriminator's state is that
         EMA with β = 1 - hρ. So ``jacobian`` sees the anchors (2n + 2 coordinates). With
         c = 0 the regulariser's curvature vanishes at the equilibrium: spectrum
         ``{± f'(0) i} ∪ {-ρ, -ρ}`` (no help; a marginal centre).

API: ``dirac(loss, reg, *, dim, c, gamma, sigma, ...)`` returns a ``Game``. The configuration
(loss, regulariser names) is static and hashable; every number (c, γ, σ, ...) is a leaf of
``params``, so changing it does not recompile a jitted function of the game, and a game can be
built inside ``jit``/``vmap`` from traced numbers.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.base import Game, State, from_fields

__all__ = [
    "LOSSES",
    "REGULARISERS",
    "ZOO",
    "DiracParams",
    "analyse",
    "dirac",
    "loss_constants",
]

LOSSES = ("gan", "nsgan", "wgan", "lsgan", "hinge")
REGULARISERS = ("noise", "r1", "r2", "wgan-gp", "clip", "nk", "dragan", "lecam")


# -- the scalar pieces of each loss ------------------------------------------------------------
@jax.custom_jvp
def _f_gan(t):
    return -jnp.logaddexp(0.0, -t)


# f'(t) = σ(-t) (σ the logistic function), one ``logistic`` op. Without this rule jax.grad
# differentiates logaddexp's own JVP, exp(x - logaddexp(x, y)) with its inf guards: every
# derivative re-evaluates the loss (exp, log1p, exp, four selects), which made one simultaneous
# step of dirac("gan", "r1") ~5× slower than the explicit sigmoid field in ``gandyn.simulate``
# (benchmarks/RESULTS.md). Higher derivatives (instance noise needs f'') differentiate σ.
_f_gan.defjvps(lambda dt, ans, t: jax.nn.sigmoid(-t) * dt)


def _ls_fake(t):
    return -0.5 * (t - 1.0) ** 2


def _ls_real(t):
    return -0.5 * (t + 1.0) ** 2


# loss -> (d_fake, d_real, g_fake), all ascended.
_PIECES = {
    "gan": (_f_gan, lambda t: _f_gan(-t), lambda t: -_f_gan(t)),
    "nsgan": (_f_gan, lambda t: _f_gan(-t), lambda t: _f_gan(-t)),
    "wgan": (lambda t: t, lambda t: -t, lambda t: -t),
    "lsgan": (_ls_fake, _ls_real, _ls_real),
    "hinge": (lambda t: jnp.minimum(0.0, t - 1.0), lambda t: jnp.minimum(0.0, -t - 1.0),
              lambda t: -t),
}


def loss_constants(loss: str):
    """``(f'(0), f''(0))`` of the paper's ``f`` for ``loss``, by autodiff of ``d_fake`` at 0."""
    _check_loss(loss)
    d_fake = _PIECES[loss][0]
    zero = jnp.zeros((), jnp.float64)
    return float(jax.grad(d_fake)(zero)), float(jax.grad(jax.grad(d_fake))(zero))


def _d1(h):
    return jnp.vectorize(jax.grad(h))


def _d2(h):
    return jnp.vectorize(jax.grad(jax.grad(h)))


# Gauss–Hermite: E[h(t + τ z)], z ~ N(0, 1)  =  Σ_i w_i h(t + √2 τ x_i) / √π.
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(40)


def _gauss(h, t, tau):
    x = jnp.asarray(_GH_X, dtype=jnp.result_type(t, jnp.float32))
    w = jnp.asarray(_GH_W / math.sqrt(math.pi), dtype=x.dtype)
    return jnp.sum(w * h(t + math.sqrt(2.0) * tau * x))


def _safe_norm(v):
    """‖v‖ with a finite derivative (0) at v = 0.

    Only used inside Gaussian expectations ``E[h(t + σ‖ψ‖z)]``, which are even in ‖ψ‖: their
    true first derivative at ψ = 0 is 0, which is what this returns.
    """
    q = jnp.sum(v * v)
    pos = q > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@jax.custom_jvp
def _unit(v):
    """``v/‖v‖``, 0 at v = 0; its derivative at v = 0 is NaN (the map has no derivative there)."""
    q = jnp.sum(v * v)
    pos = q > 0
    return jnp.where(pos, v / jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@_unit.defjvp
def _unit_jvp(primals, tangents):
    (v,), (dv,) = primals, tangents
    q = jnp.sum(v * v)
    pos = q > 0
    r = jnp.sqrt(jnp.where(pos, q, 1.0))
    u = jnp.where(pos, v / r, 0.0)
    du = jnp.where(pos, (dv - u * jnp.dot(u, dv)) / r, jnp.nan)
    return u, du


class DiracParams(NamedTuple):
    """Numeric parameters (pytree leaves; traced under jit/vmap).

    c: data point (n,); gamma: R1/R2 weight; sigma: instance-noise std; lam, g0: WGAN-GP weight
    and target norm; clip: clipping bound C; eta: Nagarajan–Kolter weight; dragan_lam,
    dragan_k: DRAGAN weight and target norm; lecam_lam, lecam_rate: LeCam weight and anchor
    rate ρ.
    """

    c: Any
    gamma: Any = 0.0
    sigma: Any = 0.0
    lam: Any = 0.0
    g0: Any = 1.0
    clip: Any = 0.0
    eta: Any = 0.0
    dragan_lam: Any = 0.0
    dragan_k: Any = 1.0
    lecam_lam: Any = 0.0
    lecam_rate: Any = 1.0


def _psi(d, regs):
    return d[0] if "lecam" in regs else d


def _score(psi, x):
    """The linear discriminator ``D_ψ(x) = ψ·x``."""
    return jnp.dot(psi, x)


def _grad_x_D(psi, x):
    return jax.grad(_score, argnums=1)(psi, x)


@dataclasses.dataclass(frozen=True)
class _DiscLossField:
    """Ascent direction of the loss part of J (instance noise included), w.r.t. ψ."""

    loss: str
    noise: bool

    def __call__(self, theta, psi, p):
        d_fake, d_real, _ = _PIECES[self.loss]
        t_f, t_r = _score(psi, theta), _score(psi, p.c)
        if not self.noise:
            return _d1(d_fake)(t_f) * theta + _d1(d_real)(t_r) * p.c
        tau = p.sigma * _safe_norm(psi)
        return (
            _gauss(_d1(d_fake), t_f, tau) * theta
            + _gauss(_d1(d_real), t_r, tau) * p.c
            + p.sigma**2 * psi * (_gauss(_d2(d_fake), t_f, tau) + _gauss(_d2(d_real), t_r, tau))
        )


@dataclasses.dataclass(frozen=True)
class _GenField:
    loss: str
    regs: tuple

    def __call__(self, theta, d, p):
        psi = _psi(d, self.regs)
        g_fake = _PIECES[self.loss][2]
        t_f = _score(psi, theta)
        if "noise" in self.regs:
            v = _gauss(_d1(g_fake), t_f, p.sigma * _safe_norm(psi)) * psi
        else:
            v = _d1(g_fake)(t_f) * psi
        if "nk" in self.regs:
            disc = _DiscLossField(self.loss, "noise" in self.regs)
            v = v - p.eta * jax.grad(lambda th: jnp.sum(disc(th, psi, p) ** 2))(theta)
        return v


@dataclasses.dataclass(frozen=True)
class _DiscField:
    loss: str
    regs: tuple

    def __call__(self, theta, d, p):
        psi = _psi(d, self.regs)
        v = _DiscLossField(self.loss, "noise" in self.regs)(theta, psi, p)
        if "r1" in self.regs:
            pen = lambda s: 0.5 * jnp.sum(_grad_x_D(s, p.c) ** 2)
            v = v - p.gamma * jax.grad(pen)(psi)
        if "r2" in self.regs:
            pen = lambda s: 0.5 * jnp.sum(_grad_x_D(s, theta) ** 2)
            v = v - p.gamma * jax.grad(pen)(psi)
        # (‖∇D‖ - k)² penalties: ∇D = ψ at every point for linear D, so the gradient of
        # λ(‖ψ‖ - k)² is 2λ(ψ - k ψ/‖ψ‖); the unit vector carries the non-smoothness.
        if "wgan-gp" in self.regs:
            v = v - 2 * p.lam * (psi - _kunit(p.g0, psi))
        if "dragan" in self.regs:
            v = v - 2 * p.dragan_lam * (psi - _kunit(p.dragan_k, psi))
        if "lecam" in self.regs:
            alpha = d[1]
            t_f, t_r = _score(psi, theta), _score(psi, p.c)
            v = v - 2 * p.lecam_lam * ((t_r - alpha[1]) * p.c + (t_f - alpha[0]) * theta)
            v_alpha = p.lecam_rate * (jnp.stack([t_r, t_f]) - alpha)
            return (v, v_alpha)
        return v


def _kunit(k, psi):
    # k * ψ/‖ψ‖, exactly 0 (value and derivative) when k = 0 so that zero-centred penalties
    # stay smooth; NaN derivative at ψ = 0 otherwise.
    return jnp.where(k == 0, 0.0, k * _unit(psi))


def _clip_projection(state, p):
    """Weight clipping of ψ to [-C, C] coordinate-wise (Arjovsky et al. 2017)."""
    g, d = state
    if isinstance(d, tuple):
        return State(g, (jnp.clip(d[0], -p.clip, p.clip),) + tuple(d[1:]))
    return State(g, jnp.clip(d, -p.clip, p.clip))


def _check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown Dirac-GAN loss {loss!r}; valid losses: {', '.join(LOSSES)}")


def _concrete(x):
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        return None  # traced: checked by the caller of jit, not here


def _check_nonneg(name, x):
    v = _concrete(x)
    if v is not None and not (np.all(np.isfinite(v)) and np.all(v >= 0)):
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")


def _normalise_regs(reg):
    if reg is None:
        return ()
    regs = (reg,) if isinstance(reg, str) else tuple(reg)
    for r in regs:
        if r not in REGULARISERS:
            raise ValueError(
                f"unknown Dirac-GAN regulariser {r!r}; valid: {', '.join(REGULARISERS)}"
            )
    if len(set(regs)) != len(regs):
        raise ValueError(f"regulariser listed twice in {regs!r}")
    # canonical order so that equal configurations hash equal
    return tuple(r for r in REGULARISERS if r in regs)


def dirac(loss: str = "gan", reg=(), *, dim: int = 1, c=None, gamma=1.0, sigma=0.0,
          lam=1.0, g0=1.0, clip=0.1, eta=1.0, dragan_lam=1.0, dragan_k=1.0,
          lecam_lam=1.0, lecam_rate=1.0, name: str | None = None) -> Game:
    """The n-dimensional Dirac-GAN with loss ``loss`` and regularisers ``reg``.

    Args:
      loss: one of ``LOSSES`` (see the module docstring for each objective).
      reg: a name or a sequence of names from ``REGULARISERS`` (empty: unregularised).
      dim: n, the dimension of θ, ψ and c.
      c: the data point (scalar broadcast or shape (n,)); default 0 (the paper's).
      gamma: R1/R2 weight γ.  sigma: instance-noise std σ.  lam, g0: WGAN-GP weight and target.
      clip: clipping bound C.  eta: Nagarajan–Kolter weight η.  dragan_lam, dragan_k: DRAGAN.
      lecam_lam, lecam_rate: LeCam weight λ_lc and anchor rate ρ.
      Numbers only matter for the regularisers in ``reg``; all are traced leaves.

    Returns:
      A ``Game`` with ``equilibrium = State(c, 0)`` (``State(c, (0, [0, 0]))`` with LeCam),
      the clip projection when ``"clip"`` is in ``reg``, and ``info`` describing the setup.

    Example:
      >>> from gandyn.analysis import jacobian, eigenvalues
      >>> eigenvalues(jacobian(dirac("gan", "r1", gamma=2.0)))  # -1 ± sqrt(3)/2
    """
    _check_loss(loss)
    regs = _normalise_regs(reg)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    dim = int(dim)
    if c is None:
        c = jnp.zeros((dim,), jnp.float64)
    else:
        c = jnp.asarray(c, dtype=jnp.float64)
        if c.ndim == 0:
            c = jnp.full((dim,), c)
        if c.shape != (dim,):
            raise ValueError(f"c must be a scalar or have shape ({dim},), got shape {c.shape}")
    for nm, x in (("gamma", gamma), ("sigma", sigma), ("lam", lam), ("g0", g0), ("clip", clip),
                  ("eta", eta), ("dragan_lam", dragan_lam), ("dragan_k", dragan_k),
                  ("lecam_lam", lecam_lam), ("lecam_rate", lecam_rate)):
        _check_nonneg(nm, x)
    if "clip" in regs:
        v = _concrete(clip)
        if v is not None and not v > 0:
            raise ValueError(f"clip must be > 0 when 'clip' is used, got {clip!r}")
    f64 = lambda x: jnp.asarray(x, dtype=jnp.float64)
    params = DiracParams(c, *(f64(x) for x in (gamma, sigma, lam, g0, clip, eta, dragan_lam,
                                                dragan_k, lecam_lam, lecam_rate)))
    psi0 = jnp.zeros((dim,), jnp.float64)
    disc0 = (psi0, jnp.zeros((2,), jnp.float64)) if "lecam" in regs else psi0
    label = name or "+".join((loss,) + regs)
    smooth = True
    for r, k in (("wgan-gp", g0), ("dragan", dragan_k)):
        if r in regs:
            v = _concrete(k)
            smooth = None if v is None or smooth is None else (smooth and float(v) == 0.0)
    # True / False, or None when a target norm is traced (unknown at construction)
    info = (("section", "dirac"), ("loss", loss), ("reg", regs), ("dim", dim),
            ("smooth_at_equilibrium", smooth))
    return from_fields(
        label, _GenField(loss, regs), _DiscField(loss, regs), params,
        equilibrium=State(c, disc0),
        projection=_clip_projection if "clip" in regs else None,
        info=info,
    )


def analyse(game: Game) -> dict:
    """Equilibrium, Jacobian, eigenvalues, kind and verdict of a Dirac game, with a note.

    Where the Jacobian at the equilibrium is not defined (WGAN-GP / DRAGAN with a non-zero
    target norm) the report says so and measures instead the jump of the field at ψ = 0:
    ``‖v(c, εu)‖`` for a unit u and ε → 0, which equals ``2λ g0`` (no rest point where the field
    is differentiable), and gives the set of Filippov rest points on ψ = 0,
    ``rest_set = {"psi": 0, "theta_centre": c, "theta_radius": r}`` with
    ``r = 2(λ g0 + λ_d k)/f'(0)`` (0 with the Nagarajan–Kolter term); see the module docstring.
    Numbers are Python floats/lists.
    """
    from gandyn.analysis import classify, eigenvalues, jacobian, kind_name, verdict, verdict_name

    info = dict(game.info)
    regs = info.get("reg", ())
    J = jax.jit(jacobian)(game)
    out: dict = {"equilibrium": jax.tree_util.tree_map(lambda x: np.asarray(x).tolist(),
                                                       tuple(game.equilibrium))}
    notes = []
    if not bool(jnp.all(jnp.isfinite(J))):
        eq = game.equilibrium
        psi0 = _psi(eq.disc, regs)
        u = jnp.zeros_like(psi0).at[0].set(1.0)
        eps = 1e-9
        disc = (psi0 + eps * u, eq.disc[1]) if "lecam" in regs else psi0 + eps * u
        vd = _psi(game.field(State(eq.gen, disc)).disc, regs)
        jump = float(jnp.linalg.norm(vd))
        out.update(jacobian=None, eigenvalues=[], kind="non-smooth", verdict="unstable")
        p = game.params
        f1 = loss_constants(info["loss"])[0]
        ball = 0.0  # radius of the penalties' subgradient at psi = 0: 2 lam k summed
        if "wgan-gp" in regs:
            ball += 2 * float(p.lam) * float(p.g0)
        if "dragan" in regs:
            ball += 2 * float(p.dragan_lam) * float(p.dragan_k)
        radius = 0.0 if "nk" in regs else ball / f1
        out["rest_set"] = {"psi": 0.0, "theta_centre": np.asarray(p.c).tolist(),
                           "theta_radius": radius}
        notes.append(
            "the field is discontinuous at psi=0 (penalty (|grad D| - k)^2 with k > 0): along "
            f"psi = eps*u the discriminator field tends to 2*lam*k*u, |jump| = {jump:.6g} != 0; "
            "near the equilibrium the generator field vanishes only at psi = 0, so there is no "
            "rest point where the "
            "field is differentiable. In the set-valued (Filippov) sense the rest points on "
            f"psi = 0 are the whole set |theta - c| <= {radius:.6g} (= 2 lam k / f'(0)"
            + (", collapsed to theta = c by the Nagarajan-Kolter term" if "nk" in regs else "")
            + "): (c, 0) is not isolated, and not attracting: inside the set the psi-field "
            "points away from psi = 0 on both sides, psi is thrown onto |psi| ~ k and the "
            "trajectory comes to rest elsewhere (in 1-D at the end theta = c -/+ r) "
            "(Mescheder et al. 2018, Sec. 3, WGAN-GP: no convergence to the equilibrium)"
        )
        out["jump"] = jump
    else:
        e = np.asarray(eigenvalues(J))
        order = np.lexsort((-e.imag, -e.real))
        e = e[order]
        out.update(jacobian=np.asarray(J).tolist(),
                   eigenvalues=[[float(z.real), float(z.imag)] for z in e],
                   kind=kind_name(classify(jnp.asarray(e))),
                   verdict=verdict_name(verdict(jnp.asarray(e))))
        if out["kind"] == "centre":
            notes.append("purely imaginary spectrum: trajectories circle the equilibrium "
                         "(no convergence in continuous time; simultaneous GD spirals out)")
        elif out["verdict"] == "marginal":
            notes.append("some eigenvalues lie on the imaginary axis (the rest have Re < 0): "
                         "along those directions trajectories circle, the equilibrium is not "
                         "attracting")
    if "clip" in regs:
        notes.append("weight clipping is a projection inactive within |psi_i| < C, hence "
                     "in a neighbourhood of (c, 0): it leaves the local spectrum unchanged and "
                     "cannot make the equilibrium attracting")
    out["note"] = "; ".join(notes)
    return out


# -- the registry ---------------------------------------------------------------------------
def _entry(name, loss, reg=(), **kw):
    def factory():
        return dirac(loss, reg, name=name, **kw)

    factory.__name__ = f"dirac_{name.replace('+', '_').replace('-', '_')}"
    factory.__doc__ = f"Dirac-GAN {name}: dirac({loss!r}, {reg!r}, **{kw!r})"
    return name, factory


ZOO = (
    _entry("gan", "gan"),
    _entry("nsgan", "nsgan"),
    _entry("wgan", "wgan"),
    _entry("lsgan", "lsgan"),
    _entry("hinge", "hinge"),
    _entry("gan(c=1)", "gan", c=1.0),
    _entry("gan+noise(sigma=0.7)", "gan", "noise", sigma=0.7),
    _entry("gan+r1(gamma=1)", "gan", "r1", gamma=1.0),
    _entry("gan+r1(gamma=2)", "gan", "r1", gamma=2.0),
    _entry("gan+r2(gamma=0.5)", "gan", "r2", gamma=0.5),
    _entry("nsgan+r1(gamma=1)", "nsgan", "r1", gamma=1.0),
    _entry("gan+nk(eta=1)", "gan", "nk", eta=1.0),
    _entry("gan+dragan(k=0)", "gan", "dragan", dragan_lam=1.0, dragan_k=0.0),
    _entry("gan+lecam", "gan", "lecam", lecam_lam=1.0, lecam_rate=1.0),
    _entry("wgan-gp", "wgan", "wgan-gp", lam=1.0, g0=1.0),
    _entry("wgan+clip(0.1)", "wgan", "clip", clip=0.1),
)
