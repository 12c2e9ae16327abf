"""Pointwise (D, p_g) games: the function-space field of a loss triple at one point of data space.

The model of the Habr article habr.com/ru/post/416531 (2018), signs restored (docs/pointwise.md). With
data density ``p_d > 0`` at the point, the discriminator ascends ``J = ∫ p_d f1(D) + p_g f2(D)``
and the generator ascends ``I = ∫ p_g f3(D)``; their variational derivatives give

    dD/dt   = p_d f1'(D) + p_g f2'(D)                       (v_disc)
    dp_g/dt = f3(D) - f3(D0)                                (v_gen)

with ``D0`` a root of ``f1' + f2'`` (the constant ``f3(D0)`` keeps ∫p_g = 1 and puts the rest
point at ``p_g = p_d``). The state is ``State(gen=p_g, disc=D)`` (generator first), so at the
rest point ``(p_d, D0)``

    J = [[0,        f3'(D0)            ],
         [f2'(D0),  p_d (f1''+f2'')(D0)]]
    trace = p_d (f1'' + f2'')(D0),   det = -f2'(D0) f3'(D0),
    λ = trace/2 ± sqrt(trace²/4 - det);   locally stable iff trace < 0 and det > 0.

``params = {"pd": p_d, "D0": D0}`` are pytree leaves (vmap / trace over them without
recompiling, see :func:`at_pd`); ``f1, f2, f3`` are static, hashable callables (module-level
functions or frozen dataclasses, or :class:`gandyn.expr.Expr`), derivatives by ``jax.grad``.

The built-in zoo (``ZOO``; each factory takes ``pd=1.0``) with closed forms at ``p_d``:

======================  ===========================================  ======  ============  ======
game                    f1, f2, f3                                   D0      trace         det
======================  ===========================================  ======  ============  ======
classic (minimax)       log D, log(1-D), -log(1-D)                   1/2     -8 p_d        4
goodfellow (NS)         log D, log(1-D), log D                       1/2     -8 p_d        4
wgan                    D, -D, D                                     R (0)   0             1
lsgan                   -(D-1)²/2, -D²/2, -(D-1)²/2                  1/2     -2 p_d        1/4
hinge                   min(0,D-1), min(0,-D-1), D                   (-1,1)  0             1
f-GAN (see fgan)        g_f(D), -f*(g_f(D)), f*(g_f(D))             v0      -p_d a/f''(1) a
ebgan (margin m)        -D, -max(0, m-D), -D     (D >= 0)            (0,m)   0             1
quadratic (article)     -D²/2, D, -D                                 1       -p_d          1
quadratic_saddle        -D²/2, D, +D                                 1       -p_d          -1
======================  ===========================================  ======  ============  ======

(``a = g_f'(v0)²``; for a continuum, the centre of the interval is the representative ``D0``.)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp

from gandyn.expr import parse
from gandyn.games.roots import derivative, find_equilibria, infer_domain
from gandyn.games.base import Box, Game, State, from_fields

__all__ = [
    "FGAN_DIVERGENCES",
    "ZOO",
    "at_pd",
    "by_name",
    "classic",
    "ebgan",
    "fgan",
    "game",
    "goodfellow",
    "hellinger",
    "hinge",
    "jensen_shannon",
    "kl",
    "lsgan",
    "names",
    "pearson",
    "quadratic",
    "quadratic_saddle",
    "reverse_kl",
    "triple",
    "wgan",
]


# -- the field -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _VDisc:
    """``v_disc(p_g, D) = p_d f1'(D) + p_g f2'(D)``."""

    f1: Callable
    f2: Callable

    def __call__(self, g, d, params):
        return params["pd"] * derivative(self.f1)(d) + g * derivative(self.f2)(d)


@dataclasses.dataclass(frozen=True)
class _VGen:
    """``v_gen(p_g, D) = f3(D) - f3(D0)``."""

    f3: Callable

    def __call__(self, g, d, params):
        del g
        return self.f3(d) - self.f3(jnp.asarray(params["D0"], dtype=jnp.result_type(d)))


@dataclasses.dataclass(frozen=True)
class _IGen:
    """The generator's objective ``I = p_g (f3(D) - f3(D0))`` (``∂I/∂p_g = v_gen``)."""

    f3: Callable

    def __call__(self, g, d, params):
        return g * _VGen(self.f3)(g, d, params)


