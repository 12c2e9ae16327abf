"""Ensembles of minibatch GANs: thousands of small GANs trained at once in ONE jitted program.

    res = train("wgan-gp", data="ring", seeds=256, steps=2000, record_every=100)
    res.table()          # per configuration: final modes covered / W1 over seeds (mean, sd, quantiles)

Each *lane* is one GAN: its own initialisation key (networks, minibatch stream) and its own
traced hyperparameters (learning rates ``lr``, ``lr_disc`` and the regulariser weight
``gamma``), so a sweep over seeds × rates × γ is one program (``vmap``); the number of critic
steps ``n_disc``, the loss, the data set, the networks and the update rule shape the program and
are static (one program per value). The program runs in blocks of steps (``block``), the host
looping over one compiled block that carries the lanes' state, so that progress can be shown
(``train(progress=...)``, ``train_iter``); the result does not depend on the blocks. The lanes
are split over devices with ``shard_map``
(``jax.devices()``; on the CPU set ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` before
jax is imported to use N cores) and, on each device, walked in chunks with ``lax.map``.

Training is ``gandyn.updaters.minibatch`` around any gandyn update rule on a
``gandyn.games.sampled.sampled_game``: every step draws a fresh data batch and fresh latents;
with ``n_disc = k`` one step is Arjovsky et al.'s round of k critic steps (each on a fresh batch,
clipped after every one) and one generator step.

Statuses (``gandyn.results.RESULTS``): after every block of ``check_every`` steps, and at every
metric record, each lane is checked; a lane whose parameters or updater state hold a NaN/±inf
becomes ``non_finite``, one with ``max |param| > bound`` becomes ``diverged``; it is frozen at its
state at the previous check (``stop_step`` = the step of the check that saw the failure). Others
stay ``running``. Metrics (``metric_names``) are computed every ``record_every`` steps from
``n_eval`` samples of each generator, for the lanes running at that record only (the check just
before makes the status and the metrics of a record agree: a lane that blew up since the last
check is not scored, say, as a generator covering 0 modes); parameters are never stored: memory
does not depend on ``steps``. ``TrainResult.curves_by_config()``: per configuration, the mean of
each metric over the lanes alive at each record and how many they are.

Losses (``LOSS_RECIPES``; f1, f2, f3 on D's raw output t, D scoring data high; see
``docs/sampled_gans.md``). The optimiser column is the papers'; its rate is NOT the default:
``lr`` defaults to ``train_defaults.LR`` (1e-3) for every loss (pass the papers' rate with
``lr=``):

==========  =====================================  =====================  =====================
name        triple / regulariser                   paper's optimiser      source
==========  =====================================  =====================  =====================
gan         log σ(t), log(1-σ(t)), -log(1-σ(t))    Adam 1e-4 (.5, .999)   Goodfellow 2014
nsgan       log σ(t), log(1-σ(t)), log σ(t)        Adam 1e-4 (.5, .999)   Goodfellow 2014
lsgan       -(t-b)²/2, -(t-a)²/2, -(t-c)²/2        Adam 1e-4 (.5, .999)   Mao et al. 2017
wgan-clip   t, -t, t; clip D's weights to [-γ, γ]  RMSProp 5e-5, k = 5    Arjovsky et al. 2017
wgan-gp     t, -t, t; λ E(‖∇D(x̂)‖ - 1)², λ = γ     Adam 1e-4 (0, .9), 5   Gulrajani et al. 2017
sngan       nsgan triple, D spectrally normalised  Adam 1e-4 (.5, .999)   Miyato et al. 2018
hinge       min(0, t-1), min(0, -t-1), t           Adam 1e-4 (.5, .999)   Lim & Ye 2017
dragan      nsgan triple; λ E(‖∇D(x+δ)‖ - 1)²      Adam 1e-4 (.5, .999)   Kodali et al. 2017
ratio-clip  WGAN-GP critic on re-weighted fakes;   Adam 1e-4 (0, .9), 5   Wu et al. 2020
            G surrogate, ratio clipped to 1 ± ε
==========  =====================================  =====================  =====================

Simplifications, stated: WGAN-GP interpolates with the fixed stratified coefficients
``u_k = (k + 1/2)/B`` (``sampled_regs.WGANGP``) between fresh random pairs instead of
``u ~ U[0, 1]``; DRAGAN's perturbations ``δ = 0.5 std(x) U[0, 1)`` are drawn once per GAN (the
data they are added to are fresh every step); SN-GAN uses the players' flax ``SpectralNorm``
(``spectral_norm="power"``) whose vector u is advanced by one power iteration after every step.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import PartitionSpec as P

from gandyn import data as datasets
from gandyn import metrics as M
from gandyn import train_defaults as _defaults
from gandyn.games.base import State
from gandyn.games.sampled import loss_triple, sampled_game
from gandyn.games.sampled_regs import DRAGAN, WGANGP, Clip
from gandyn.results import NAMES, RESULTS
from gandyn.simulate import default_mesh
from gandyn.updaters.consensus import consensus
from gandyn.updaters.extragradient import extragradient
from gandyn.updaters.minibatch import minibatch
from gandyn.updaters.optax_players import optax_players
from gandyn.updaters.optimistic import optimistic
from gandyn.updaters.simultaneous import simultaneous

__all__ = [
    "DATASETS",
    "LOSS_RECIPES",
    "UPDATERS",
    "Config",
    "Ensemble",
    "EnsembleResult",
    "LossRecipe",
    "lsgan_triple",
    "TrainProgress",
    "TrainResult",
    "default_block",
    "record_steps",
    "run_ensemble",
    "samples",
    "summarize",
    "summarize_curves",
    "train",
    "train_iter",
]

CHECK_EVERY = _defaults.CHECK_EVERY
RUNNING, DIVERGED, NON_FINITE = int(RESULTS.running), int(RESULTS.diverged), int(RESULTS.non_finite)


# -- losses -----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Square:
    """``t -> -(t - target)²/2`` (hashable: equal targets share a compilation)."""

    target: float

    def __call__(self, t):
        return -0.5 * (t - self.target) ** 2


def lsgan_triple(a: float = -1.0, b: float = 1.0, c: float = 1.0) -> tuple:
    """LSGAN with targets (a, b, c) (Mao et al. 2017, eq. 2): D minimises
    ``½E_data (D - b)² + ½E_g (D - a)²``, G minimises ``½E_g (D - c)²``; as rewards
    ``f1 = -(t-b)²/2``, ``f2 = -(t-a)²/2``, ``f3 = -(t-c)²/2``. The pointwise optimal critic is
    ``D* = (b p_d + a p_g)/(p_d + p_g)``. (-1, 1, 1) is ``LOSSES["lsgan"]``."""
    return _Square(float(b)), _Square(float(a)), _Square(float(c))


class LossRecipe(NamedTuple):
    """A named loss: its triple, regulariser and its authors' optimiser (the defaults)."""

    triple: Callable[[], tuple]
    reg: str | None            # None, "clip", "wgan-gp", "dragan", "ratio-clip"
    optimizer: str             # "adam" or "rmsprop"
    lr: float
    betas: tuple
    n_disc: int
    gamma: float               # clip bound c / penalty weight λ (traced per lane)
    spectral_norm: bool = False


