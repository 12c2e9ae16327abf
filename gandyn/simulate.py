"""The trajectory engine: a batch of games played for ``steps`` updates in ONE jitted program.

    result = simulate(game, updater, init_batch, steps, record_every=k)

Each trajectory follows ``(z, s) <- updater.step(game, z, s)`` from its own initial state.
The program is laid out for throughput (``benchmarks/RESULTS.md`` has the measurements):

* the batch (padded to ``n_devices * chunk``) is reshaped to ``(n_chunks, chunk)`` and split
  across devices with ``jax.shard_map`` over a one-axis ``Mesh`` (all local devices by
  default: several GPUs, TPU cores, or forced CPU host devices, one per core);
* on each device ``lax.map`` walks the chunks; for each chunk the *time* loop runs inside
  (``lax.scan``, ``unroll`` steps fused into one elementwise kernel). On the CPU a chunk of a
  few thousand trajectories stays in L1/L2 for all its steps instead of streaming the whole
  batch through memory every step (cache blocking); on a GPU one chunk of up to 2**23
  trajectories fills the chip and 8 fused steps per kernel amortise the launches and the
  memory traffic (``layout_defaults``);
* with ``record_every=k`` an outer scan keeps every k-th state (memory
  ``O(batch * steps / k)``); with ``record_every=None`` nothing is kept and memory does not
  depend on ``steps``; there is no host round-trip inside the loop.

Statuses (``STATUSES``; integer codes so that they live in arrays). After every step the
new state ``z'`` of a running trajectory (with its new updater state ``s'``) is checked, in
this order of precedence:

    non-finite   some coordinate of z', or some floating leaf of s' (Adam's moments, momenta,
                 past gradients), is NaN or ±inf
    left domain  ``game.in_domain(z')`` is false
    diverged     ``max_i |z'_i| > bound``
    converged    ``‖z' - z*‖_2 <= tol`` (z* = ``game.equilibrium``; skipped when unknown)
    running      none of the above (also: the final status of an unfinished trajectory)

A trajectory that fails (non-finite, left domain, diverged) is frozen at its *last valid*
state ``z`` (the state after ``stop_step - 1`` updates); a converged one is frozen at the
first state within ``tol`` (after ``stop_step`` updates). Frozen trajectories never
propagate NaN: their lanes are masked with ``jnp.where``. The initial states are checked
too (``stop_step = 0``). ``stop_step`` is ``-1`` for trajectories still running.
The statuses are exact (those of a check after every update) for every ``check_every``: the
fast path ORs a per-update check into a per-lane flag and replays only the blocks with an event
(``exact_statuses=False`` restores block-end checks; ``benchmarks/status_cost.py`` measures both).

Scale-out. ``devices`` defaults to ``jax.devices()``. Every trajectory runs the same
elementwise program, so results agree with one device to rounding; they are NOT guaranteed
bitwise identical: XLA compiles the per-device program differently for different device
counts, and fields with a reduction over a feature axis (a Dirac-GAN with ``dim=2``) were
measured to differ in the last bits between 1 and 4 CPU devices, even at one chunk size
(scalar pointwise and 1-d Dirac games agreed bitwise in the tests).
On the CPU one device uses one core for this loop; to use all of them set
``XLA_FLAGS=--xla_force_host_platform_device_count=N`` *before* jax is imported (the
``gandyn bench`` command does this itself, see ``gandyn.commands.bench``). Across hosts call
``jax.distributed.initialize()`` in every process first and pass the same ``init_batch``
everywhere (e.g. generated from one seed): ``jax.devices()`` is then the global device list,
each process feeds and computes its shards, and the returned arrays are global (gather them
with ``jax.experimental.multihost_utils.process_allgather``, which on CPUs needs
``jax.config.update("jax_cpu_collectives_implementation", "gloo")``). Two processes over
loopback agree bitwise with one (``tests/test_multihost.py``).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh
from jax.sharding import PartitionSpec as P

from gandyn.games.base import Game, State, as_state
from gandyn.results import LABELS, TRAJECTORY
from gandyn.util import is_float

__all__ = [
    "CONVERGED",
    "DIVERGED",
    "LEFT_DOMAIN",
    "NON_FINITE",
    "RUNNING",
    "STATUSES",
    "Result",
    "cast_floats",
    "convergence_rate",
    "default_chunk",
    "default_mesh",
    "layout_defaults",
    "lower",
    "simulate",
    "status_counts",
    "status_name",
]

STATUSES = LABELS[: len(TRAJECTORY)]
RUNNING, CONVERGED, DIVERGED, LEFT_DOMAIN, NON_FINITE = (int(c) for c in TRAJECTORY)

# Layout defaults per platform, chosen by measurement (benchmarks/RESULTS.md): CPU keeps chunks
# cache-sized and unrolls nothing (XLA CPU splits unrolled bodies); accelerators take one big
# capped chunk, 8 fused updates per kernel and a check every 64.
DEFAULT_CHUNK = 8192
DEFAULT_UNROLL = 1
DEFAULT_CHECK_EVERY = 64
ACCEL_CHUNK = 1 << 23
ACCEL_UNROLL = 8
ACCEL_CHECK_EVERY = 64


def default_chunk(batch: int, n_devices: int, cap: int) -> int:
    """Trajectories per chunk: the per-device batch in the fewest equal chunks of at most
    ``cap``, rounded up to a multiple of 8. Padding stays under 8 lanes a chunk (a plain cap
    would pad 10⁷ lanes on one GPU to 2 × 2²³)."""
    def ceil_div(a, b):
        return -(-a // b)

    per_dev = ceil_div(batch, n_devices)
    chunk = ceil_div(per_dev, ceil_div(per_dev, cap))
    return ceil_div(chunk, 8) * 8


def layout_defaults(platform: str) -> dict:
    """``{"chunk": cap, "unroll": u, "check_every": k}`` used by ``simulate`` on ``platform``."""
    if platform == "cpu":
        return {"chunk": DEFAULT_CHUNK, "unroll": DEFAULT_UNROLL,
                "check_every": DEFAULT_CHECK_EVERY}
    return {"chunk": ACCEL_CHUNK, "unroll": ACCEL_UNROLL, "check_every": ACCEL_CHECK_EVERY}


class Result(NamedTuple):
    """What ``simulate`` returns (a pytree; batch axis first everywhere).

    Attributes:
      final: ``State`` of the last (valid) states, leaves ``(batch, ...)``.
      ustate: the updater states at the end, leaves ``(batch, ...)``.
      status: ``(batch,)`` int32 codes into ``STATUSES``.
      stop_step: ``(batch,)`` int32, the update at which the status was set (0: the initial
        state; -1: still running).
      history: ``State`` with leaves ``(batch, n_rec, ...)``: the states after the updates in
        ``history_steps`` (the initial state first); ``None`` when not recording.
      history_steps: ``(n_rec,)`` int32, ``[0, k, 2k, ...]``; ``None`` when not recording.
      distance: ``(batch, n_rec)`` ``‖z - z*‖_2`` at the recorded steps (``None`` when not
        recording or when the game has no equilibrium).
      final_distance: ``(batch,)`` ``‖z_final - z*‖_2`` (``None`` without equilibrium).
      steps: the number of updates asked for.
    """

    final: State
    ustate: Any
    status: jax.Array
    stop_step: jax.Array
    history: State | None
    history_steps: jax.Array | None
    distance: jax.Array | None
    final_distance: jax.Array | None
    steps: int


def status_name(code) -> str:
    return STATUSES[int(code)]


def status_counts(result: Result) -> dict:
    """``{name: count}`` over the batch."""
    counts = np.bincount(np.asarray(result.status), minlength=len(STATUSES))
    return {name: int(c) for name, c in zip(STATUSES, counts)}


# --------------------------------------------------------------------------- helpers


def cast_floats(tree, dtype):
    """Cast every floating leaf (python floats included) of a pytree to ``dtype``.

    Applied to the state, the game (params, equilibrium) and the updater (rates) so that a
    float32 simulation contains no float64 operation (``import gandyn`` enables x64, where a
    python float would otherwise become a float64 array).
    """
    return jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, dtype) if is_float(x) else x, tree)


def default_mesh(devices=None) -> Mesh:
    """A one-axis ``Mesh`` named ``"batch"`` over ``devices`` (default: ``jax.devices()``)."""
    devs = list(jax.devices() if devices is None else devices)
    if not devs:
        raise ValueError("devices must name at least one device")
    return Mesh(np.array(devs), ("batch",))


def _flat_norm(tree):
    leaves = jax.tree_util.tree_leaves(tree)
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves))


def _distance(state, eq):
    return _flat_norm(jax.tree_util.tree_map(jnp.subtract, as_state(state), eq))


def _check(game: Game, z, s, tol, bound, has_eq: bool):
    """Status code of one (unbatched) state ``z`` with updater state ``s``: see the module
    docstring for the precedence. Non-finite looks at every floating leaf of ``z`` AND ``s``
    (an Adam second moment that overflows to inf freezes its player while ``z`` stays finite)."""
    finite = jnp.asarray(True)
    big = jnp.asarray(False)
    for x in jax.tree_util.tree_leaves(z):
        finite = finite & jnp.all(jnp.isfinite(x))
        big = big | jnp.any(jnp.abs(x) > bound)
    for x in jax.tree_util.tree_leaves(s):
        if jnp.issubdtype(jnp.result_type(x), jnp.inexact):
            finite = finite & jnp.all(jnp.isfinite(x))
    inside = game.in_domain(z)
    code = jnp.where(big, DIVERGED, RUNNING)
    if has_eq:
        code = jnp.where(~big & (_distance(z, game.equilibrium) <= tol), CONVERGED, code)
    code = jnp.where(inside, code, LEFT_DOMAIN)
    return jnp.where(finite, code, NON_FINITE).astype(jnp.int32)


def _quiet(game: Game, z, s, tol, bound, has_eq: bool):
    """True where ``_check`` would say running, in fewer operations (the per-update flag of the
    fast path): ``|x| <= bound`` is False for NaN and ±inf too, so one compare per coordinate
    covers "non-finite" and "diverged"; ``|x| < inf`` does the same for the updater state. The
    distance is computed exactly as in ``_check`` (same sums, same square root), so the flag is
    set whenever ``_check`` would report an event."""
    quiet = game.in_domain(z)
    for x in jax.tree_util.tree_leaves(z):
        quiet = quiet & jnp.all(jnp.abs(x) <= bound)
    for x in jax.tree_util.tree_leaves(s):
        if jnp.issubdtype(jnp.result_type(x), jnp.inexact):
            quiet = quiet & jnp.all(jnp.abs(x) < jnp.inf)
    if has_eq:
        quiet = quiet & ~(_distance(z, game.equilibrium) <= tol)
    return quiet


def _select(mask, new, old):
    """Per-trajectory ``where`` over pytrees whose leaves have the batch axis first."""

    def pick(a, b):
        m = mask.reshape(mask.shape + (1,) * (a.ndim - mask.ndim))
        return jnp.where(m, a, b)

    return jax.tree_util.tree_map(pick, new, old)


# --------------------------------------------------------------------------- the program


def _chunk_program(game, updater, tol, bound, *, steps, record_every, check_every, unroll,
                   has_eq, exact=True):
    """``run(z, s, status, stop) -> (carry, history)`` for ONE chunk (leaves ``(chunk, ...)``).

    Time advances in blocks of ``check_every`` updates. A block first runs the *fast path*:
    plain updates of every lane with no selects and no freezing; with ``exact`` each update
    also checks the new state and ORs "not running" into a per-lane event flag (a compare
    per update, fused into the update's kernel), without ``exact`` only the block's last
    state is checked. Lanes that were already stopped are restored from the block's start.
    If some running lane of the chunk has an event flag, the block is replayed from its start
    on the *exact path* (checks and per-lane freezing after every update, ``lax.cond`` on the
    chunk, so only blocks that contain an event pay for it). With ``exact`` the statuses, stop
    steps and frozen states are therefore those of a check after every update
    (``check_every=1``) for any ``check_every``; without it an excursion that begins and ends
    inside one block is missed.
    """
    step1 = jax.vmap(lambda z, s: updater.step(game, z, s))
    check1 = jax.vmap(lambda z, s: _check(game, z, s, tol, bound, has_eq))
    quiet1 = jax.vmap(lambda z, s: _quiet(game, z, s, tol, bound, has_eq))

    def exact_body(carry, _):
        z, s, status, stop, t = carry
        t = t + 1
        z2, s2 = step1(z, s)
        code = check1(z2, s2)
        active = status == RUNNING
        event = active & (code != RUNNING)
        accept = active & ((code == RUNNING) | (code == CONVERGED))
        z = _select(accept, z2, z)
        s = _select(accept, s2, s)
        status = jnp.where(event, code, status)
        stop = jnp.where(event, t, stop)
        return (z, s, status, stop, t), None

    def run_exact(carry, n):
        return jax.lax.scan(exact_body, carry, None, length=n, unroll=max(1, min(unroll, n)))[0]

    def fast_body(zs, _):
        return step1(*zs), None

    def flagged_body(carry, _):
        z, s, flag = carry
        z, s = step1(z, s)
        return (z, s, flag | ~quiet1(z, s)), None

    def block(carry, n):
        z0, s0, status0, stop0, t0 = carry
        active = status0 == RUNNING
        if exact:
            (z, s, flag), _ = jax.lax.scan(flagged_body, (z0, s0, jnp.zeros_like(active)), None,
                                           length=n, unroll=max(1, min(unroll, n)))
        else:
            (z, s), _ = jax.lax.scan(fast_body, (z0, s0), None, length=n,
                                     unroll=max(1, min(unroll, n)))
            flag = check1(z, s) != RUNNING
        event = jnp.any(active & flag)

        def replay(_):
            return run_exact(carry, n)

        def accept(_):
            return (_select(active, z, z0), _select(active, s, s0), status0, stop0, t0 + n)

        return jax.lax.cond(event, replay, accept, None)

    def advance(carry, n):
        if n == 0:
            return carry
        if check_every == 1:  # checks after every update: the exact path alone, no replays
            return run_exact(carry, n)
        q, r = divmod(n, check_every)
        if q:
            carry, _ = jax.lax.scan(lambda c, _: (block(c, check_every), None), carry, None,
                                    length=q)
        if r:
            carry = block(carry, r)
        return carry

    def run(z, s, status, stop):
        carry = (z, s, status, stop, jnp.zeros((), jnp.int32))
        if not record_every:
            return advance(carry, steps), None
        n_rec = steps // record_every

        def record(carry, _):
            carry = advance(carry, record_every)
            return carry, carry[0]

        carry, hist = jax.lax.scan(record, carry, None, length=n_rec)
        carry = advance(carry, steps - n_rec * record_every)
        return carry, hist

    return run


def _run(game, updater, z0, tol, bound, *, steps, record_every, check_every, chunk, unroll,
         mesh, exact=True):
    n_dev = mesh.devices.size
    batch = jax.tree_util.tree_leaves(z0)[0].shape[0]
    per = n_dev * chunk
    padded = -(-batch // per) * per
    has_eq = game.equilibrium is not None

    def pad(x):
        if padded == batch:
            return x
        fill = jnp.broadcast_to(x[:1], (padded - batch,) + x.shape[1:])
        return jnp.concatenate([x, fill])

    def to_chunks(x):
        return x.reshape((padded // chunk, chunk) + x.shape[1:])

    z = jax.tree_util.tree_map(lambda x: to_chunks(pad(x)), z0)
    check1 = jax.vmap(lambda zz, ss: _check(game, zz, ss, tol, bound, has_eq))
    s = jax.vmap(jax.vmap(lambda zz: updater.init(game, zz)))(z)
    status = jax.vmap(check1)(z, s)
    stop = jnp.where(status != RUNNING, 0, -1).astype(jnp.int32)

    def per_device(game, updater, tol, bound, z, s, status, stop, axis=None):
        if axis is not None:
            # Replicated inputs are cast to device-varying so that a field differentiating
            # through them (R1's grad at x = c) gets local cotangents, not a psum over devices;
            # check_vma=False because gmres' while-loop carries fail vma checks (RESULTS.md).
            game, updater, tol, bound = jax.lax.pcast((game, updater, tol, bound), axis,
                                                      to="varying")
        run_chunk = _chunk_program(game, updater, tol, bound, steps=steps,
                                   record_every=record_every, check_every=check_every,
                                   unroll=unroll, has_eq=has_eq, exact=exact)

        def one(args):
            (zc, sc, stc, spc, _), hist = run_chunk(*args)
            return zc, sc, stc, spc, hist

        return jax.lax.map(one, (z, s, status, stop))

    args = (game, updater, tol, bound, z, s, status, stop)
    if n_dev == 1:
        zf, sf, status, stop, hist = per_device(*args)
    else:
        rep, spec = P(), P("batch")
        zf, sf, status, stop, hist = jax.shard_map(
            functools.partial(per_device, axis="batch"), mesh=mesh,
            in_specs=(rep, rep, rep, rep, spec, spec, spec, spec), out_specs=spec,
            check_vma=False)(*args)

    def unchunk(x):
        return x.reshape((padded,) + x.shape[2:])[:batch]

    zf = jax.tree_util.tree_map(unchunk, zf)
    sf = jax.tree_util.tree_map(unchunk, sf)
    status, stop = unchunk(status), unchunk(stop)
    if hist is not None:
        # (n_chunks, n_rec, chunk, ...) -> (batch, n_rec, ...)
        hist = jax.tree_util.tree_map(lambda h: unchunk(jnp.swapaxes(h, 1, 2)), hist)
        first = jax.tree_util.tree_map(lambda x: x[:, None], z0)
        hist = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a, b], axis=1), first, hist)
    return zf, sf, status, stop, hist


_run_jit = jax.jit(_run, static_argnames=("steps", "record_every", "check_every", "chunk",
                                          "unroll", "mesh", "exact"))


def lower(game: Game, updater, init_batch, steps: int, *, tol: float = 1e-6, bound: float = 1e6,
          dtype=jnp.float32, devices=None, check_every: int | None = None,
          chunk: int | None = None, unroll: int | None = None) -> jax.stages.Lowered:
    """The program ``simulate`` runs (without recording), lowered but not run: inspect it with
    ``.compile().memory_analysis()`` or ``.as_text()``. ``init_batch`` leaves may be
    ``jax.ShapeDtypeStruct`` of ``dtype`` (nothing is allocated); layout defaults as in
    ``simulate``."""
    mesh = default_mesh(devices)
    lay = layout_defaults(mesh.devices.flat[0].platform)
    z0 = as_state(init_batch)
    batch = jax.tree_util.tree_leaves(z0)[0].shape[0]
    chunk = default_chunk(batch, mesh.devices.size, lay["chunk"]) if chunk is None else chunk
    return _run_jit.lower(
        cast_floats(game, dtype), cast_floats(updater, dtype), z0, jnp.asarray(tol, dtype),
        jnp.asarray(bound, dtype), steps=int(steps), record_every=0,
        check_every=int(lay["check_every"] if check_every is None else check_every),
        chunk=int(chunk), unroll=int(lay["unroll"] if unroll is None else unroll), mesh=mesh)


def simulate(game: Game, updater, init_batch, steps: int, record_every: int | None = None,
             *, tol: float = 1e-6, bound: float = 1e6, dtype=jnp.float32, devices=None,
             check_every: int | None = None, chunk: int | None = None,
             unroll: int | None = None, exact_statuses: bool = True) -> Result:
    """Play ``steps`` updates of ``updater`` on ``game`` from every state of ``init_batch``.

    Args:
      game: the game (its float params and equilibrium are cast to ``dtype``).
      updater: any ``gandyn.updaters`` updater (its rates are traced: a second call with other
        rates of the same dtype does not recompile).
      init_batch: ``State`` (or ``(gen, disc)``) whose leaves carry the batch axis first, e.g.
        ``State(p_g0, D0)`` with shapes ``(batch,)`` for the pointwise games.
      steps: number of updates (``>= 0``).
      record_every: keep the state every ``k`` updates (plus the initial one) or ``None``/0
        to keep nothing (memory then independent of ``steps``).
      tol: convergence radius ``‖z - z*‖_2 <= tol`` (ignored when ``game.equilibrium`` is
        ``None``; ``0`` never stops a trajectory for converging exactly... unless it lands on z*).
      bound: divergence threshold on ``max_i |z_i|``.
      dtype: floating dtype of the simulation (default float32).
      devices: devices to split the batch over (default ``jax.devices()``).
      chunk: trajectories per cache block (default: the per-device batch split into the fewest
        equal chunks of at most the cap, rounded up to a multiple of 8; cap 8192 on the CPU,
        2**23 on a GPU/TPU, see ``layout_defaults``).
      check_every: updates per block of the fast path (see ``_chunk_program``); ``1`` checks
        and freezes after every update (the exact path alone, no replays). Default 64.
      exact_statuses: ``True`` (default): every update of the fast path is checked too, so
        statuses, stop steps and frozen states equal those of ``check_every=1`` for any
        ``check_every``. ``False``: only each block's last state is checked (a little faster,
        see ``benchmarks/status_cost.py``), and an excursion that begins and ends inside one
        block (e.g. a lane that passes within ``tol`` of z* and leaves again, or a non-finite
        updater state that recovers) is missed.
      unroll: updates per scan iteration, fused into one kernel (default 1 on the CPU, where
        it measured fastest; 8 on a GPU/TPU).

    Returns:
      A ``Result``. Example::

        >>> r = simulate(game, simultaneous(1e-3), State(pg0, d0), 1000, record_every=100)
        >>> status_counts(r), convergence_rate(r)
    """
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    steps = int(steps)
    if record_every is not None and (not isinstance(record_every, (int, np.integer))
                                     or isinstance(record_every, bool) or record_every < 0):
        raise ValueError(f"record_every must be None or a non-negative integer, got "
                         f"{record_every!r}")
    record_every = int(record_every or 0)
    if record_every > steps:
        raise ValueError(f"record_every={record_every} exceeds steps={steps}: nothing would be "
                         "recorded; use record_every=None")
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"dtype must be a floating dtype, got {dtype!r}")
    mesh = default_mesh(devices)
    n_dev = mesh.devices.size
    defaults = layout_defaults(mesh.devices.flat[0].platform)
    check_every = defaults["check_every"] if check_every is None else check_every
    unroll = defaults["unroll"] if unroll is None else unroll
    if not isinstance(check_every, (int, np.integer)) or check_every < 1:
        raise ValueError(f"check_every must be a positive integer, got {check_every!r}")
    if not isinstance(unroll, (int, np.integer)) or unroll < 1:
        raise ValueError(f"unroll must be a positive integer, got {unroll!r}")
    if not (tol >= 0) or not (bound > 0):
        raise ValueError(f"need tol >= 0 and bound > 0, got tol={tol!r}, bound={bound!r}")
    z0 = as_state(init_batch)
    z0 = cast_floats(State(*(jax.tree_util.tree_map(jnp.asarray, x) for x in z0)), dtype)
    leaves = jax.tree_util.tree_leaves(z0)
    if not leaves or any(x.ndim == 0 for x in leaves):
        raise ValueError("init_batch leaves must carry a leading batch axis (shape (batch, ...))")
    batch = leaves[0].shape[0]
    if batch == 0 or any(x.shape[0] != batch for x in leaves):
        raise ValueError(f"init_batch leaves need one common, non-empty batch axis; got shapes "
                         f"{[x.shape for x in leaves]}")
    if chunk is None:
        chunk = default_chunk(batch, n_dev, defaults["chunk"])
    elif not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    game = cast_floats(game, dtype)
    updater = cast_floats(updater, dtype)
    zf, sf, status, stop, hist = _run_jit(
        game, updater, z0, jnp.asarray(tol, dtype), jnp.asarray(bound, dtype), steps=steps,
        record_every=record_every, check_every=int(check_every), chunk=int(chunk),
        unroll=int(unroll), mesh=mesh, exact=bool(exact_statuses))
    eq = game.equilibrium
    hsteps = dist = fdist = None
    if hist is not None:
        hsteps = jnp.arange(steps // record_every + 1, dtype=jnp.int32) * record_every
    if eq is not None:
        fdist = _batched_distance(zf, eq)
        if hist is not None:
            dist = jax.vmap(lambda h: _batched_distance(h, eq), in_axes=1, out_axes=1)(hist)
    return Result(zf, sf, status, stop, hist, hsteps, dist, fdist, steps)


@jax.jit
def _batched_distance(z, eq):
    return jax.vmap(lambda zz: _distance(zz, eq))(z)


def convergence_rate(result: Result, tail: float = 0.5) -> jax.Array:
    """Measured linear rate: slope of ``log ‖z_k - z*‖`` against the step ``k``, per trajectory.

    Least squares over the last ``tail`` fraction of the recorded steps, using only records
    taken while the trajectory was running (``k < stop_step`` for a stopped one) with a
    positive distance. For a map ``z <- F(z)`` converging linearly the slope tends to
    ``log ρ(F'(z*))`` (ρ the spectral radius; for a complex pair the oscillation averages out
    over whole periods). Returns ``(batch,)``; NaN where fewer than two records qualify.
    """
    if result.distance is None:
        raise ValueError("convergence_rate needs a recorded run of a game with an equilibrium "
                         "(simulate(..., record_every=k))")
    if not 0 < tail <= 1:
        raise ValueError(f"tail must be in (0, 1], got {tail!r}")
    d = jnp.asarray(result.distance)
    k = jnp.asarray(result.history_steps).astype(d.dtype)
    n = k.shape[0]
    first = n - max(2, int(math.ceil(tail * n)))
    first = max(first, 0)
    d, k = d[:, first:], k[first:]
    stop = result.stop_step[:, None]
    ok = (d > 0) & jnp.isfinite(d) & ((stop < 0) | (k[None, :] < stop))
    w = ok.astype(d.dtype)
    y = jnp.log(jnp.where(ok, d, 1.0))
    sw = w.sum(1)
    mk = (w * k).sum(1) / jnp.maximum(sw, 1)
    my = (w * y).sum(1) / jnp.maximum(sw, 1)
    cov = (w * (k - mk[:, None]) * (y - my[:, None])).sum(1)
    var = (w * (k - mk[:, None]) ** 2).sum(1)
    return jnp.where((sw >= 2) & (var > 0), cov / jnp.where(var > 0, var, 1.0), jnp.nan)