@dataclasses.dataclass(frozen=True)
class _JDisc:
    """The discriminator's objective ``J = p_d f1(D) + p_g f2(D)`` (``∂J/∂D = v_disc``)."""

    f1: Callable
    f2: Callable

    def __call__(self, g, d, params):
        return params["pd"] * self.f1(d) + g * self.f2(d)


def _box(domain) -> Box:
    if isinstance(domain, Box):
        return domain
    lo, hi = (float(v) for v in domain)
    return Box(gen_low=0.0, disc_low=lo, disc_high=hi, disc_closed=False)


def _check_pd(pd) -> None:
    """A concrete ``pd`` must be > 0 (a traced one is checked where it was concrete)."""
    if not isinstance(pd, jax.core.Tracer) and not float(jnp.min(jnp.asarray(pd))) > 0:
        raise ValueError(f"pd (the data density p_d) must be > 0, got {pd!r}")


def triple(f1: Callable, f2: Callable, f3: Callable, pd=1.0, D0=None, domain=None, *,
           name: str = "triple", continua=()) -> Game:
    """The pointwise game of a loss triple (module docstring): ``State(gen=p_g, disc=D)``.

    Args:
      f1, f2, f3: scalar functions of ``D`` (hashable: module-level functions, frozen
        dataclasses or ``gandyn.expr.parse(...)``; a fresh lambda per call recompiles), or
        strings in ``x`` such as ``"log(x)"``, parsed by :func:`gandyn.expr.parse`.
      pd: data density ``p_d > 0`` (may be traced or vmapped).
      D0: the rest point; ``None`` solves ``f1' + f2' = 0`` in the domain
        (:func:`gandyn.games.roots.find_equilibria`) and takes its first point (the
        centre of a continuum).
      domain: ``(lo, hi)`` for ``D`` (open) or a ``Box``; ``None`` infers the interval where the
        functions and derivatives are finite within ``[-10, 10]``
        (:func:`~gandyn.games.roots.infer_domain`). ``p_g >= 0`` always.

    Returns:
      A ``Game`` with ``params = {"pd", "D0"}``, equilibrium ``State(pd, D0)`` and
      ``continua``: the intervals of rest points (found when D0 is solved for, else as given).
    """
    f1, f2, f3 = (parse(f) if isinstance(f, str) else f for f in (f1, f2, f3))
    if domain is None:
        domain = infer_domain(f1, f2, f3)
    box = _box(domain)
    if D0 is None:
        eq = find_equilibria(f1, f2, (box.disc_low, box.disc_high))
        D0 = eq.representative
        continua = eq.continua
    _check_pd(pd)
    ftype = jnp.result_type(float)
    pd = jnp.asarray(pd, ftype)
    D0 = jnp.asarray(D0, ftype)
    return from_fields(name, _VGen(f3), _VDisc(f1, f2), {"pd": pd, "D0": D0},
                       equilibrium=State(pd, D0), domain=box, continua=continua,
                       objectives=(_IGen(f3), _JDisc(f1, f2)))


def at_pd(game: Game, pd) -> Game:
    """The same pointwise game at another data density (``pd`` may be traced: vmap over it)."""
    _check_pd(pd)
    params = dict(game.params)
    params["pd"] = jnp.asarray(pd, jnp.result_type(float))
    return game.replace(params=params, equilibrium=State(params["pd"], params["D0"]))


# -- the zoo's functions (module level: hashable, jit caches hit) ---------------------------
def _log(d):
    return jnp.log(d)


def _log1m(d):
    return jnp.log1p(-d)


def _neg_log1m(d):
    return -jnp.log1p(-d)


def _identity(d):
    return d


def _neg(d):
    return -d