LOSS_RECIPES = {
    "gan": LossRecipe(lambda: loss_triple("gan"), None, "adam", 1e-4, (0.5, 0.999), 1, 0.0),
    "nsgan": LossRecipe(lambda: loss_triple("nsgan"), None, "adam", 1e-4, (0.5, 0.999), 1, 0.0),
    "lsgan": LossRecipe(lsgan_triple, None, "adam", 1e-4, (0.5, 0.999), 1, 0.0),
    "wgan-clip": LossRecipe(lambda: loss_triple("wgan"), "clip", "rmsprop", 5e-5, (), 5, 0.01),
    "wgan-gp": LossRecipe(lambda: loss_triple("wgan"), "wgan-gp", "adam", 1e-4, (0.0, 0.9), 5,
                          10.0),
    "sngan": LossRecipe(lambda: loss_triple("nsgan"), None, "adam", 1e-4, (0.5, 0.999), 1, 0.0,
                        True),
    "hinge": LossRecipe(lambda: loss_triple("hinge"), None, "adam", 1e-4, (0.5, 0.999), 1, 0.0),
    "dragan": LossRecipe(lambda: loss_triple("nsgan"), "dragan", "adam", 1e-4, (0.5, 0.999), 1,
                         10.0),
    # its own update rule (gandyn.updaters.ratio_clip): critic, classifier and surrogate steps
    "ratio-clip": LossRecipe(lambda: loss_triple("wgan"), "ratio-clip", "adam", 1e-4,
                             (0.0, 0.9), 5, 10.0),
}

#: update rules: "default" is the loss's own optimiser; the others replace it. Alternating
#: schedules take n_disc critic steps and one generator step per round, each on a fresh batch;
#: joint rules take one step of the rule on one batch (n_disc must be 1).
UPDATERS = ("default", "adam", "rmsprop", "alternating", "simultaneous", "extragradient",
            "optimistic", "consensus")
_JOINT = ("simultaneous", "extragradient", "optimistic", "consensus")


# -- data sets --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Sampler:
    """``key -> bank``: a data set or the latents at a fixed batch size (hashable by value)."""

    kind: str
    n: int
    dim: int = 2

    def __call__(self, key):
        if self.kind == "latent":
            return jax.random.normal(key, (self.n, self.dim), jnp.float32)
        spec = DATASETS[self.kind]
        return spec["sample"](key, self.n).astype(jnp.float32)


def _mixture_sample(key, n):
    d = DATASETS["mixture"]
    return datasets.mixture_1d(key, n, d["means"], d["sigma"])


DATASETS = {
    "ring": {"dim": 2, "sample": lambda k, n: datasets.ring(k, n), "modes": datasets.ring_modes(),
             "sigma": 0.02},
    "grid": {"dim": 2, "sample": lambda k, n: datasets.grid(k, n),
             "modes": datasets.grid_modes(), "sigma": 0.05},
    "mixture": {"dim": 1, "sample": _mixture_sample, "means": (-2.0, 0.0, 2.0), "sigma": 0.2,
                "modes": jnp.asarray([[-2.0], [0.0], [2.0]]), },
    "line": {"dim": 2, "sample": lambda k, n: datasets.line(k, n), "start": (-1.0, -1.0),
             "end": (1.0, 1.0)},
}


def metric_names(data: str) -> tuple:
    """The metrics recorded for a data set (all larger-is-better except w1 and distance)."""
    if data == "line":
        return ("distance",)
    names = ("modes", "hq")
    return names + ("w1",) if data == "mixture" else names


def _data_metrics(data: str, samples):
    d = DATASETS[data]
    if data == "line":
        a, b = jnp.asarray(d["start"]), jnp.asarray(d["end"])
        t = jnp.clip((samples - a) @ (b - a) / jnp.sum((b - a) ** 2), 0.0, 1.0)
        return {"distance": jnp.mean(jnp.linalg.norm(samples - a - t[:, None] * (b - a), axis=1))}
    out = {"modes": M.modes_covered(samples, d["modes"], d["sigma"]).astype(jnp.float32),
           "hq": M.high_quality_fraction(samples, d["modes"], d["sigma"]).astype(jnp.float32)}
    if data == "mixture":
        out["w1"] = M.wasserstein_to_mixture(samples, d["means"], d["sigma"]).astype(jnp.float32)
    return out


# -- players ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Column:
    """A 1-D data set as a column for an MLP critic: ``(N,) -> (N, 1)``."""

    apply: Callable

    def __call__(self, params, xs, **kw):
        return self.apply(params, jnp.reshape(xs, (xs.shape[0], -1)), **kw)


@dataclasses.dataclass(frozen=True)
class _PowerIterate:
    """Projection: one power iteration of the critic's spectral-norm vectors after each step,
    then the inner projection (as ``torch.nn.utils.spectral_norm`` in training mode)."""

    d_apply: Any
    dim: int
    inner: Callable | None = None

    def __call__(self, state, params):
        from gandyn.players import power_iterate

        d = power_iterate(self.d_apply, state.disc, jnp.zeros((1, self.dim), jnp.float32))
        state = State(state.gen, d)
        return state if self.inner is None else self.inner(state, params)


