"""Rest points of pointwise games: the roots D0 of f1'(D) + f2'(D), and the domain of a triple.

At ``p_g = p_d`` the discriminator's field is ``p_d (f1' + f2')(D)``, so the rest values of D are
the roots of ``h = f1' + f2'`` (whatever ``p_d > 0``; docs/pointwise.md). ``equilibria`` finds them all
in an interval, in float64:

  1. ``h`` on a grid of ``n`` cell centres of the interval (infinite bounds are clipped to
     ``SEARCH_WINDOW`` = [-10, 10]); non-finite values are skipped;
  2. a *continuum* is a run of at least ``MIN_RUN`` consecutive grid points with
     ``|h| <= 16 eps (|f1'| + |f2'|)`` (cancellation to rounding, relative, so a scaled triple
     has the same roots): WGAN (h = 0 everywhere), hinge (h = 0 on (-1, 1)), EBGAN (h = 0 on
     [0, m)); its ends are refined by bisection on that test;
  3. each sign change of ``h`` between neighbours is bisected to machine precision and
     polished by Newton steps (``h'`` by ``jax.grad``) kept inside the bracket; a bracket whose
     limit has a large residual is either a pole (``|h|`` blows up there: dropped) or a
     *jump* of ``h`` through zero (both one-sided values bounded by ``JUMP_FACTOR max|h|``
     on the grid): a non-smooth rest value, kept in ``jumps``;
  4. a local minimum of ``|h|`` below ``1e-3 max|h|`` without sign change (a double root,
     h ≥ 0 touching zero) is followed by Newton from the grid point and kept if it converges.

No root, no continuum and no jump raises ``ValueError`` naming the interval searched.

A jump of ``h`` through zero at ``c`` (e.g. ``f1' = -sign(D - c) + ...``) has no Jacobian, yet
it is a rest value: with ``p_g`` near ``p_d`` the field ``dD/dt`` points towards ``c`` from both
sides, so trajectories slide into ``D = c`` (a Filippov sliding set) and stop wherever
``dp_g/dt = f3(c) - f3(D0)`` vanishes there.

``infer_domain`` is the default domain of a user triple: the longest run of grid points of the
window [-10, 10] where f1, f2, f3 and their first and second derivatives are all finite (4001
points), with each end that stops at a non-finite point refined by repeated multisection between
the last finite and the first non-finite point (log D gives (0, ...), log(1-D) gives (..., 1));
ends within 1e-10 of a round number are snapped to it. The interval is treated as open, and when
the finite points form several runs the longest one is taken (pass a domain to choose another).

All evaluations go through one compiled program per triple and grid shape (scalar evaluations
are broadcast to the grid's shape), which keeps ``gandyn check`` quick to start.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn._xla import fast_compile_jit

__all__ = [
    "MIN_RUN",
    "WINDOW",
    "Equilibria",
    "derivative",
    "equilibria",
    "find_equilibria",
    "infer_domain",
    "search_interval",
]

#: finite window searched when a domain bound is infinite (and for ``infer_domain``)
WINDOW = SEARCH_WINDOW = (-10.0, 10.0)
MIN_RUN = 3
N_GRID = 2001


def derivative(f: Callable, order: int = 1) -> Callable:
    """Elementwise ``order``-th derivative of a scalar function by ``jax.grad`` (any shape)."""
    g = f
    for _ in range(order):
        g = jax.grad(g)
    return jnp.vectorize(g)


class Equilibria(NamedTuple):
    """All rest values of D of a triple in ``domain``.

    Attributes:
      roots: isolated roots of f1' + f2', increasing (floats).
      continua: ``((lo, hi), ...)`` sub-intervals on which f1' + f2' vanishes identically.
      domain: ``(lo, hi)`` the open interval searched (after clipping to the window).
      representative: the rest value a game uses by default: the first root, else the midpoint
        of the first continuum.
      residuals: ``|f1' + f2'|`` at each root.
      jumps: points where f1' + f2' changes sign through a discontinuity (non-smooth rest
        values, no Jacobian; module doc), increasing.
    """

    roots: tuple[float, ...]
    continua: tuple[tuple[float, float], ...]
    domain: tuple[float, float]
    representative: float
    residuals: tuple[float, ...]
    jumps: tuple[float, ...] = ()

    @property
    def points(self) -> tuple[float, ...]:
        """Every smooth candidate D0: the isolated roots, then the midpoint of each continuum
        (``jumps`` are listed apart: no Jacobian exists there)."""
        return self.roots + tuple(_mid(c) for c in self.continua)

    def to_dict(self) -> dict:
        return {"roots": list(self.roots), "continua": [list(c) for c in self.continua],
                "jumps": list(self.jumps), "domain": list(self.domain),
                "representative": self.representative}


def _bisect_sign(fn, a, b):
    """A sign change of ``fn`` in [a, b] (fn(a), fn(b) of opposite signs) to machine
    precision."""
    fa = fn(a)
    for _ in range(200):
        m = 0.5 * (a + b)
        if m in (a, b):
            break
        fm = fn(m)
        if fm == 0.0 or not math.isfinite(fm):
            return m
        if (fm > 0) == (fa > 0):
            a, fa = m, fm
        else:
            b = m
    return 0.5 * (a + b)


def _touching(scalar, a, k, b):
    """Roots near a local minimum of |h| at grid point ``k`` with no sign change on the grid
    (neighbours ``a``, ``b``): the extremum ``c`` of h (a sign change of h') decides. h(c) = 0:
    a double root at c; h(c) of the other sign: two roots, one each side of c (twin roots
    closer than the grid, e.g. 1 ± 1e-5); same sign: none (a near miss)."""

    def h(t):
        return scalar(t)[0]

    def dh(t):
        return scalar(t)[1]

    da, db = dh(a), dh(b)
    if not (math.isfinite(da) and math.isfinite(db)) or da * db > 0:
        return []
    c = a if da == 0 else b if db == 0 else _bisect_sign(dh, a, b)
    hc, hk = h(c), h(k)
    if not math.isfinite(hc):
        return []
    if hc == 0.0 or abs(hc) <= ZERO_ULPS * _EPS * scalar(c)[2]:
        return [c]
    if (hc > 0) == (hk > 0):
        return []
    out = []
    for lo_, hi_ in ((a, c), (c, b)):
        if (h(lo_) > 0) != (h(hi_) > 0):
            out.append(_bisect_sign(h, lo_, hi_))
    return out


def _mid(c):
    lo, hi = c
    return 0.0 if lo < 0 < hi and abs(lo + hi) < 1e-9 * (hi - lo) else 0.5 * (lo + hi)


#: ``h`` counts as zero where ``|f1' + f2'| <= ZERO_ULPS eps (|f1'| + |f2'|)``: cancellation to
#: rounding, relative to the terms (a triple scaled by 1e-12 has the same roots; sigmoid(3x) - 1
#: = -e^{-3x} at x = 9 is small but not zero)
ZERO_ULPS = 16.0
_EPS = float(np.finfo(np.float64).eps)
#: a bracket whose limit keeps a large residual is a jump (not a pole) when |h| on both sides
#: of the limit stays below this many times the largest |h| on the grid (a pole's |h| grows
#: like 1/distance, to ~1e15 times the grid's values at adjacent floats)
JUMP_FACTOR = 10.0


@functools.partial(fast_compile_jit, static_argnums=(0, 1))
def _h_and_dh(f1, f2, x):
    """``h = f1' + f2'``, ``h'`` and ``|f1'| + |f2'|`` elementwise (one compiled program per
    triple and shape)."""

    def h(y):
        return jax.grad(f1)(y) + jax.grad(f2)(y)

    def scale(y):
        return jnp.abs(jax.grad(f1)(y)) + jnp.abs(jax.grad(f2)(y))

    return jnp.vectorize(h)(x), jnp.vectorize(jax.grad(h))(x), jnp.vectorize(scale)(x)


def _h(f1, f2, x):
    return _h_and_dh(f1, f2, x)[0]


class _Scalar:
    """Scalar evaluations through the grid-shaped compiled function (no extra compile)."""

    def __init__(self, fn, n):
        self.fn, self.n = fn, n

    def __call__(self, t):
        # numpy in and out: no eager jax op, so no extra compile (broadcast, slice, squeeze)
        out = self.fn(np.full((self.n,), t, dtype=np.float64))
        return tuple(float(np.asarray(o)[0]) for o in out)


@functools.partial(fast_compile_jit, static_argnums=(0, 1, 2))
def _all_finite(f1, f2, f3, x):
    ok = jnp.ones(x.shape, bool)
    for f in (f1, f2, f3):
        for order in (0, 1, 2):
            ok = ok & jnp.isfinite(derivative(f, order)(x) if order else jnp.vectorize(f)(x))
    return ok


def _snap(b: float, scale: float) -> float:
    """Round a refined boundary to 12 significant digits of the window (cosmetic)."""
    r = round(b / scale, 12) * scale
    return float(r) if abs(r - b) <= 1e-10 * scale else float(b)


def search_interval(domain) -> tuple[float, float]:
    """The finite interval actually searched: ``domain`` clipped to ``SEARCH_WINDOW``."""
    lo, hi = (float(v) for v in domain)
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(f"domain needs lo < hi, got ({lo:g}, {hi:g})")
    wlo, whi = SEARCH_WINDOW
    lo2, hi2 = max(lo, wlo), min(hi, whi)
    if not lo2 < hi2:
        raise ValueError(f"domain ({lo:g}, {hi:g}) does not meet the search window "
                         f"[{wlo:g}, {whi:g}]")
    return lo2, hi2


def infer_domain(f1: Callable, f2: Callable, f3: Callable, window=SEARCH_WINDOW,
                 n: int = 4001) -> tuple[float, float]:
    """Longest interval of ``window`` where f1, f2, f3, f' and f'' are all finite (open).

    Raises:
      ValueError: no grid point of the window has all of them finite.
    """
    wlo, whi = (float(v) for v in window)
    x = np.linspace(wlo, whi, n)
    ok = np.asarray(_all_finite(f1, f2, f3, np.asarray(x, np.float64)))
    if not ok.any():
        raise ValueError(f"f1, f2, f3 or their first two derivatives are non-finite at every "
                         f"point of [{wlo:g}, {whi:g}]: no domain to search; check the "
                         "expressions or pass a domain")
    # longest run of True
    best, start, best_run = None, None, 0
    for i, v in enumerate(list(ok) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start > best_run:
                best, best_run = (start, i - 1), i - start
            start = None
    i0, i1 = best
    scale = max(abs(wlo), abs(whi), 1.0)

    def edge(bad, good):
        # multisection with the same n-point compiled program: each round shrinks the
        # bracket (false at a, true at b) n - 1 times
        a, b = float(bad), float(good)
        for _ in range(6):
            t = np.linspace(a, b, n)
            okt = np.asarray(_all_finite(f1, f2, f3, np.asarray(t, np.float64)))
            k = int(np.argmax(okt))  # first finite point from the bad side (t[-1] = b is)
            if k == 0 or t[k - 1] == t[k]:
                break
            a, b = float(t[k - 1]), float(t[k])
        return _snap(b, scale)

    lo = wlo if i0 == 0 else edge(x[i0 - 1], x[i0])
    hi = whi if i1 == n - 1 else edge(x[i1 + 1], x[i1])
    return lo, hi


def equilibria(f1: Callable, f2: Callable, domain=None, *, f3: Callable | None = None,
               n: int = N_GRID) -> Equilibria:
    """All roots of ``f1'(D) + f2'(D)`` in the open interval ``domain`` (see module doc).

    Args:
      f1, f2: the discriminator's functions (hashable; derivatives by ``jax.grad``).
      domain: ``(lo, hi)``; ``None`` infers it with ``infer_domain`` (needs ``f3``, else
        f1 and f2 twice are used for the finiteness test).
      n: grid size (default 2001).

    Returns:
      ``Equilibria``.

    Raises:
      ValueError: no root and no continuum in the interval (the message names it).
    """
    if domain is None:
        domain = infer_domain(f1, f2, f3 if f3 is not None else f1)
    lo, hi = search_interval(domain)
    width = hi - lo
    x = lo + width * (np.arange(n) + 0.5) / n
    h, _, hs = (np.asarray(v, dtype=np.float64)
                for v in _h_and_dh(f1, f2, np.asarray(x, np.float64)))
    fin = np.isfinite(h)
    if not fin.any():
        raise ValueError(f"f1'(D)+f2'(D) is non-finite everywhere in ({lo:g}, {hi:g}); "
                         "check the domain")
    s = float(np.max(np.abs(h[fin])))
    zero = fin & (np.abs(h) <= ZERO_ULPS * _EPS * hs)

    scalar = _Scalar(lambda z: _h_and_dh(f1, f2, z), n)

    def hval(t):
        return scalar(t)[0]

    def bisect_pred(a, b, pred):
        """pred(a) false, pred(b) true -> boundary."""
        for _ in range(100):
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            if pred(m):
                b = m
            else:
                a = m
        return b

    def is_zero(t):
        v, _, sc = scalar(t)
        return math.isfinite(v) and abs(v) <= ZERO_ULPS * _EPS * sc

    # 2. continua
    continua, in_cont = [], np.zeros(n, bool)
    i = 0
    while i < n:
        if zero[i]:
            j = i
            while j + 1 < n and zero[j + 1]:
                j += 1
            if j - i + 1 >= MIN_RUN:
                a = lo if i == 0 else bisect_pred(x[i - 1], x[i], is_zero)
                b = hi if j == n - 1 else bisect_pred(x[j + 1], x[j], is_zero)
                continua.append((_snap(a, max(1.0, abs(lo), abs(hi))),
                                 _snap(b, max(1.0, abs(lo), abs(hi)))))
                in_cont[max(i - 1, 0):j + 2] = True
            i = j + 1
        else:
            i += 1

    # 3. sign changes
    cands = []
    for k in range(n - 1):
        if in_cont[k] or in_cont[k + 1] or not (fin[k] and fin[k + 1]):
            continue
        if zero[k] and not in_cont[k]:
            cands.append(("point", x[k], x[k]))
        elif not zero[k] and not zero[k + 1] and np.sign(h[k]) != np.sign(h[k + 1]):
            cands.append(("bracket", x[k], x[k + 1]))
    if fin[-1] and zero[-1] and not in_cont[-1]:
        cands.append(("point", x[-1], x[-1]))

    roots, jumps = [], []
    step = width / n
    for kind, a, b in cands:
        if kind == "point":  # |h| at rounding level on one grid point: find the sign change
            a0, b0 = max(lo, a - step), min(hi, a + step)
            fa0, fb0 = hval(a0), hval(b0)
            if not (math.isfinite(fa0) and math.isfinite(fb0)) or fa0 * fb0 > 0:
                roots.append(float(a))
                continue
            a, b = a0, b0
        fa = hval(a)
        for _ in range(100):  # bisection to machine precision
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            fm = hval(m)
            if not math.isfinite(fm):
                break
            if fm == 0.0:
                a = b = m
                break
            if np.sign(fm) == np.sign(fa):
                a, fa = m, fm
            else:
                b = m
        r = 0.5 * (a + b)
        lo_b, hi_b = min(a, b), max(a, b)
        for _ in range(3):  # Newton polish, kept in the bracket
            hv, dh, _ = scalar(r)
            if not (math.isfinite(hv) and math.isfinite(dh)) or dh == 0.0 or hv == 0.0:
                break
            r_new = r - hv / dh
            if not lo_b - 1e-15 <= r_new <= hi_b + 1e-15:
                break
            r = r_new
        res = abs(hval(r))
        if math.isfinite(res) and res <= 1e-6 * s:
            roots.append(float(r))
        elif lo_b < hi_b:  # the limit is no zero of h: a jump through zero, or a pole
            ha, hb = hval(lo_b), hval(hi_b)
            if (math.isfinite(ha) and math.isfinite(hb) and ha * hb < 0
                    and max(abs(ha), abs(hb)) <= JUMP_FACTOR * s):
                jumps.append(float(r))

    # 4. touching roots: local minima of |h| with no sign change around them
    ah = np.where(fin, np.abs(h), np.inf)
    for k in range(1, n - 1):
        if in_cont[k] or zero[k] or not fin[k]:
            continue
        if not (ah[k] <= ah[k - 1] and ah[k] <= ah[k + 1] and ah[k] < 1e-3 * s):
            continue
        if np.sign(h[k - 1]) != np.sign(h[k]) or np.sign(h[k + 1]) != np.sign(h[k]):
            continue  # a sign change nearby: found by the brackets
        roots.extend(_touching(scalar, float(x[k - 1]), float(x[k]), float(x[k + 1])))

    roots = sorted(roots)
    dedup = []
    for r in roots:
        if not dedup or abs(r - dedup[-1]) > 1e-9 * max(1.0, width):
            dedup.append(r)
    roots = tuple(dedup)
    jumps = tuple(j for j in sorted(jumps)
                  if all(abs(j - r) > 1e-9 * max(1.0, width) for r in roots))
    if not roots and not continua and not jumps:
        k = int(np.argmin(ah))
        raise ValueError(
            f"f1'(D)+f2'(D) has no root in ({lo:g}, {hi:g}) (searched {n} grid points; the "
            f"smallest |f1'+f2'| is {ah[k]:.3g} at D = {x[k]:.6g}): the triple has no rest "
            "point p_g = p_d there; check the signs of f1, f2 or pass another domain")
    rep = roots[0] if roots else _mid(continua[0]) if continua else jumps[0]
    residuals = tuple(abs(hval(r)) for r in roots)
    return Equilibria(roots, tuple(continua), (lo, hi), float(rep), residuals, jumps)


find_equilibria = equilibria


#: |f1'+f2'|(D0) relative to |f1'|+|f2'| for a given D0 to count as a rest value
D0_RTOL = 1e-6


def check_rest_value(f1: Callable, f2: Callable, D0, domain, eqs: Equilibria | None = None, *,
                     allow_jumps: bool = True) -> float:
    """``float(D0)`` if it is a rest value of the triple in the open ``domain``, else ValueError.

    The one test every command that takes a triple and a ``--D0`` applies: ``D0`` finite and
    inside ``domain``, and either ``f1'(D0) + f2'(D0) ≈ 0`` relative to ``|f1'(D0)| +
    |f2'(D0)|`` (``D0_RTOL``) or, with ``allow_jumps``, a jump of ``f1' + f2'`` through zero
    (``Equilibria.jumps``). ``eqs``: the equilibria already found in ``domain`` (computed here
    when needed, for the message naming the rest values there)."""
    D0 = float(D0)
    lo, hi = (float(v) for v in domain)
    if not math.isfinite(D0):
        raise ValueError(f"D0 must be a finite number, got {D0!r}")
    if not lo < D0 < hi:
        raise ValueError(f"D0 = {D0:g} is outside the domain ({lo:g}, {hi:g})")

    def found():
        nonlocal eqs
        if eqs is None:
            try:
                eqs = equilibria(f1, f2, (lo, hi))
            except ValueError:
                return None
        return eqs

    tol = 1e-9 * max(1.0, abs(D0))
    if allow_jumps and found() is not None and any(abs(j - D0) <= tol for j in eqs.jumps):
        return D0
    a, b = (float(jax.grad(f)(jnp.float64(D0))) for f in (f1, f2))
    h, scale = a + b, abs(a) + abs(b)
    if math.isfinite(h) and abs(h) <= D0_RTOL * scale + 1e-300:
        return D0
    known = ", ".join(f"{r:.10g}" for r in found().points) if found() is not None else "none"
    raise ValueError(f"D0 = {D0:g} is no rest point: f1'(D0) + f2'(D0) = {h:.6g} (relative "
                     f"{abs(h) / scale if scale else math.inf:.3g} > {D0_RTOL:g}); rest values "
                     f"in the domain: {known}")