def _ls_real(d):
    return -0.5 * (d - 1.0) ** 2


def _ls_fake(d):
    return -0.5 * d ** 2


def _hinge_real(d):
    return jnp.minimum(0.0, d - 1.0)


def _hinge_fake(d):
    return jnp.minimum(0.0, -d - 1.0)


def _neg_half_square(d):
    return -0.5 * d ** 2


@dataclasses.dataclass(frozen=True)
class _EbganFake:
    """``f2(D) = -max(0, m - D)`` (EBGAN's hinge on the fake energy)."""

    m: float

    def __call__(self, d):
        return -jnp.maximum(0.0, self.m - d)


_LOG2 = math.log(2.0)


@dataclasses.dataclass(frozen=True)
class _FGanDiv:
    """Nowozin et al. 2016, Table 2: output activation ``g_f`` and conjugate ``f*``.

    ``part``: "f1" -> g_f(v); "f2" -> -f*(g_f(v)); "f3" -> +f*(g_f(v)).
    """

    div: str
    part: str

    def _g(self, v):
        if self.div == "kl":
            return v
        if self.div == "reverse_kl":
            return -jnp.exp(-v)
        if self.div == "pearson":
            return v
        if self.div == "hellinger":
            return 1.0 - jnp.exp(-v)
        return _LOG2 - jax.nn.softplus(-v)  # js: log 2 - log(1 + e^{-v})

    def _fstar(self, t):
        if self.div == "kl":
            return jnp.exp(t - 1.0)
        if self.div == "reverse_kl":
            return -1.0 - jnp.log(-t)
        if self.div == "pearson":
            return 0.25 * t ** 2 + t
        if self.div == "hellinger":
            return t / (1.0 - t)
        return -jnp.log(2.0 - jnp.exp(t))  # js

    def __call__(self, v):
        g = self._g(v)
        if self.part == "f1":
            return g
        s = self._fstar(g)
        return -s if self.part == "f2" else s


# divergence: (f(u) as text, v0 = g_f^{-1}(f'(1)), f''(1), g_f'(v0))
FGAN_DIVERGENCES = {
    "kl": ("u log u", 1.0, 1.0, 1.0),
    "reverse_kl": ("-log u", 0.0, 1.0, 1.0),
    "pearson": ("(u - 1)^2", 0.0, 2.0, 1.0),
    "hellinger": ("(sqrt(u) - 1)^2", 0.0, 0.5, 1.0),
    "js": ("-(u + 1) log((1 + u)/2) + u log u", 0.0, 0.5, 0.5),
}

_R = (-math.inf, math.inf)
_UNIT = (0.0, 1.0)


# -- the zoo -------------------------------------------------------------------------------
def classic(pd=1.0) -> Game:
    """Classic (minimax) GAN, Goodfellow et al. 2014: ``f1 = log D, f2 = log(1-D),
    f3 = -log(1-D)`` on ``D in (0, 1)``.

    ``D0 = 1/2``; trace ``-8 p_d``, det ``4``, ``λ = -4 p_d ± 2 sqrt(4 p_d² - 1)``
    (p_d = 0.2: ``-0.8 ± 1.8330i``). Stable for every ``p_d > 0``.
    """
    return triple(_log, _log1m, _neg_log1m, pd, 0.5, _UNIT, name="classic")


def goodfellow(pd=1.0) -> Game:
    """Non-saturating GAN, Goodfellow et al. 2014 §3: ``f3 = log D`` (the generator ascends
    ``log D(G(z))``), ``f1, f2`` as classic. ``D0 = 1/2``; trace ``-8 p_d``, det
    ``-f2' f3' = -(-2)(2) = 4``: the same local spectrum as the classic game."""
    return triple(_log, _log1m, _log, pd, 0.5, _UNIT, name="goodfellow")