@dataclasses.dataclass(frozen=True)
class Config:
    """The static part of one training program (hashable)."""

    loss: str = _defaults.LOSS
    data: str = _defaults.DATA
    updater: str = _defaults.UPDATER
    n_disc: int | None = None        # None: the loss's
    width: int = _defaults.WIDTH
    depth: int = _defaults.DEPTH
    zdim: int = _defaults.ZDIM
    batch: int = _defaults.BATCH
    n_eval: int = _defaults.N_EVAL
    lsgan_targets: tuple = (-1.0, 1.0, 1.0)
    activation: str = "relu"

    @property
    def recipe(self) -> LossRecipe:
        return LOSS_RECIPES[self.loss]

    @property
    def critic_steps(self) -> int:
        return self.recipe.n_disc if self.n_disc is None else int(self.n_disc)

    def validate(self) -> Config:
        if self.loss not in LOSS_RECIPES:
            raise ValueError(f"unknown loss {self.loss!r}; valid: {', '.join(LOSS_RECIPES)}")
        if self.data not in DATASETS:
            raise ValueError(f"unknown data {self.data!r}; valid: {', '.join(DATASETS)}")
        if self.updater not in UPDATERS:
            raise ValueError(f"unknown updater {self.updater!r}; valid: {', '.join(UPDATERS)}")
        for k in ("width", "zdim", "batch", "n_eval", "critic_steps"):
            v = getattr(self, k)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{k} must be a positive integer, got {v!r}")
        if not isinstance(self.depth, (int, np.integer)) or self.depth < 0:
            raise ValueError(f"depth must be a non-negative integer, got {self.depth!r}")
        if self.recipe.reg == "ratio-clip" and self.updater != "default":
            raise ValueError(f"loss 'ratio-clip' is its own update rule (Adam inside): updater "
                             f"must be 'default', got {self.updater!r}")
        if self.updater in _JOINT and self.critic_steps != 1:
            raise ValueError(f"updater {self.updater!r} moves both players at once: n_disc must "
                             f"be 1, got {self.critic_steps}")
        return self

    def players(self, key):
        from gandyn.players import mlp

        dim = DATASETS[self.data]["dim"]
        kg, kd = jax.random.split(key)
        opts = dict(width=self.width, depth=self.depth, activation=self.activation,
                    parameterization="standard", dtype="float32")
        g_apply, g0 = mlp(kg, self.zdim, out_dim=dim, **opts)
        d_apply, d0 = mlp(kd, dim, spectral_norm="power" if self.recipe.spectral_norm else None,
                          **opts)
        if dim == 1:
            d_apply = _Column(d_apply)
        return (g_apply, g0), (d_apply, d0)

    def inner_updater(self, lr, lr_disc):
        name = self.updater
        if name == "default":
            name = self.recipe.optimizer
        if name == "adam":
            b1, b2 = self.recipe.betas if self.recipe.optimizer == "adam" else (0.5, 0.999)
            tx = _adam(b1, b2)
            return optax_players(tx, lr=lr, lr_disc=lr_disc)
        if name == "rmsprop":
            return optax_players(_RMSPROP, lr=lr, lr_disc=lr_disc)
        if name in ("alternating", "simultaneous"):
            return simultaneous(lr, lr_disc)
        if name == "extragradient":
            return extragradient(lr, lr_disc)
        if name == "optimistic":
            return optimistic(lr, lr_disc)
        return consensus(lr, lr_disc)

    def alternating_schedule(self) -> bool:
        return self.updater not in _JOINT


@functools.lru_cache(maxsize=None)
def _adam(b1, b2):
    # one object per betas, so that jit caches hit across calls; rates scale the update (h)
    return optax.chain(optax.scale_by_adam(b1=b1, b2=b2), optax.scale(-1.0))


@functools.lru_cache(maxsize=None)
def _scale_by_adam(b1, b2):
    return optax.scale_by_adam(b1=b1, b2=b2)


# torch.optim.RMSprop: v <- 0.99 v + 0.01 g², step g / (sqrt(v) + 1e-8)
_RMSPROP = optax.chain(optax.scale_by_rms(decay=0.99, eps=1e-8, eps_in_sqrt=False),
                       optax.scale(-1.0))


# -- the ensemble program ---------------------------------------------------------------------
class Ensemble(NamedTuple):
    """A static family of GANs, one per lane, as three pure functions of a lane's key and its
    hyperparameters ``hp`` (a dict of traced scalars):

    * ``make(key, hp) -> (game, updater, z0)``: the game, the update rule and the initial state;
    * ``metrics(z, key) -> {name: scalar}``: measured on the state every ``record_every`` steps.
    """

    make: Callable
    metrics: Callable


class EnsembleResult(NamedTuple):
    """What ``run_ensemble`` returns (lanes first everywhere; numpy arrays).

    Attributes:
      status, stop_step: ``(lanes,)`` RESULTS codes and the step of the check that set them
        (-1: running).
      steps: ``(n_rec,)`` the steps at which metrics were taken (0 first, the last step last).
      metrics: ``{name: (lanes, n_rec)}``; a failed lane's entries from its stop on are NaN.
      hp: ``{name: (lanes,)}`` the hyperparameters of each lane; seed: ``(lanes,)``.
      final: the final ``State`` (``keep_final=True``) or ``None``.
      record_status: ``(lanes, n_rec)`` each lane's status at each record (the metrics of a
        record are those of its ``running`` lanes; ``None`` where not recorded).
    """

    status: np.ndarray
    stop_step: np.ndarray
    steps: np.ndarray
    metrics: dict
    hp: dict
    seed: np.ndarray
    final: Any = None
    record_status: np.ndarray | None = None


def _tree_ok(tree, bound):
    finite, small = jnp.asarray(True), jnp.asarray(True)
    for x in jax.tree_util.tree_leaves(tree):
        if jnp.issubdtype(jnp.result_type(x), jnp.inexact):
            finite = finite & jnp.all(jnp.isfinite(x))
            small = small & jnp.all(jnp.abs(x) <= bound)
    return finite, small


def _select(mask, new, old):
    def pick(a, b):
        m = mask.reshape(mask.shape + (1,) * (a.ndim - mask.ndim))
        return jnp.where(m, a, b)

    return jax.tree_util.tree_map(pick, new, old)


