"""``check_triple``: everything gandyn can say about a loss triple (f1, f2, f3), as one report.

For the pointwise field (``gandyn.games.pointwise``, docs/pointwise.md)

    dD/dt = p_d f1'(D) + p_g f2'(D),    dp_g/dt = f3(D) - f3(D0)

the report holds

* the equilibria: every root D0 of f1' + f2' in the domain, and continua of roots
  (``gandyn.games.roots``); the rest points are ``(p_g, D) = (p_d, D0)``;
* per candidate D0 and per p_d: the ``jax.jacfwd`` Jacobian (generator first), trace, det,
  eigenvalues (closed form), kind, verdict and the largest stable learning rate of simultaneous
  steps ``h < min_λ -2 Re λ / |λ|²`` (Mescheder et al. 2017, Lemma 4);
* the analytic conditions: ``trace = p_d (f1''+f2'')(D0) < 0`` and ``det = -f2'(D0) f3'(D0) > 0``
  with their values; when ``(f1''+f2'')(D0) < 0`` and ``det > 0`` the rest point is stable for
  every ``p_d > 0`` (``stable_for_all_pd``);
* the overall verdict (docs/verdicts.md): ``stable``, ``unstable``, ``marginal``,
  ``undetermined`` or ``no-equilibrium``, the worst over every p_d and candidate D0. Signs of
  trace and det are decided within their own rounding (``classify_matrix``); where the
  linearisation is inconclusive (a zero real part) the global test decides, else the verdict is
  ``undetermined`` (a centre without the global test stays ``marginal``, to linear order); a
  jump of f1'+f2' through zero is a non-smooth candidate, ``undetermined``;
* ``warnings``: every caveat, one list printed by the text report and written by ``--json``;
* global evidence (``GlobalEvidence``) at the first candidate D0, per p_d:

  - ``N_SIDE² = 10⁴`` initial conditions on the cell centres of the box
    ``D in [max(lo, D0-2), min(hi, D0+2)]``, ``p_g in (0, p_d + 1]`` integrated in ONE jitted,
    vmapped run (all p_d together) by fixed-step RK4 under ``lax.scan`` (``STEPS`` steps).
    Time is rescaled per trajectory and step (orbits unchanged): no step moves D by more than a
    quarter of its distance to the domain's edge, nor the state by more than 5 % of the box
    diagonal, and a step whose RK4 result is non-finite or outside the domain is replaced by
    its Euler step (which the rule keeps inside). The horizon is ``T = 30/|max Re λ|`` for a
    stable rest point (``30/max|λ|`` otherwise), with ``h max|λ| <= 2`` (inside RK4's
    stability region): ``STEPS`` steps, or more (up to ``MAX_STEPS``, a traced loop bound, no
    recompilation) when the spectrum is stiff. Beyond that the horizon is cut and slow
    trajectories may end as ``running``.
  - each trajectory ends with a status: ``converged`` (within ``1e-3`` of the box diagonal of
    the rest point at the end), ``left_domain`` (D came within ``1e-9`` of the box width of the
    domain's edge, or left it: frozen there), ``diverged`` (``max |z| > 1e6``), ``non_finite``
    (the field was NaN/inf: frozen at the last finite state), or ``running``; their fractions
    sum to 1. ``pg_negative_fraction`` counts trajectories along which p_g went below 0 (the
    pointwise model does not keep densities non-negative; informational).
  - Lyapunov test: ``V = (D-D0)² + (p_g-p_d)²``, ``dV/dt = 2(D-D0) v_D + 2(p_g-p_d) v_g`` on the
    same grid; ``lyapunov_distance_decreases`` when ``dV/dt <= 1e-9 (|2(D-D0) v_D| +
    |2(p_g-p_d) v_g|) + 1e-12`` at every finite grid point, else the worst point is reported.
    For the article's quadratic triple dV/dt = -2 p_d (D-1)² <= 0 everywhere.

The local analysis and the global test are two jitted programs compiled once per triple and
domain (f1, f2, f3 static, p_d and D0 traced: other p_d values do not recompile); the global
one compiles in a worker thread while the local one is traced, compiled and run.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import math
import threading
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from gandyn._xla import fast_compile_jit
from gandyn.analysis.flow import rk4_step
from gandyn.analysis.spectrum import (
    KINDS,
    VERDICTS,
    classify_matrix,
    eigenvalues,
    jacobian,
    max_lr_simultaneous,
    sort_eigenvalues,
    trace_det,
)
from gandyn.games.roots import (D0_RTOL, Equilibria, check_rest_value, derivative,  # noqa: F401
                                 equilibria, infer_domain)
from gandyn.io import finite_json
from gandyn.results import NAMES, TRAJECTORY, counts
from gandyn.results import RESULTS as R

__all__ = [
    "N_SIDE",
    "STATUSES",
    "STEPS",
    "VERDICT_NAMES",
    "GlobalEvidence",
    "PointAnalysis",
    "TripleReport",
    "check_triple",
]

UNDETERMINED = "undetermined"
VERDICT_NAMES = VERDICTS + (UNDETERMINED, "no-equilibrium")
STATUSES = tuple(NAMES[c] for c in TRAJECTORY)  # keys of ``GlobalEvidence.fractions``
N_SIDE = 100  # N_SIDE² initial conditions
STEPS = 400
BOUND = 1e6
CONV_RTOL = 1e-3
EDGE_RTOL = 1e-9
MAX_STEPS = 4_000  # stiff spectra get up to this many steps to reach the horizon
BOX_HALF = 2.0  # D window half-width around D0
H_LAMBDA = 2.0  # step cap h max|λ| <= 2 (inside the RK4 stability region)


def _as_fn(f, label):
    if isinstance(f, str):
        from gandyn.expr import parse

        return parse(f)
    if not callable(f):
        raise TypeError(f"{label} must be a callable or an expression string, got {f!r}")
    return f


# -- results -----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PointAnalysis:
    """Local analysis of the rest point ``(p_g, D) = (pd, D0)``."""

    D0: float
    pd: float
    jacobian: tuple[tuple[float, float], tuple[float, float]]
    trace: float
    det: float
    eigenvalues: tuple[complex, ...]
    kind: str
    verdict: str
    max_lr: float

    def to_dict(self) -> dict:
        return {"D0": self.D0, "pd": self.pd, "jacobian": [list(r) for r in self.jacobian],
                "trace": self.trace, "det": self.det,
                "eigenvalues": [[z.real, z.imag] for z in self.eigenvalues],
                "kind": self.kind, "verdict": self.verdict, "max_lr": self.max_lr}


@dataclasses.dataclass(frozen=True)
class GlobalEvidence:
    """Many trajectories from a grid of starts, and the Lyapunov test (see module doc)."""

    pd: float
    n: int
    steps: int  # RK4 steps actually taken (more than STEPS for a stiff spectrum)
    horizon: float
    box: tuple[tuple[float, float], tuple[float, float]]  # ((D lo, D hi), (pg lo, pg hi))
    fractions: tuple[tuple[str, float], ...]  # (status, fraction) for STATUSES
    pg_negative_fraction: float
    lyapunov_distance_decreases: bool
    lyapunov_max_dVdt: float
    lyapunov_worst: tuple[float, float] | None  # (D, p_g) where dV/dt is largest, if > tol
    lyapunov_nonfinite_points: int

    @property
    def converged_fraction(self) -> float:
        return dict(self.fractions)["converged"]

    def to_dict(self) -> dict:
        d = {"pd": self.pd, "n": self.n, "steps": self.steps, "horizon": self.horizon,
             "box": {"D": list(self.box[0]), "pg": list(self.box[1])},
             **{f"{k}_fraction": v for k, v in self.fractions},
             "pg_negative_fraction": self.pg_negative_fraction,
             "lyapunov_distance_decreases": self.lyapunov_distance_decreases,
             "lyapunov_max_dVdt": self.lyapunov_max_dVdt,
             "lyapunov_worst": (None if self.lyapunov_worst is None
                                else {"D": self.lyapunov_worst[0], "pg": self.lyapunov_worst[1]}),
             "lyapunov_nonfinite_points": self.lyapunov_nonfinite_points}
        return d


@dataclasses.dataclass(frozen=True)
class TripleReport:
    """What ``check_triple`` found (immutable; ``to_dict()`` is JSON-ready).

    ``analyses[i][k]`` is the ``PointAnalysis`` of candidate ``D0s[i]`` at ``pd[k]``;
    ``analyses[0]`` (the first candidate, the game's D0) is the primary one; ``global_`` has
    one ``GlobalEvidence`` per p_d for that candidate.
    """

    name: str
    functions: tuple[str, str, str]
    domain: tuple[float, float]
    pd: tuple[float, ...]
    equilibria: Equilibria | None
    D0s: tuple[float, ...]
    analyses: tuple[tuple[PointAnalysis, ...], ...]
    curvature: tuple[float, ...]  # (f1''+f2'')(D0) per candidate
    verdict: str
    global_: tuple[GlobalEvidence, ...]
    message: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def primary(self) -> tuple[PointAnalysis, ...]:
        return self.analyses[0] if self.analyses else ()

    @property
    def stable_for_all_pd(self) -> bool | None:
        """(f1''+f2'')(D0) < 0 and det > 0 at the primary D0: stable for every p_d > 0."""
        if not self.analyses or self.primary[0].kind == "non-smooth":
            return None  # no Jacobian at a jump of f1'+f2'
        return bool(self.curvature[0] < 0 and self.primary[0].det > 0)

    def conditions(self) -> dict:
        """The analytic conditions with their values, per p_d, at the primary D0."""
        if not self.analyses or self.primary[0].kind == "non-smooth":
            return {"stable_for_all_pd": None} if self.analyses else {}
        return {
            "trace": [a.trace for a in self.primary],
            "trace_negative": [a.trace < 0 for a in self.primary],
            "det": [a.det for a in self.primary],
            "det_positive": [a.det > 0 for a in self.primary],
            "curvature_f1pp_plus_f2pp": self.curvature[0],
            "stable_for_all_pd": self.stable_for_all_pd,
        }

    def plot(self, **kwargs):
        """Portraits per p_d, a p_d sweep of the eigenvalues and the global test's outcome
        map as one matplotlib Figure (``gandyn.plot.report.plot_report``)."""
        from gandyn.plot.report import plot_report

        return plot_report(self, **kwargs)

    def to_dict(self) -> dict:
        prim = self.primary
        eqs = [{"D": d, "pg": p} for d in self.D0s for p in self.pd]
        glob = None
        if self.global_:
            glob = {
                "converged_fraction": min(g.converged_fraction for g in self.global_),
                "lyapunov_distance_decreases": all(g.lyapunov_distance_decreases
                                                   for g in self.global_),
                "n": self.global_[0].n,
                "per_pd": [g.to_dict() for g in self.global_],
            }
        return {
            "name": self.name,
            "f1": self.functions[0], "f2": self.functions[1], "f3": self.functions[2],
            "domain": list(self.domain),
            "equilibria": eqs,
            "D0": self.D0s[0] if self.D0s else None,
            "roots": list(self.equilibria.roots) if self.equilibria else [],
            "continua": [list(c) for c in self.equilibria.continua] if self.equilibria else [],
            "pd": list(self.pd),
            "jacobian": [[list(r) for r in a.jacobian] for a in prim],
            "eigenvalues": [[[z.real, z.imag] for z in a.eigenvalues] for a in prim],
            "trace": [a.trace for a in prim],
            "det": [a.det for a in prim],
            "kind": [a.kind for a in prim],
            "max_lr": [a.max_lr for a in prim],
            "verdict": self.verdict,
            "conditions": self.conditions(),
            "candidates": [[a.to_dict() for a in row] for row in self.analyses],
            "global": glob,
            "message": self.message,
            "warnings": list(self.warnings),
        }

    def to_json_dict(self) -> dict:
        """``to_dict()`` made strict JSON: non-finite numbers become null, with a warning."""
        d, replaced = finite_json(self.to_dict())
        if replaced:
            d["warnings"].append(f"{replaced} non-finite number(s) (overflow) written as null")
        return d


# -- jitted pieces (f1, f2, f3 static; pd, D0 traced) -----------------------------------------
def _game(f1, f2, f3, pd, D0, lo, hi):
    from gandyn.games.pointwise import triple

    return triple(f1, f2, f3, pd, D0, (lo, hi))


def _local_impl(f1, f2, f3, pd, D0, lo, hi):
    """Per p_d (vmapped): J, trace, det, eigenvalues, kind, verdict, max lr; and f1''+f2''."""

    def one(p):
        J = jacobian(_game(f1, f2, f3, p, D0, lo, hi))
        e = eigenvalues(J)
        tr, det = trace_det(J)
        # kind and verdict from the signs of trace and det, each zero only within its own
        # rounding bound: a tolerance relative to max|λ| loses -4 next to 6e7i
        kind, verd = classify_matrix(J)
        return J, tr, det, e, kind, verd, max_lr_simultaneous(e)

    curv = derivative(f1, 2)(D0) + derivative(f2, 2)(D0)
    local = jax.vmap(one)(pd)
    # one-sided values of the field's pieces f1', f2', f3' and of f1''+f2'' (kink test); f1'
    # and f2' enter v_D separately once p_g != p_d, so a jump of either one is a kink of v
    d = KINK_STEP * jnp.maximum(1.0, jnp.abs(D0))
    pts = D0 + d * jnp.asarray([-1.0, 1.0, -0.1, 0.1])
    sides = jnp.stack([derivative(f1)(pts), derivative(f2)(pts), derivative(f3)(pts),
                       derivative(f1, 2)(pts) + derivative(f2, 2)(pts)])
    return local, curv, jax.vmap(_horizon)(local[3]), sides


_local = fast_compile_jit(_local_impl, static_argnums=(0, 1, 2, 5, 6))


KINK_STEP = 1e-4


def _kinks(sides) -> list:
    """Names of the Jacobian ingredients whose one-sided values at D0 differ: the difference
    across D0 ± d does not shrink when d shrinks tenfold (smooth: it shrinks with d)."""
    out = []
    for name, (lm, lp, sm, sp) in zip(("f1'", "f2'", "f3'", "f1''+f2''"), np.asarray(sides)):
        if not np.all(np.isfinite([lm, lp, sm, sp])):
            out.append(name)
            continue
        wide, narrow = abs(lp - lm), abs(sp - sm)
        if narrow > 0.5 * wide and narrow > 1e-6 * (abs(sp) + abs(sm)) + 1e-300:
            out.append(name)
    return out


def _horizon(e):
    """Horizon ``T`` and ``max|λ|`` from a spectrum: ``30/|max Re λ|`` when stable, else
    ``30/max|λ|`` (NaN spectra count as ``|λ| = 1``, ``Re λ = 0``)."""
    fin = jnp.all(jnp.isfinite(e))
    lm = jnp.where(fin, jnp.max(jnp.abs(e)), 1.0)
    lm = jnp.where(lm > 0, lm, 1.0)
    re = jnp.where(fin, jnp.max(jnp.real(e)), 0.0)
    return jnp.where(re < -1e-9 * lm, 30.0 / jnp.abs(re), 30.0 / lm), lm


def _global_impl(f1, f2, f3, pd, D0, lo, hi, n_side, steps, horizon, lam_max):
    """Integrate n_side² starts per p_d; returns status codes, p_g<0 flags, Lyapunov data.

    The state is carried as two scalars ``(p_g, D)`` per trajectory, not a 2-vector: under
    vmap that is two ``(N,)`` arrays (no strided (N, 2) slices), which XLA fuses into a few
    elementwise kernels per step.
    """
    d1, d2 = jax.grad(f1), jax.grad(f2)

    def per_pd(p, T, lm):
        a = jnp.maximum(lo, D0 - BOX_HALF)
        b = jnp.minimum(hi, D0 + BOX_HALF)
        pg_hi = p + 1.0
        u = (jnp.arange(n_side) + 0.5) / n_side
        Dg, Pg = jnp.meshgrid(a + (b - a) * u, pg_hi * u, indexing="ij")
        z0 = jnp.stack([Pg.ravel(), Dg.ravel()], axis=-1)  # (N, 2): (p_g, D)
        diag = jnp.sqrt((b - a) ** 2 + pg_hi ** 2)
        f3D0 = f3(D0)

        def field(g, d):
            return f3(d) - f3D0, p * d1(d) + g * d2(d)

        h = jnp.minimum(T / steps, H_LAMBDA / jnp.maximum(lm, 1e-12))
        # a stiff spectrum needs more than `steps` steps to reach T: up to MAX_STEPS
        n_steps = jnp.clip(jnp.ceil(T / h), steps, MAX_STEPS).astype(jnp.int32)
        edge = EDGE_RTOL * (b - a)

        def inside(d):
            return (d > lo + edge) & (d < hi - edge)

        def finite(g, d):
            return jnp.isfinite(g) & jnp.isfinite(d)

        def traj(g, d):
            def step(_, carry):
                g, d, status, neg = carry
                v = field(g, d)
                dist = jnp.minimum(d - lo, hi - d)
                s = jnp.minimum(1.0, 0.25 * dist / (h * jnp.abs(v[1]) + 1e-300))
                speed = jnp.sqrt(v[0] ** 2 + v[1] ** 2)
                s = jnp.minimum(s, 0.05 * diag / (h * speed + 1e-300))
                hh = h * s
                g_rk, d_rk = rk4_step(lambda y: field(*y), (g, d), hh, v)
                rk_ok = finite(g_rk, d_rk) & inside(d_rk)
                g_new = jnp.where(rk_ok, g_rk, g + hh * v[0])
                d_new = jnp.where(rk_ok, d_rk, d + hh * v[1])
                running = status == R.running
                bad = ~(finite(*v) & finite(g_new, d_new))
                left = ~inside(d_new)
                div = jnp.maximum(jnp.abs(g_new), jnp.abs(d_new)) > BOUND
                new_status = jnp.where(bad, R.non_finite, jnp.where(left, R.left_domain,
                                                                   jnp.where(div, R.diverged, R.running)))
                status = jnp.where(running, new_status, status)
                moved = running & ~bad
                g, d = jnp.where(moved, g_new, g), jnp.where(moved, d_new, d)
                neg = neg | (moved & (g < 0))
                return g, d, status, neg

            status0 = jnp.where(finite(*field(g, d)), R.running, R.non_finite)
            g, d, status, neg = lax.fori_loop(0, n_steps, step, (g, d, status0, False))
            conv = (status == R.running) & (jnp.sqrt((g - p) ** 2 + (d - D0) ** 2) <= CONV_RTOL * diag)
            return jnp.where(conv, R.converged, status), neg

        status, neg = jax.vmap(traj)(z0[:, 0], z0[:, 1])

        def dvdt(z):
            v = field(z[0], z[1])
            t1 = 2 * (z[1] - D0) * v[1]
            t2 = 2 * (z[0] - p) * v[0]
            return t1 + t2, 1e-9 * (jnp.abs(t1) + jnp.abs(t2)) + 1e-12

        dv, tol = jax.vmap(dvdt)(z0)
        return status, neg, dv, tol, z0, a, b, pg_hi, h, n_steps

    # lax.map, not vmap, over p_d: each p_d runs its own number of steps
    return lax.map(lambda a: per_pd(*a), (pd, horizon, lam_max))


_global_jit = fast_compile_jit(_global_impl, static_argnums=(0, 1, 2, 5, 6, 7, 8))


@functools.lru_cache(maxsize=64)
def _global_compiling(f1, f2, f3, n_pd, lo, hi, n_side, steps):
    """Start compiling the global test for these static arguments in a worker thread.

    Returns a future of the compiled program (called as ``(pd, D0, horizon, lam_max)``). The
    horizon comes from the local analysis, so the two are separate programs; compiling the
    global one in the background while the local one is traced, compiled and run saved
    0.2-0.35 s of ``gandyn check``'s cold time (benchmarks/RESULTS.md). Cached per triple,
    domain and size, like a jit cache.
    """
    vec = jax.ShapeDtypeStruct((n_pd,), jnp.float64)
    lowered = _global_jit.lower(f1, f2, f3, vec, jax.ShapeDtypeStruct((), jnp.float64), lo, hi,
                                n_side, steps, vec, vec)
    return _submit_daemon(lowered.compile)


def _submit_daemon(fn) -> concurrent.futures.Future:
    """Run ``fn`` in a daemon thread: unlike a ThreadPoolExecutor's workers (joined at
    interpreter exit) a compile in flight never delays exit after Ctrl-C."""
    fut = concurrent.futures.Future()

    def work():
        if fut.set_running_or_notify_cancel():
            try:
                fut.set_result(fn())
            except BaseException as e:  # noqa: BLE001 (handed to the waiting thread)
                fut.set_exception(e)

    threading.Thread(target=work, name="gandyn-compile", daemon=True).start()
    return fut


# -- the driver --------------------------------------------------------------------------------
# D0_RTOL, check_rest_value: the test shared by every command taking a triple and a D0

def _name(f, default):
    return str(f) if hasattr(f, "source") else getattr(f, "__name__", default)


def check_triple(f1, f2, f3, pd: Sequence[float] = (1.0,), *, D0=None, domain=None,
                 name: str = "triple", n_side: int = N_SIDE, steps: int = STEPS,
                 with_global: bool = True) -> TripleReport:
    """Analyse the pointwise game of (f1, f2, f3) at every ``p_d`` in ``pd`` (module doc).

    Args:
      f1, f2, f3: hashable callables of D, or expression strings in ``x`` (``gandyn.expr``).
      pd: one data density or a sequence of them (each finite and > 0).
      D0: the rest value to analyse first; default: every root and continuum midpoint found,
        the first of them primary.
      domain: ``(lo, hi)`` open interval of D; default ``infer_domain`` (finite f, f', f'' in
        [-10, 10]).
      n_side: the global test uses ``n_side²`` starts per p_d (default 100 -> 10⁴).
      steps: RK4 steps of the global test.
      with_global: skip the trajectories (faster) when False.

    Returns:
      ``TripleReport``; ``verdict == "no-equilibrium"`` (with the reason in ``message``) when
      f1' + f2' has no root in the domain.

    Raises:
      ValueError: bad p_d, bad domain, or a function that is not callable / not a valid
        expression (``gandyn.expr.ExprError``).
    """
    f1, f2, f3 = _as_fn(f1, "f1"), _as_fn(f2, "f2"), _as_fn(f3, "f3")
    pds = tuple(float(p) for p in np.atleast_1d(np.asarray(pd, dtype=float)))
    if not pds or any(not (p > 0 and math.isfinite(p)) for p in pds):
        raise ValueError(f"pd (data densities p_d) must be finite numbers > 0, got {pd!r}")
    if n_side < 1 or steps < 1:
        raise ValueError(f"n_side and steps must be >= 1, got {n_side}, {steps}")
    fnames = (_name(f1, "f1"), _name(f2, "f2"), _name(f3, "f3"))
    if domain is None:
        domain = infer_domain(f1, f2, f3)
    lo, hi = (float(v) for v in domain)
    if not lo < hi:
        raise ValueError(f"domain needs lo < hi, got ({lo:g}, {hi:g})")
    try:
        eqs = equilibria(f1, f2, (lo, hi))
    except ValueError as e:
        if D0 is None:
            return TripleReport(name, fnames, (lo, hi), pds, None, (), (), (),
                                "no-equilibrium", (), str(e))
        eqs = None
    cands = list(eqs.points) if eqs is not None else []
    jumps = list(eqs.jumps) if eqs is not None else []
    if D0 is not None:
        D0 = check_rest_value(f1, f2, D0, (lo, hi), eqs)
        cands = [D0] + [c for c in cands if abs(c - D0) > 1e-9 * max(1.0, abs(D0))]
        jumps = [j for j in jumps if abs(j - D0) > 1e-9 * max(1.0, abs(D0))]
    # a jump of f1'+f2' through zero is a rest value too (no Jacobian: decided apart)
    cands += jumps
    is_jump = [eqs is not None and any(abs(c - j) <= 1e-9 * max(1.0, abs(c)) for j in eqs.jumps)
               for c in cands]
    pd_arr = np.asarray(pds, dtype=np.float64)
    analyses, curvs, worst = [], [], 0
    messages, warnings, undetermined = [], [], False
    glob_raw = None
    glob_future = None
    horizon0 = None
    if with_global and cands:
        glob_future = _global_compiling(f1, f2, f3, len(pds), lo, hi, int(n_side), int(steps))
    local_marginal = []  # (candidate index, p_d index, kind) of linear verdicts "marginal"
    for i, c in enumerate(cands):
        (J, tr, det, e, kind, verd, mlr), curv, (horizon, lam_max), sides = _local(
            f1, f2, f3, pd_arr, np.float64(c), lo, hi)
        kinks = [] if is_jump[i] else _kinks(sides)
        if is_jump[i]:
            warnings.append(
                f"f1'+f2' changes sign through a discontinuity at D = {c:.10g}: a non-smooth "
                "rest value with no Jacobian. Near p_g = p_d the field dD/dt points towards it "
                "from both sides, so trajectories slide into D = "
                f"{c:.6g} and may rest anywhere on that line where dp_g/dt = 0 (a Filippov "
                "sliding set): the linearisation decides nothing")
        if kinks:
            warnings.append(f"at D0 = {c:.10g} the one-sided derivatives of {', '.join(kinks)} "
                            "differ (a kink): the field has no Jacobian there and the "
                            "linearisation decides nothing")
        if i == 0 and glob_future is not None:
            glob_raw = glob_future.result()(pd_arr, np.float64(c), horizon, lam_max)
            horizon0 = np.asarray(horizon)
        J, tr, det, e = (np.asarray(x) for x in (J, tr, det, e))
        kind, verd, mlr = np.asarray(kind), np.asarray(verd), np.asarray(mlr)
        row = []
        for k, p in enumerate(pds):
            finite = bool(np.all(np.isfinite(J[k])) and np.all(np.isfinite(e[k]))
                          and np.isfinite(tr[k]) and np.isfinite(det[k]))
            if not finite and not is_jump[i]:
                warnings.append(f"the Jacobian or its spectrum at D0 = {c:.10g}, p_d = {p:g} "
                                "is not finite (overflow, or f not twice differentiable there)")
            if is_jump[i] or kinks or not finite:
                vname, kname = UNDETERMINED, "non-smooth" if is_jump[i] else "degenerate"
                undetermined = True
            else:
                vname, kname, code = VERDICTS[int(verd[k])], KINDS[int(kind[k])], int(verd[k])
                if vname == "marginal":
                    local_marginal.append((i, k, kname))
                worst = max(worst, code)
            ev = [complex(z) for z in sort_eigenvalues(e[k])]
            row.append(PointAnalysis(c, p, tuple(tuple(float(v) for v in r) for r in J[k]),
                                     float(tr[k]), float(det[k]), tuple(ev), kname, vname,
                                     float(mlr[k])))
        analyses.append(row)
        curvs.append(float(curv))
    glob = ()
    if glob_raw is not None:
        glob = _global_evidence(glob_raw, pds, n_side, steps)
        warnings += _global_caveats(glob, horizon0)
    # A linear verdict "marginal" (some Re λ = 0 within rounding, none > 0) decides nothing
    # about the nonlinear field: the global evidence decides where it exists, else a centre
    # stays marginal (to linear order) and a zero eigenvalue is undetermined; never silently.
    if local_marginal:
        worst = 0 if worst == 1 else worst  # the marginal ones are decided again below
        for i, k, kname in local_marginal:
            a = analyses[i][k]
            decided, why = _decide_marginal(kname, glob[k] if i == 0 and glob else None)
            analyses[i][k] = dataclasses.replace(a, verdict=decided)
            warnings.append(f"at D0 = {a.D0:.10g}, p_d = {a.pd:g} the Jacobian ({kname}) has an "
                            "eigenvalue with Re λ = 0 within rounding and none with Re λ > 0: "
                            f"the linearisation is inconclusive; {why}")
            if decided == UNDETERMINED:
                undetermined = True
            else:
                worst = max(worst, VERDICTS.index(decided))
    analyses = [tuple(r) for r in analyses]
    # an unstable candidate is certain; otherwise one undecided candidate decides nothing
    verdict_name = (UNDETERMINED if undetermined and VERDICTS[worst] != "unstable"
                    else VERDICTS[worst])
    if eqs is not None and eqs.continua:
        messages.append("f1'+f2' vanishes on " + ", ".join(f"({a:g}, {b:g})"
                                                         for a, b in eqs.continua)
                        + ": a continuum of rest values; its midpoint is analysed")
    if len(cands) > 1:
        messages.append(f"{len(cands)} candidate rest values D0; the verdict is the worst over "
                        "all of them, the global test uses the first")
    return TripleReport(name, fnames, (lo, hi), pds, eqs, tuple(cands), tuple(analyses),
                        tuple(curvs), verdict_name, glob, "; ".join(messages),
                        tuple(warnings))


def _decide_marginal(kind: str, g) -> tuple[str, str]:
    """The verdict of a rest point whose linear verdict is marginal, and why (a sentence).

    With the global evidence ``g``: every start converged -> stable; dV/dt <= 0 at every grid
    point (none skipped) -> marginal (the distance to the rest point never grows: Lyapunov
    stable, not shown attracting); else undetermined. Without it: a centre is marginal to
    linear order, a zero eigenvalue undetermined (higher orders decide).
    """
    if g is not None:
        conv = g.converged_fraction
        if conv >= 1.0:
            return "stable", f"every one of the {g.n} global starts converged: stable"
        if g.lyapunov_distance_decreases and g.lyapunov_nonfinite_points == 0:
            return "marginal", (f"dV/dt <= 0 at all {g.n} grid points, so the distance to the "
                                "rest point never grows there, but only "
                                f"{conv:.2%} of the starts converged: marginal")
        v = ("dV/dt > 0 somewhere" if not g.lyapunov_distance_decreases else
             f"dV/dt was non-finite at {g.lyapunov_nonfinite_points} grid points")
        return UNDETERMINED, (f"the global test does not decide it ({conv:.2%} of the starts "
                              f"converged, {v}): undetermined")
    if kind == "centre":
        return "marginal", ("without the global test it is marginal to linear order only "
                            "(a nonlinear term may make it attract or repel)")
    return UNDETERMINED, ("a zero eigenvalue: higher-order terms decide, and without the "
                          "global test nothing does: undetermined")


def _global_caveats(glob, horizon) -> list[str]:
    """Every caveat of the global test, as sentences (text and JSON print the same list)."""
    out = []
    for k, g in enumerate(glob):
        if g.pg_negative_fraction > 0.5:
            out.append(f"{g.pg_negative_fraction:.0%} of the global starts at p_d = {g.pd:g} "
                       "pass through p_g < 0 on the way, where p_g is no longer a density")
        if g.lyapunov_nonfinite_points:
            out.append(f"{g.lyapunov_nonfinite_points / g.n:.0%} of the Lyapunov grid at p_d = "
                       f"{g.pd:g} ({g.lyapunov_nonfinite_points} of {g.n} points) gave a "
                       "non-finite dV/dt and was skipped")
        want = float(horizon[k]) if horizon is not None else g.horizon
        if g.horizon < want * (1 - 1e-9):
            out.append(f"the global test at p_d = {g.pd:g} ran to t = {g.horizon:.3g} only "
                       f"({g.steps} steps of a stiff spectrum), not the intended {want:.3g}: "
                       f"{dict(g.fractions)['running']:.0%} of the starts were still moving")
    return out


def _global_evidence(out, pds, n_side, steps):
    status, neg, dv, tol, z0, a, b, pg_hi, h, n_steps = (np.asarray(x) for x in out)
    res = []
    n = n_side * n_side
    for k, p in enumerate(pds):
        fr = tuple((s, c / n) for s, c in counts(status[k]).items())
        fin = np.isfinite(dv[k])
        excess = np.where(fin, dv[k] - tol[k], -np.inf)
        ok = bool(np.all(excess <= 0))
        j = int(np.argmax(np.where(fin, dv[k], -np.inf)))
        worst = None if ok else (float(z0[k, j, 1]), float(z0[k, j, 0]))
        res.append(GlobalEvidence(
            p, n, int(n_steps[k]), float(h[k]) * int(n_steps[k]),
            ((float(a[k]), float(b[k])), (0.0, float(pg_hi[k]))), fr,
            float(np.mean(neg[k])), ok, float(np.max(np.where(fin, dv[k], -np.inf))), worst,
            int(np.sum(~fin))))
    return tuple(res)