def wgan(pd=1.0) -> Game:
    """WGAN, Arjovsky et al. 2017: ``f1 = D, f2 = -D, f3 = D`` (the Lipschitz constraint is
    outside the pointwise model). ``f1' + f2' ≡ 0``: every ``D`` is a root (continuum); the
    centre ``D0 = 0`` is taken. trace 0, det 1: ``λ = ±i``, a centre (circles for ever)."""
    return triple(_identity, _neg, _identity, pd, 0.0, _R, name="wgan",
                  continua=((-math.inf, math.inf),))


def lsgan(pd=1.0) -> Game:
    """Least-squares GAN, Mao et al. 2017 (a=0, b=c=1): the discriminator ascends
    ``-(D-1)²/2`` on data and ``-D²/2`` on fakes, the generator ascends ``-(D-1)²/2``.
    ``D0 = 1/2``; trace ``-2 p_d``, det ``-(-1/2)(1/2) = 1/4``, ``λ = -p_d ± sqrt(p_d² - 1/4)``."""
    return triple(_ls_real, _ls_fake, _ls_real, pd, 0.5, _R, name="lsgan")


def hinge(pd=1.0) -> Game:
    """Hinge GAN, Lim & Ye 2017 / Miyato et al. 2018: ``f1 = min(0, D-1)``,
    ``f2 = min(0, -D-1)``, ``f3 = D``. ``f1' + f2' = 0`` on the whole of ``(-1, 1)``
    (continuum); the centre ``D0 = 0`` is taken: trace 0, det 1, ``λ = ±i`` (a centre)."""
    return triple(_hinge_real, _hinge_fake, _identity, pd, 0.0, _R, name="hinge",
                  continua=((-1.0, 1.0),))


def fgan(divergence: str, pd=1.0) -> Game:
    """f-GAN, Nowozin, Cseke & Tomioka 2016 (Table 2 activations ``g_f``, conjugates ``f*``).

    The saddle objective ``F = E_P[g_f(v)] - E_Q[f*(g_f(v))]`` is ascended by the
    discriminator (variational function ``v = D``) and descended by the generator ``Q``.
    Hence ``f1 = g_f``, ``f2 = -f*∘g_f`` and, since the generator ascends ``-F``'s ``Q``-part,
    ``f3 = +f*∘g_f`` (the saturating form). ``f1' + f2' = g_f'(v)(1 - f*'(g_f(v)))`` vanishes
    where ``f*'(g_f(v0)) = 1``, i.e. ``g_f(v0) = f'(1)`` (``f*' = (f')^{-1}``):
    ``v0 = g_f^{-1}(f'(1))``. With ``a = g_f'(v0)²`` and ``f*''(f'(1)) = 1/f''(1)``:

        trace = -p_d a / f''(1),   det = -f2' f3' = a     (stable for every convex f)

    Divergences (``FGAN_DIVERGENCES``): ``kl`` (v0 = 1, a = 1, f''(1) = 1), ``reverse_kl``
    (0, 1, 1), ``pearson`` (0, 1, 2), ``hellinger`` (squared Hellinger; 0, 1, 1/2), ``js``
    (Jensen–Shannon; 0, 1/4, 1/2).
    """
    if divergence not in FGAN_DIVERGENCES:
        raise ValueError(f"unknown f-GAN divergence {divergence!r}; valid: "
                         f"{', '.join(FGAN_DIVERGENCES)}")
    v0 = FGAN_DIVERGENCES[divergence][1]
    return triple(_FGanDiv(divergence, "f1"), _FGanDiv(divergence, "f2"),
                  _FGanDiv(divergence, "f3"), pd, v0, _R, name=f"fgan-{divergence}")


def kl(pd=1.0) -> Game:
    """f-GAN with the KL divergence (see :func:`fgan`): v0 = 1, trace -p_d, det 1."""
    return fgan("kl", pd)


def reverse_kl(pd=1.0) -> Game:
    """f-GAN with the reverse KL divergence (see :func:`fgan`): v0 = 0, trace -p_d, det 1."""
    return fgan("reverse_kl", pd)


def pearson(pd=1.0) -> Game:
    """f-GAN with the Pearson χ² divergence (see :func:`fgan`): v0 = 0, trace -p_d/2, det 1."""
    return fgan("pearson", pd)