def _lane_program(ens: Ensemble, steps: int, record_every: int, check_every: int,
                  bound: float):
    """``(init, advance)`` for one chunk of lanes.

    ``init(keys, hps) -> carry`` builds the lanes and scores them at step 0; ``advance(keys,
    hps, carry, t0, block) -> carry`` runs steps ``t0+1 .. t0+block`` (those past ``steps``
    are skipped) in ONE scan holding the only copy of the update (compile time is what a
    small ensemble waits for); checks and records are ``lax.cond`` on the (unbatched) step
    counter, which is absolute, so that a run cut into blocks takes the same steps, checks and
    records as one scan over all steps. Every leaf of the carry has the lanes first.
    """

    def init_lane(key, hp):
        game, u, z = ens.make(key, hp)
        return z, u.init(game, z)

    def step(key, hp, z, s):
        game, u, _ = ens.make(key, hp)      # the unused initial draws are dead code
        return u.step(game, z, s)

    def lane_check(z, s):
        f1, b1 = _tree_ok(z, bound)
        f2, _ = _tree_ok(s, jnp.inf)
        return jnp.where(f1 & f2, jnp.where(b1, RUNNING, DIVERGED), NON_FINITE).astype(jnp.int32)

    vstep = jax.vmap(step)
    vcheck = jax.vmap(lane_check)
    vmetrics = jax.vmap(lambda z, k: ens.metrics(z, k))
    n_rec = 1 + -(-steps // record_every) if steps else 1

    def measure(keys, z, status):
        mkeys = jax.vmap(lambda k: jax.random.fold_in(k, 0x5EED))(keys)
        m = vmetrics(z, mkeys)
        return {k: jnp.where(status == RUNNING, v, jnp.nan).astype(jnp.float32)
                for k, v in m.items()}

    def init(keys, hps):
        z, s = jax.vmap(init_lane)(keys, hps)
        status = vcheck(z, s)
        stop = jnp.where(status != RUNNING, 0, -1).astype(jnp.int32)
        m0 = measure(keys, z, status)
        hist = {k: jnp.full(v.shape + (n_rec,), jnp.nan, jnp.float32).at[:, 0].set(v)
                for k, v in m0.items()}
        shist = jnp.full(status.shape + (n_rec,), RUNNING, jnp.int32).at[:, 0].set(status)
        return (z, s, z, s, status, stop, hist, shist)

    def advance(keys, hps, carry, t0, block):
        def body(carry, t):
            z, s, zc, sc, status, stop, hist, shist = carry
            z, s = vstep(keys, hps, z, s)

            def check(args):
                z, s, zc, sc, status, stop = args
                code = vcheck(z, s)
                active = status == RUNNING
                accept = active & (code == RUNNING)
                event = active & (code != RUNNING)
                z, s = _select(accept, z, zc), _select(accept, s, sc)
                return (z, s, z, s, jnp.where(event, code, status), jnp.where(event, t, stop))

            # a record is also a check, so that no lane is scored with parameters that failed
            # since the last check; a running lane's parameters are untouched by a check
            recording = (t % record_every == 0) | (t == steps)
            args = (z, s, zc, sc, status, stop)
            z, s, zc, sc, status, stop = jax.lax.cond(
                (t % check_every == 0) | recording, check, lambda a: a, args)

            def record(hs):
                h, sh = hs
                i = -(-t // record_every)
                m = measure(keys, z, status)
                return {k: h[k].at[:, i].set(m[k]) for k in h}, sh.at[:, i].set(status)

            hist, shist = jax.lax.cond(recording, record, lambda hs: hs, (hist, shist))
            return (z, s, zc, sc, status, stop, hist, shist)

        def scan_body(carry, t):
            if steps % block == 0:          # every block is full: no step to skip
                return body(carry, t), None
            return jax.lax.cond(t <= steps, body, lambda c, t: c, carry, t), None

        ts = t0 + jnp.arange(1, block + 1, dtype=jnp.int32)
        carry, _ = jax.lax.scan(scan_body, carry, ts)
        return carry

    return init, advance


def _per_device(fn, chunk, n_lanes_args, *args):
    """``fn`` over the lanes of one device, ``chunk`` lanes at a time (``lax.map``); the first
    ``n_lanes_args`` arguments have the lanes first, the others are passed whole."""
    lanes, rest = args[:n_lanes_args], args[n_lanes_args:]
    n = jax.tree_util.tree_leaves(lanes[0])[0].shape[0]
    if n == chunk:
        return fn(*lanes, *rest)
    shape = (n // chunk, chunk)
    out = jax.lax.map(lambda a: fn(*a, *rest), jax.tree_util.tree_map(
        lambda x: x.reshape(shape + x.shape[1:]), lanes))
    return jax.tree_util.tree_map(lambda x: x.reshape((n,) + x.shape[2:]), out)


def _sharded(fn, mesh, n_lanes_args, n_whole_args):
    if mesh.devices.size == 1:
        return fn
    spec = P("batch")
    return jax.shard_map(fn, mesh=mesh, in_specs=(spec,) * n_lanes_args + (P(),) * n_whole_args,
                         out_specs=spec, check_vma=False)


@functools.partial(jax.jit, static_argnames=("ens", "steps", "record_every", "bound", "chunk",
                                             "mesh"))
def _init_jit(keys, hps, *, ens, steps, record_every, bound, chunk, mesh):
    init, _ = _lane_program(ens, steps, record_every, 1, bound)
    fn = functools.partial(_per_device, init, chunk, 2)
    return _sharded(fn, mesh, 2, 0)(keys, hps)


@functools.partial(jax.jit, static_argnames=("ens", "steps", "record_every", "check_every",
                                             "bound", "chunk", "mesh", "block"))
def _block_jit(keys, hps, carry, t0, *, ens, steps, record_every, check_every, bound, chunk,
               mesh, block):
    _, advance = _lane_program(ens, steps, record_every, check_every, bound)
    fn = functools.partial(_per_device, lambda k, h, c, t: advance(k, h, c, t, block), chunk, 3)
    return _sharded(fn, mesh, 3, 1)(keys, hps, carry, t0)


def record_steps(steps: int, record_every: int | None = None) -> np.ndarray:
    """The steps at which ``run_ensemble`` records metrics: 0, every ``record_every``, the end."""
    k = steps if not record_every else int(record_every)
    return np.asarray(sorted({0, steps, *range(k, steps + 1, k)}) if steps else [0])


class _Run(NamedTuple):
    """What one run needs besides its carry (the lanes padded to the devices and chunks)."""

    lanes: int
    seeds: np.ndarray
    hps: dict
    rec_steps: np.ndarray


def _result(run: _Run, carry, step: int, keep_final: bool) -> EnsembleResult:
    """The ``EnsembleResult`` of ``carry`` after ``step`` steps: the records taken so far."""
    z, _, _, _, status, stop, hist, shist = carry
    n = int(np.sum(run.rec_steps <= step))

    def cut(x):
        return np.asarray(x)[:run.lanes]

    return EnsembleResult(cut(status), cut(stop), run.rec_steps[:n],
                          {k: cut(v)[:, :n] for k, v in hist.items()},
                          {k: np.asarray(v) for k, v in run.hps.items()}, run.seeds,
                          jax.tree_util.tree_map(cut, z) if keep_final else None,
                          cut(shist)[:, :n])


def _ensemble_blocks(ens: Ensemble, seeds, hps: Mapping[str, Any], steps: int,
                     record_every: int | None = None, *, check_every: int = CHECK_EVERY,
                     bound: float = 1e6, devices=None, chunk: int | None = None,
                     block: int | None = None):
    """``run_ensemble`` as a generator: ``(run, step, carry)`` after each block of ``block``
    steps (one compiled block, reused), or once at step 0 when ``steps`` is 0."""
    seeds = np.asarray(seeds)
    if seeds.ndim != 1 or seeds.size == 0 or not np.issubdtype(seeds.dtype, np.integer):
        raise ValueError("seeds must be a non-empty 1-D array of integers")
    lanes = seeds.size
    hps = {k: np.broadcast_to(np.asarray(v, np.float32), (lanes,)) for k, v in hps.items()}
    for k, v in hps.items():
        if not np.all(np.isfinite(v)):
            raise ValueError(f"hyperparameter {k!r} must be finite")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    steps = int(steps)
    k = steps if not record_every else int(record_every)
    if k < 1 and steps:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    if check_every < 1:
        raise ValueError(f"check_every must be a positive integer, got {check_every!r}")
    if block is None:
        block = default_block(steps)
    if not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be a positive integer, got {block!r}")
    block = min(int(block), max(steps, 1))
    mesh = default_mesh(devices)
    n_dev = mesh.devices.size
    per_dev = -(-lanes // n_dev)
    chunk = per_dev if chunk is None else min(int(chunk), per_dev)
    per_dev = -(-per_dev // chunk) * chunk
    padded = per_dev * n_dev

    def pad(x):
        return np.concatenate([x, np.repeat(x[:1], padded - lanes, axis=0)]) if padded > lanes \
            else x

    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(pad(seeds).astype(np.uint32)))
    hp_arr = {n: jnp.asarray(pad(v)) for n, v in hps.items()}
    run = _Run(lanes, seeds, hps, record_steps(steps, record_every))
    static = dict(ens=ens, steps=steps, record_every=max(k, 1), bound=float(bound),
                  chunk=int(chunk), mesh=mesh)
    carry = _init_jit(keys, hp_arr, **static)
    if not steps:
        yield run, 0, carry
        return
    for t0 in range(0, steps, block):
        carry = _block_jit(keys, hp_arr, carry, jnp.int32(t0), check_every=int(check_every),
                           block=block, **static)
        yield run, min(t0 + block, steps), carry


def default_block(steps: int) -> int:
    """Steps per block when none is given: about ``BLOCKS`` blocks per run."""
    return max(1, -(-int(steps) // _defaults.BLOCKS))


def run_ensemble(ens: Ensemble, seeds, hps: Mapping[str, Any], steps: int,
                 record_every: int | None = None, *, check_every: int = CHECK_EVERY,
                 bound: float = 1e6, devices=None, chunk: int | None = None,
                 keep_final: bool = False, block: int | None = None,
                 progress: Callable[[int, int], Any] | None = None) -> EnsembleResult:
    """Train one GAN per lane: lane i from ``seeds[i]`` with hyperparameters ``hps[name][i]``.

    Args:
      ens: the static family (``Ensemble``); equal ensembles share one compilation.
      seeds: ``(lanes,)`` integers (initialisation and minibatch stream of each lane).
      hps: ``{name: (lanes,) floats}`` handed to ``ens.make`` (traced: other values, same
        program).
      steps: training steps (map steps of the update rule) per lane.
      record_every: metrics every k steps (and at 0 and at ``steps``); ``None``: at 0 and the end.
      check_every: steps between status checks (a failed lane is frozen at the previous check);
        every record is a check too.
      bound: ``diverged`` when ``max |param| > bound``.
      devices: devices to split the lanes over (default ``jax.devices()``).
      chunk: lanes per ``lax.map`` iteration on a device (default: all the device's lanes).
      keep_final: also return the final parameters (off by default: memory).
      block: steps per compiled block (default ``default_block(steps)``, about 100 blocks);
        the host loops over blocks, so that ``progress(step, steps)`` is called after each.
        The result does not depend on it (the step counter, checks and records are absolute).
    """
    last = None
    for run, step, carry in _ensemble_blocks(ens, seeds, hps, steps, record_every,
                                             check_every=check_every, bound=bound,
                                             devices=devices, chunk=chunk, block=block):
        last = (run, step, carry)
        if progress is not None:  # the step reported is the step reached; unwatched, the
            jax.block_until_ready(carry)  # next block is queued behind this one instead
            progress(step, int(steps))
    run, step, carry = last
    return _result(run, carry, step, keep_final)


# -- the named GANs ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Named:
    """``Ensemble.make`` of a ``Config`` (hashable, so equal configs share a compilation)."""

    cfg: Config

    def __call__(self, key, hp):
        cfg = self.cfg
        k_net, k_mb, k_reg = jax.random.split(key, 3)
        (g_apply, g0), (d_apply, d0) = cfg.players(k_net)
        dim = DATASETS[cfg.data]["dim"]
        data = _Sampler(cfg.data, cfg.batch)
        lat = _Sampler("latent", cfg.batch, cfg.zdim)
        regs = ()
        gamma = hp["gamma"]
        if cfg.recipe.reg == "ratio-clip":
            return self._ratio_clip(g_apply, g0, d_apply, d0, data, lat, k_mb, k_reg, hp)
        if cfg.recipe.reg == "clip":
            regs = (Clip(gamma),)
        elif cfg.recipe.reg == "wgan-gp":
            regs = (WGANGP(gamma),)
        elif cfg.recipe.reg == "dragan":
            x = data(jax.random.fold_in(k_reg, 1))
            u = jax.random.uniform(k_reg, (cfg.batch,) + x.shape[1:], jnp.float32)
            regs = (DRAGAN(gamma, 1.0, 0.5 * jnp.std(x) * u),)
        triple = (lsgan_triple(*cfg.lsgan_targets) if cfg.loss == "lsgan"
                  else cfg.recipe.triple())
        game = sampled_game(*triple, G=(g_apply, g0), D=(d_apply, d0),
                            data=data(k_mb), latents=lat(k_mb), regs=regs,
                            name=cfg.loss)
        if cfg.recipe.spectral_norm:
            game = game.replace(projection=_PowerIterate(d_apply.apply if dim == 1 else d_apply,
                                                         dim, game.projection))
        inner = cfg.inner_updater(hp["lr"], hp["lr_disc"])
        n_disc = cfg.critic_steps if cfg.alternating_schedule() else None
        u = minibatch(inner, {"data": data, "latents": lat}, k_mb, n_disc=n_disc,
                      fold_state=False)
        z0 = game.project(State(g0, d0))
        return game, u, z0

    def _ratio_clip(self, g_apply, g0, d_apply, d0, data, lat, k_mb, k_reg, hp):
        """Wu et al.'s method: the re-weighted WGAN-GP critic game and its own rule (Adam
        with the loss's betas, ε = 0.2, n_disc critic steps and 5 surrogate steps per round on
        one fresh bank), the classifier an MLP like the critic."""
        from gandyn.games.ratio_clip import ratio_clip_game
        from gandyn.updaters.ratio_clip import ratio_clip

        cfg = self.cfg
        _, (c_apply, c0) = cfg.players(k_reg)
        game = ratio_clip_game((g_apply, g0), (d_apply, d0), data(k_mb), lat(k_mb),
                               lam=hp["gamma"], name=cfg.loss)
        rule = ratio_clip(hp["lr"], hp["lr_disc"], G=g_apply, D=d_apply, C=(c_apply, c0),
                          eps=0.2, n_disc=cfg.critic_steps, tx=_scale_by_adam(*cfg.recipe.betas))
        u = minibatch(rule, {"data": data, "latents": lat}, k_mb, fold_state=False)
        return game, u, State(g0, d0)


@dataclasses.dataclass(frozen=True)
class _NamedMetrics:
    cfg: Config

    def __call__(self, z, key):
        (g_apply, _), _ = _players_shapes(self.cfg)
        zs = jax.random.normal(key, (self.cfg.n_eval, self.cfg.zdim), jnp.float32)
        x = g_apply(z.gen, zs)
        return _data_metrics(self.cfg.data, x)


@functools.lru_cache(maxsize=None)
def _players_shapes(cfg: Config):
    return cfg.players(jax.random.PRNGKey(0))


def ensemble(cfg: Config) -> Ensemble:
    """The ``Ensemble`` of a named configuration."""
    return Ensemble(_Named(cfg.validate()), _NamedMetrics(cfg))


def _grid(seeds: int, values: Mapping[str, Sequence[float]]):
    """Every combination of the hyperparameter values, ``seeds`` lanes each."""
    names = list(values)
    combos = list(np.array(np.meshgrid(*[np.asarray(values[n], float) for n in names],
                                       indexing="ij")).reshape(len(names), -1).T)
    hp = {n: np.repeat([c[i] for c in combos], seeds) for i, n in enumerate(names)}
    seed = np.tile(np.arange(seeds), len(combos))
    return hp, seed


def _prepare(loss, data, updater, seeds, lr, lr_disc, gamma, n_disc, seed0, kw):
    """``(cfg, lane seeds, hps, run_ensemble keywords)`` of a ``train`` call."""
    cfg_fields = {f.name for f in dataclasses.fields(Config)}
    cfg = Config(loss=loss, data=data, updater=updater, n_disc=n_disc,
                 **{k: v for k, v in kw.items() if k in cfg_fields}).validate()
    run_kw = {k: v for k, v in kw.items() if k not in cfg_fields}
    if not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    rec = cfg.recipe
    # one default rate for every loss and rule, never silently another (train_defaults.LR)
    lr = _defaults.LR if lr is None else lr
    vals = {"lr": np.atleast_1d(np.asarray(lr, float)),
            "lr_disc": None if lr_disc is None else np.atleast_1d(np.asarray(lr_disc, float)),
            "gamma": np.atleast_1d(np.asarray(rec.gamma if gamma is None else gamma, float))}
    for k, v in vals.items():
        if v is not None and (v.size == 0 or not np.all(np.isfinite(v)) or np.any(v < 0)):
            raise ValueError(f"{k} must be finite and >= 0")
    if vals["lr_disc"] is None:
        hp, seed = _grid(int(seeds), {"lr": vals["lr"], "gamma": vals["gamma"]})
        hp["lr_disc"] = hp["lr"]
    else:
        hp, seed = _grid(int(seeds), vals)
    run_kw.setdefault("chunk", _cpu_chunk(cfg, run_kw.get("devices")))
    return cfg, seed + int(seed0), hp, run_kw


def train(loss: str = _defaults.LOSS, data: str = _defaults.DATA, *,
          updater: str = _defaults.UPDATER, seeds: int = _defaults.SEEDS,
          steps: int = _defaults.STEPS, record_every: int | None = None, lr=None, lr_disc=None,
          gamma=None, n_disc: int | None = None, seed0: int = 0, **kw) -> TrainResult:
    """Train ``seeds`` GANs per configuration at once; returns a ``TrainResult``.

    ``lr``, ``lr_disc`` and ``gamma`` are a number or a list of values: every combination is a
    configuration of ``seeds`` lanes (one program for all). ``lr=None`` is
    ``train_defaults.LR`` (1e-3) whatever the loss and update rule (the losses' papers used
    other rates, ``LOSS_RECIPES``: pass them explicitly); ``lr_disc=None`` is ``lr``;
    ``gamma=None`` is the loss's. ``kw``: ``Config`` fields (``width``, ``depth``, ``batch``,
    ``zdim``, ``n_eval``, ``lsgan_targets``) and ``run_ensemble`` options (``check_every``,
    ``bound``, ``devices``, ``chunk``, ``keep_final``, ``block``, ``progress``: called as
    ``progress(step, steps)`` after each block of steps).
    """
    cfg, seed, hp, run_kw = _prepare(loss, data, updater, seeds, lr, lr_disc, gamma, n_disc,
                                     seed0, kw)
    res = run_ensemble(ensemble(cfg), seed, hp, steps, record_every, **run_kw)
    return TrainResult(cfg, res)


class TrainProgress:
    """What ``train_iter`` yields after each block: ``step`` (steps done), ``steps`` (in all)
    and ``result``, the ``TrainResult`` so far (built on first access: statuses now, the
    records taken up to ``step``, and ``result.result.final``, the parameters at ``step``)."""

    def __init__(self, cfg: Config, run: _Run, step: int, carry):
        self.step, self.steps = int(step), int(run.rec_steps[-1])
        self._args = (cfg, run, carry)

    @functools.cached_property
    def result(self) -> TrainResult:
        cfg, run, carry = self._args
        return TrainResult(cfg, _result(run, carry, self.step, True))

    def __repr__(self) -> str:
        return f"TrainProgress(step={self.step}, steps={self.steps})"


def train_iter(loss: str = _defaults.LOSS, data: str = _defaults.DATA, *, seeds: int = 8,
               steps: int = 1000, block: int = 50, updater: str = _defaults.UPDATER,
               record_every: int | None = None, lr=None, lr_disc=None, gamma=None,
               n_disc: int | None = None, seed0: int = 0, **kw):
    """``train`` one block of ``block`` steps at a time: a generator of ``TrainProgress``
    (``.step``, ``.steps``, ``.result``) after each block (once, at step 0, when ``steps`` is
    0). The same keywords as ``train``; the same compiled block serves every block, and the
    last ``.result`` equals ``train(...)``'s with ``keep_final=True``. Nothing runs before the
    first ``next``; a consumer that stops early stops the training."""
    kw.pop("keep_final", None)              # the parameters are always at hand here
    if "progress" in kw:
        raise TypeError("train_iter takes no progress callback: it yields after every block")
    cfg, seed, hp, run_kw = _prepare(loss, data, updater, seeds, lr, lr_disc, gamma, n_disc,
                                     seed0, kw)
    for run, step, carry in _ensemble_blocks(ensemble(cfg), seed, hp, steps, record_every,
                                             block=block, **run_kw):
        jax.block_until_ready(carry)  # the step a caller reads is the step reached
        yield TrainProgress(cfg, run, step, carry)


def samples(result: TrainResult, n: int = 512, *, seed: int = 0) -> np.ndarray:
    """``(lanes, n, data_dim)`` samples of every trained generator (``result`` from ``train``
    with ``keep_final=True`` or from ``train_iter``): the same ``n`` latents, drawn from
    ``seed``, through each lane's final generator. A lane that failed gives its parameters at
    its last good check (a non-finite lane's samples may be NaN)."""
    if result.result.final is None:
        raise ValueError("samples needs the final parameters: train(..., keep_final=True) or "
                         "train_iter(...)")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    cfg = result.config
    return np.asarray(_samples_jit(result.result.final.gen, int(n), int(seed), cfg))


@functools.partial(jax.jit, static_argnames=("n", "seed", "cfg"))
def _samples_jit(gen, n, seed, cfg):
    (g_apply, _), _ = _players_shapes(cfg)
    zs = jax.random.normal(jax.random.PRNGKey(seed), (n, cfg.zdim), jnp.float32)
    # a few lanes at a time: all lanes' activations at once can exceed the memory
    x = jax.lax.map(lambda th: g_apply(th, zs), gen, batch_size=16)
    return x.reshape(x.shape[:2] + (-1,))


def _cpu_chunk(cfg: Config, devices=None) -> int | None:
    """Lanes per ``lax.map`` iteration: on a CPU, few enough that one chunk's activations
    (batch × width floats per layer) stay in cache; measured 1.6–1.7× faster than all lanes at
    once for 1024 GANs 2×64, batch 256 (``benchmarks/train_gandyn.py``). Elsewhere: all lanes."""
    devs = jax.devices() if devices is None else list(devices)
    if any(d.platform != "cpu" for d in devs):
        return None
    return max(1, (1 << 18) // (4 * cfg.batch * max(cfg.width, 1)))


# -- tables -----------------------------------------------------------------------------------
def _stats(v):
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0, "mean": None, "sd": None, "q10": None, "median": None, "q90": None,
                "min": None, "max": None}
    q = np.quantile(v, [0.1, 0.5, 0.9])
    return {"n": int(v.size), "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0, "q10": float(q[0]),
            "median": float(q[1]), "q90": float(q[2]), "min": float(v.min()),
            "max": float(v.max())}


def _configs(res: EnsembleResult, label: Mapping | None):
    """``(row, lanes)`` per configuration (distinct hyperparameters, in lane order): the label
    and the hyperparameters, and the boolean mask of its lanes."""
    names = sorted(res.hp)
    keys = np.stack([res.hp[n] for n in names], 1) if names else np.zeros((res.seed.size, 0))
    _, first = np.unique(keys, axis=0, return_index=True)
    for i in sorted(first):
        sel = np.all(keys == keys[i], axis=1)
        row = dict(label or {})
        row.update({n: float(res.hp[n][i]) for n in names})
        row["seeds"] = int(sel.sum())
        yield row, sel


def summarize(res: EnsembleResult, label: Mapping | None = None) -> list:
    """One row per configuration (distinct hyperparameters): statuses and, for each metric, the
    distribution over its seeds of the final value (running lanes only: a failed lane has no
    final value; its status is counted)."""
    rows = []
    for row, sel in _configs(res, label):
        st = np.bincount(res.status[sel], minlength=len(NAMES))
        row["status"] = {NAMES[c]: int(st[c]) for c in (RUNNING, DIVERGED, NON_FINITE)}
        row["final"] = {m: _stats(v[sel, -1]) for m, v in res.metrics.items()}
        rows.append(row)
    return rows


def summarize_curves(res: EnsembleResult, label: Mapping | None = None) -> list:
    """One curve per configuration (the rows of ``summarize``, same order): ``steps``, ``live``
    (how many of its lanes are running at each record) and, per metric, ``mean`` over those
    live lanes (NaN where none is). Configurations are never pooled: a mean over several rates
    whose lanes die at different times would average a different set at every record."""
    alive = (res.record_status == RUNNING if res.record_status is not None else
             np.all([np.isfinite(v) for v in res.metrics.values()], axis=0))
    curves = []
    for row, sel in _configs(res, label):
        live = alive[sel]
        n = live.sum(0)
        row["steps"] = [int(t) for t in res.steps]
        row["live"] = [int(k) for k in n]
        with np.errstate(invalid="ignore", divide="ignore"):
            # a live lane's metric is finite (its parameters are): no NaN is skipped here
            # (0/0 = NaN where no lane is live)
            row["mean"] = {m: np.where(live, np.asarray(v[sel], float), 0.0).sum(0) / n
                           for m, v in res.metrics.items()}
        curves.append(row)
    return curves


class TrainResult(NamedTuple):
    """A named configuration and its ``EnsembleResult``."""

    config: Config
    result: EnsembleResult

    def table(self) -> list:
        c = self.config
        return summarize(self.result, {"loss": c.loss, "data": c.data, "updater": c.updater,
                                       "n_disc": c.critic_steps})

    def curves(self, metric: str):
        """``(steps, (lanes, n_rec))`` of one metric."""
        return self.result.steps, self.result.metrics[metric]

    def curves_by_config(self) -> list:
        """``summarize_curves``: per configuration, live lanes and mean metrics per record."""
        c = self.config
        return summarize_curves(self.result, {"loss": c.loss, "data": c.data,
                                              "updater": c.updater, "n_disc": c.critic_steps})


# -- the simplest sampled demo: G(z) = μ + σ z against a small critic -------------------------
def location_scale_generator(theta, zs):
    """``G_θ(z) = θ_0 + θ_1 z`` on latents ``(M, 1)``: a batch ``(M,)`` on the line."""
    return theta[0] + theta[1] * zs[:, 0]


def linear_critic(psi, xs):
    """``D_ψ(x) = ψ_0 x``: sees only the mean."""
    return psi[0] * xs


def quadratic_critic(psi, xs):
    """``D_ψ(x) = ψ_0 x + ψ_1 x²``: sees the first two moments."""
    return psi[0] * xs + psi[1] * xs * xs


@dataclasses.dataclass(frozen=True)
class _Normal:
    """``key -> N(mu, sigma²)`` bank of ``n`` points (latents: ``(n, 1)`` standard normals)."""

    n: int
    mu: float = 0.0
    sigma: float = 1.0
    column: bool = False

    def __call__(self, key):
        shape = (self.n, 1) if self.column else (self.n,)
        return self.mu + self.sigma * jax.random.normal(key, shape, jnp.float32)


@dataclasses.dataclass(frozen=True)
class _LocScaleMake:
    mu: float
    sigma: float
    critic: str
    batch: int

    def __call__(self, key, hp):
        from gandyn.games.sampled_regs import R1

        k0, k1, k2 = jax.random.split(key, 3)
        theta0 = jnp.stack([jax.random.uniform(k0, (), jnp.float32, -1.0, 1.0),
                            jax.random.uniform(k1, (), jnp.float32, 0.5, 1.5)])
        crit = quadratic_critic if self.critic == "quadratic" else linear_critic
        psi0 = jnp.zeros(2 if self.critic == "quadratic" else 1, jnp.float32)
        data, lat = _Normal(self.batch, self.mu, self.sigma), _Normal(self.batch, column=True)
        game = sampled_game(G=(location_scale_generator, theta0), D=(crit, psi0),
                            data=data(k2), latents=lat(k2), regs=(R1(hp["gamma"]),),
                            loss="wgan")
        u = minibatch(simultaneous(hp["lr"]), {"data": data, "latents": lat}, k2, n_disc=1,
                      fold_state=False)
        return game, u, State(theta0, psi0)


def _loc_scale_metrics(z, key):
    return {"mu": z.gen[0], "sigma": jnp.abs(z.gen[1])}


def location_scale(mu: float = 1.0, sigma: float = 0.5, *, critic: str = "quadratic",
                   batch: int = 256) -> Ensemble:
    """The 1-D demo: ``G(z) = μ + σ z`` (z ~ N(0, 1)) against a WGAN critic with the R1 penalty
    ``γ/2 E_data |D'(x)|²``, data ``N(mu, sigma²)``, alternating minibatch gradient steps
    (``hp``: ``lr``, ``gamma``); metrics ``mu``, ``sigma`` (= |θ_1|).

    Theory (``docs/sampled_gans.md``). Quadratic critic ``D = ψ_0 x + ψ_1 x²``: the critic's
    field is ``(m_1 - μ_1, m_2 - μ_2) - γ M ψ`` with ``m_k, μ_k`` the data's and the generator's
    moments and ``M = E_data[(1, 2x)(1, 2x)ᵀ]`` positive definite; the rest point is ψ = 0,
    ``(μ, |σ|) = (mu, sigma)``, and the Jacobian there is ``[[0, B], [-Bᵀ, -γM]]`` with
    ``B = [[1, 2 mu], [0, 2 sigma]]`` nonsingular for sigma ≠ 0: every eigenvalue has a negative
    real part, so small steps converge (locally; the minibatch noise leaves a spread of order
    sqrt(lr/batch)). Linear critic ``D = ψ x``: it sees the mean only, μ → mu and σ does not
    converge (its population field ``ψ E[z]`` is zero; only the batch mean of z moves it, a
    small random walk).
    """
    if critic not in ("quadratic", "linear"):
        raise ValueError(f"critic must be 'quadratic' or 'linear', got {critic!r}")
    return Ensemble(_LocScaleMake(float(mu), float(sigma), critic, int(batch)),
                    _loc_scale_metrics)