def hellinger(pd=1.0) -> Game:
    """f-GAN with the squared Hellinger distance (see :func:`fgan`): v0 = 0, trace -2 p_d,
    det 1."""
    return fgan("hellinger", pd)


def jensen_shannon(pd=1.0) -> Game:
    """f-GAN with the Jensen–Shannon divergence (see :func:`fgan`): v0 = 0, trace -p_d/2,
    det 1/4."""
    return fgan("js", pd)


def ebgan(pd=1.0, m: float = 1.0) -> Game:
    """Energy-based GAN, Zhao, Mathieu & LeCun 2017, margin ``m``: ``D >= 0`` is an energy; the
    discriminator minimises ``D(x) + max(0, m - D(G(z)))``, the generator minimises
    ``D(G(z))``: ``f1 = -D, f2 = -max(0, m - D), f3 = -D``.

    ``f1' + f2' = -1 + 1 = 0`` on all of ``(0, m)`` (continuum) and ``-1`` above ``m``; the
    centre ``D0 = m/2`` is taken: trace 0, det ``-(1)(-1) = 1``, ``λ = ±i`` (a centre).
    """
    if not m > 0:
        raise ValueError(f"EBGAN margin m must be > 0, got {m!r}")
    return triple(_neg, _EbganFake(float(m)), _neg, pd, 0.5 * m, (0.0, math.inf),
                  name=f"ebgan(m={m:g})", continua=((0.0, float(m)),))


def quadratic(pd=1.0) -> Game:
    """The article's "new GAN" with its signs restored: ``f1 = -D²/2, f2 = D, f3 = -D``.

    ``D0 = 1``; trace ``-p_d``, det 1, ``λ = -p_d/2 ± sqrt(p_d²/4 - 1)``. Globally stable:
    ``V = (D-1)² + (p_g-p_d)²`` has ``dV/dt = -2 p_d (D-1)² <= 0`` (and LaSalle's principle).
    """
    return triple(_neg_half_square, _identity, _neg, pd, 1.0, _R, name="quadratic")


def quadratic_saddle(pd=1.0) -> Game:
    """The article's example with the sign of ``f3`` flipped (``f3 = +D``): ``D0 = 1``,
    trace ``-p_d``, det ``-1``: a saddle, ``λ = -p_d/2 ± sqrt(p_d²/4 + 1)``."""
    return triple(_neg_half_square, _identity, _identity, pd, 1.0, _R,
                  name="quadratic_saddle")


ZOO = (
    ("classic", classic),
    ("goodfellow", goodfellow),
    ("wgan", wgan),
    ("lsgan", lsgan),
    ("hinge", hinge),
    ("fgan-kl", kl),
    ("fgan-reverse_kl", reverse_kl),
    ("fgan-pearson", pearson),
    ("fgan-hellinger", hellinger),
    ("fgan-js", jensen_shannon),
    ("ebgan(m=1)", ebgan),
    ("quadratic", quadratic),
    ("quadratic_saddle", quadratic_saddle),
)
_BY_NAME = dict(ZOO)
_ALIASES = {"minimax": "classic", "nsgan": "goodfellow", "non-saturating": "goodfellow",
            "ebgan": "ebgan(m=1)", "kl": "fgan-kl", "reverse_kl": "fgan-reverse_kl",
            "pearson": "fgan-pearson", "hellinger": "fgan-hellinger", "js": "fgan-js",
            "jensen_shannon": "fgan-js"}


def names() -> tuple:
    """The names of the built-in pointwise games, in ``ZOO`` order."""
    return tuple(n for n, _ in ZOO)


def by_name(name: str, pd=1.0) -> Game:
    """A built-in pointwise game by name (``names()``, or an alias such as ``"nsgan"``)."""
    key = _ALIASES.get(name, name)
    if key not in _BY_NAME:
        raise ValueError(f"unknown pointwise game {name!r}; valid: {', '.join(names())}")
    return _BY_NAME[key](pd)


game = by_name  # ``gandyn.figures`` calls ``pointwise.game(name, p_d)``
