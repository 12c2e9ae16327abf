"""The simulation engine against closed forms: statuses, stop steps, rates, devices, dtypes."""

import functools
import importlib
import math
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gandyn  # noqa: F401  (x64)
from gandyn import Box, State, from_fields

# `gandyn.simulate` is also the lazily exported *function* (gandyn/__init__.py), so
# `from gandyn import simulate` may give the function: take the module from sys.modules.
sim_mod = importlib.import_module("gandyn.simulate")
from gandyn.simulate import (
    CONVERGED,
    DIVERGED,
    LEFT_DOMAIN,
    NON_FINITE,
    RUNNING,
    STATUSES,
    convergence_rate,
    simulate,
    status_counts,
)
from gandyn.updaters import simultaneous

H = 0.1  # step: a decaying coordinate is multiplied by (1 - H), a growing one by (1 + H)


def _v_gen(g, d, p):
    return jnp.where(g > 5, g, -g)


def _v_disc(g, d, p):
    return jnp.where(d > 1, d, jnp.where(d < -1, jnp.log(d), -d))


def _piecewise_game():
    """Piecewise-linear fields with closed-form simultaneous iterates.

    gen: g_k = (1 - H)^k g0 for |g| <= 5, (1 + H)^k g0 above 5; domain g <= 10.
    disc: d_k = (1 - H)^k d0 in [-1, 1], (1 + H)^k d0 above 1, NaN (log) below -1.
    """
    return from_fields("piecewise", _v_gen, _v_disc, equilibrium=(0.0, 0.0),
                       domain=Box(gen_high=10.0))


K_CONV, K_DIV, STEPS = 20, 15, 25
R0 = math.hypot(1.0, 0.5)
TOL = R0 * (1 - H) ** (K_CONV - 0.5)  # halfway (in log) between steps K-1 and K: no rounding tie
BOUND = 20.0 * (1 + H) ** (K_DIV - 0.5)
K_LEAVE = math.ceil(math.log(10 / 6) / math.log(1 + H))  # 6 (1.1)^k > 10 first at k = 6

INIT = State(np.array([1.0, 0.0, 6.0, 0.0, 3.0, 0.0, 100.0]),
             np.array([0.5, 20.0, 0.0, -2.0, 0.0, 0.0, 0.0]))
EXPECTED = [  # (status, stop step) per lane
    (CONVERGED, K_CONV), (DIVERGED, K_DIV), (LEFT_DOMAIN, K_LEAVE), (NON_FINITE, 1),
    (RUNNING, -1), (CONVERGED, 0), (LEFT_DOMAIN, 0),
]


@pytest.mark.parametrize("layout", [
    dict(check_every=1), dict(check_every=16), dict(),           # dict(): the platform defaults
    dict(check_every=1, unroll=4), dict(check_every=8, unroll=8),  # the GPU layout's unrolling
    dict(check_every=8, unroll=3, chunk=3),                        # ragged: padding, remainders
])
def test_statuses_steps_and_frozen_states_in_one_batch(layout):
    r = simulate(_piecewise_game(), simultaneous(H), INIT, STEPS, tol=TOL, bound=BOUND,
                 dtype=jnp.float64, **layout)
    assert [(int(a), int(b)) for a, b in zip(r.status, r.stop_step)] == EXPECTED
    g, d = np.asarray(r.final.gen), np.asarray(r.final.disc)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(d))  # the NaN lane is frozen before
    rtol = 1e-12
    np.testing.assert_allclose([g[0], d[0]], np.array([1.0, 0.5]) * (1 - H) ** K_CONV, rtol=rtol)
    np.testing.assert_allclose(d[1], 20.0 * (1 + H) ** (K_DIV - 1), rtol=rtol)   # last valid
    np.testing.assert_allclose(g[2], 6.0 * (1 + H) ** (K_LEAVE - 1), rtol=rtol)
    np.testing.assert_array_equal([g[3], d[3]], [0.0, -2.0])                     # initial
    np.testing.assert_allclose(g[4], 3.0 * (1 - H) ** STEPS, rtol=rtol)
    assert status_counts(r) == {"running": 1, "converged": 2, "diverged": 1,
                                "left domain": 2, "non-finite": 1}
    assert STATUSES[int(r.status[3])] == "non-finite"


def test_record_every_shapes_and_distance():
    game = _piecewise_game()
    r = simulate(game, simultaneous(H), INIT, STEPS, record_every=10, tol=TOL, bound=BOUND,
                 dtype=jnp.float64)
    n = INIT.gen.shape[0]
    np.testing.assert_array_equal(r.history_steps, [0, 10, 20])
    assert r.history.gen.shape == r.history.disc.shape == (n, 3)
    assert r.distance.shape == (n, 3) and r.final_distance.shape == (n,)
    # running lane 4: closed form at the recorded steps
    np.testing.assert_allclose(r.history.gen[4], 3.0 * (1 - H) ** np.array([0, 10, 20]),
                               rtol=1e-12)
    np.testing.assert_allclose(r.distance[4], np.abs(r.history.gen[4]), rtol=1e-12)
    none = simulate(game, simultaneous(H), INIT, STEPS, tol=TOL, bound=BOUND, dtype=jnp.float64)
    assert none.history is None and none.distance is None and none.history_steps is None
    np.testing.assert_array_equal(none.final.gen, r.final.gen)
    # vector leaves keep their trailing shape
    vec = State(np.ones((5, 3)), np.zeros((5, 2)))
    rv = simulate(game.replace(equilibrium=State(np.zeros(3), np.zeros(2))), simultaneous(H),
                  vec, 7, record_every=3, dtype=jnp.float64)
    assert rv.history.gen.shape == (5, 3, 3) and rv.history.disc.shape == (5, 3, 2)
    assert rv.final.gen.shape == (5, 3)


def test_measured_rate_matches_log_spectral_radius_dirac_r1():
    from gandyn.games.dirac import R1, dirac

    gamma, h = 2.0, 0.1
    game = dirac("gan", R1(gamma))
    # Mescheder et al. 2018: v'(0) eigenvalues -γ/2 ± sqrt(γ²/4 - f'(0)²), f'(0) = 1/2;
    # simultaneous map eigenvalues 1 + h λ.
    lam = -gamma / 2 + np.sqrt(gamma ** 2 / 4 - 0.25)
    rho = abs(1 + h * lam)
    init = State(np.array([[0.3], [-0.5], [0.8]]), np.array([[0.2], [0.4], [-0.1]]))
    r = simulate(game, simultaneous(h), init, 2000, record_every=50, tol=0.0, dtype=jnp.float64)
    assert np.all(np.asarray(r.status) == RUNNING)
    rate = np.asarray(convergence_rate(r, tail=0.5))
    np.testing.assert_allclose(rate, np.log(rho), rtol=1e-3)
    try:  # the same ρ through jax.jacfwd of one step, when the analysis module is there
        from gandyn.analysis.discrete import update_spectral_radius
    except ImportError:
        return
    np.testing.assert_allclose(update_spectral_radius(game, simultaneous(h)), rho, rtol=1e-10)


def test_no_recompilation_when_the_rate_changes():
    game = _piecewise_game()
    simulate(game, simultaneous(0.1), INIT, 10, tol=TOL, bound=BOUND)
    n = sim_mod._run_jit._cache_size()
    r = simulate(game, simultaneous(0.05, 0.07), INIT, 10, tol=TOL / 2, bound=BOUND * 2)
    assert sim_mod._run_jit._cache_size() == n
    np.testing.assert_allclose(r.final.gen[4], 3.0 * 0.95 ** 10, rtol=1e-5)


def test_float32_program_has_no_float64():
    game = sim_mod.cast_floats(_piecewise_game(), jnp.float32)
    upd = sim_mod.cast_floats(simultaneous(H), jnp.float32)
    z0 = sim_mod.cast_floats(State(jnp.asarray(INIT.gen), jnp.asarray(INIT.disc)), jnp.float32)
    run = functools.partial(sim_mod._run, steps=5, record_every=2, check_every=2, chunk=8,
                            unroll=1, mesh=sim_mod.default_mesh())
    jaxpr = str(jax.make_jaxpr(run)(game, upd, z0, jnp.float32(TOL), jnp.float32(BOUND)))
    assert "f64" not in jaxpr and "f32" in jaxpr
    r = simulate(_piecewise_game(), simultaneous(H), INIT, 5, record_every=2)
    assert r.final.gen.dtype == r.history.disc.dtype == r.distance.dtype == jnp.float32


@pytest.mark.parametrize("kw, msg", [
    (dict(steps=-1), "steps"), (dict(record_every=30), "record_every"),
    (dict(check_every=0), "check_every"), (dict(dtype=jnp.int32), "dtype"),
    (dict(bound=0.0), "bound"), (dict(chunk=0), "chunk"),
])
def test_clear_errors(kw, msg):
    args = dict(steps=STEPS)
    args.update(kw)
    steps = args.pop("steps")
    with pytest.raises(ValueError, match=msg):
        simulate(_piecewise_game(), simultaneous(H), INIT, steps, **args)
    with pytest.raises(ValueError, match="batch"):
        simulate(_piecewise_game(), simultaneous(H), State(1.0, 2.0), 3)


_DEVICES_SCRIPT = textwrap.dedent("""
    import numpy as np, jax, jax.numpy as jnp
    import gandyn
    from gandyn import State
    from gandyn.simulate import simulate
    from gandyn.updaters import simultaneous
    from tests.test_simulate import _piecewise_game, INIT, TOL, BOUND, H
    assert len(jax.devices()) == 4, jax.devices()
    rng = np.random.default_rng(0)
    n = 37   # not a multiple of the devices: padding is exercised
    z0 = State(np.concatenate([INIT.gen, rng.uniform(-7, 7, n)]),
               np.concatenate([INIT.disc, rng.uniform(-3, 3, n)]))
    kw = dict(tol=TOL, bound=BOUND, record_every=4, chunk=8)
    for dtype in (jnp.float32, jnp.float64):
        one = simulate(_piecewise_game(), simultaneous(H), z0, 25, devices=jax.devices()[:1],
                       dtype=dtype, **kw)
        four = simulate(_piecewise_game(), simultaneous(H), z0, 25, dtype=dtype, **kw)
        for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(four)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert len(set(np.asarray(four.status).tolist())) == 5   # every status occurs
    # Fields that take jax.grad with respect to a *game parameter* (R1: grad_x D at x = c)
    # inside the sharded body: under shard_map's vma typing the cotangent of a replicated
    # value is psum'd over devices unless the engine casts it to device-varying (it does;
    # see gandyn.simulate._run). Every leaf of the Result must match one device exactly.
    from gandyn.games.dirac import NK, R1, R2, LeCam, Noise, dirac
    games = [dirac("gan", R1(1.0)), dirac("gan", (Noise(0.3), R2(1.0), NK(1.0)), dim=2, c=0.5),
             dirac("lsgan", (R1(1.0), LeCam(1.0, 1.0)), dim=2, c=[0.5, -0.25])]
    for g in games:
        dim = g.equilibrium.gen.shape[0]
        disc = rng.uniform(-1, 1, (21, dim))
        if isinstance(g.equilibrium.disc, tuple):
            disc = (disc, rng.uniform(-1, 1, (21, 2)))
        zd = State(rng.uniform(-1, 1, (21, dim)), disc)
        one, four = (simulate(g, simultaneous(0.1), zd, 30, record_every=10, devices=d, chunk=8)
                     for d in (jax.devices()[:1], jax.devices()))
        for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(four)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=g.name)
    # Not bitwise (documented in gandyn.simulate): a dim-2 field with reductions over the
    # feature axis at the default chunk agrees with one device to rounding only.
    g = games[2]
    zd = State(rng.uniform(-1, 1, (2500, 2)),
               (rng.uniform(-1, 1, (2500, 2)), rng.uniform(-1, 1, (2500, 2))))
    one, four = (simulate(g, simultaneous(0.05), zd, 20, devices=d)
                 for d in (jax.devices()[:1], jax.devices()))
    for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(four)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6,
                                   err_msg="default chunk, dim 2")
    # an updater built on jax.scipy's gmres (its while-loop carries are not vma-typed, which is
    # why the engine keeps check_vma=False) on the same Dirac field
    from gandyn.updaters import ALL_UPDATERS
    g, zd = games[0], State(rng.uniform(-1, 1, (21, 1)), rng.uniform(-1, 1, (21, 1)))
    one, four = (simulate(g, ALL_UPDATERS["cgd_gmres"](0.05), zd, 20, devices=d, chunk=8)
                 for d in (jax.devices()[:1], jax.devices()))
    for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(four)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg="cgd_gmres")
    # the mechanism itself, on 4 devices: a per-lane gradient at a replicated point
    from jax.sharding import PartitionSpec as P
    from gandyn.simulate import default_mesh
    c, psi = jnp.zeros(1), jnp.arange(8.0).reshape(8, 1)
    lane_grad = lambda c, p: jax.vmap(lambda s: jax.grad(lambda x: jnp.dot(s, x))(c))(p)
    raw = jax.shard_map(lane_grad, mesh=default_mesh(), in_specs=(P(), P("batch")),
                        out_specs=P("batch"))(c, psi)
    cast = jax.shard_map(lambda c, p: lane_grad(jax.lax.pcast(c, "batch", to="varying"), p),
                         mesh=default_mesh(), in_specs=(P(), P("batch")),
                         out_specs=P("batch"))(c, psi)
    np.testing.assert_array_equal(cast, psi)               # what the engine relies on
    assert not np.array_equal(raw, psi)                    # the psum it avoids
    print("IDENTICAL")
""")


def test_one_and_four_cpu_devices_give_identical_results():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu", PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", _DEVICES_SCRIPT], cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "IDENTICAL" in out.stdout


def test_dirac_gan_step_compiles_to_logistics_not_logaddexp_derivatives():
    """Regression (benchmarks/RESULTS.md): autodiff through logaddexp's JVP put exp + log1p + exp
    into every loss derivative and made the Dirac-GAN 5x slower in the engine. One compiled
    simultaneous step of dirac("gan", R1(1.0)) must contain no log at all (only the logistic's exp)."""
    from gandyn.games.dirac import R1, dirac

    game = sim_mod.cast_floats(dirac("gan", R1(1.0), c=0.5), jnp.float32)
    upd = sim_mod.cast_floats(simultaneous(1e-2), jnp.float32)
    z = State(jnp.zeros((64, 1), jnp.float32), jnp.zeros((64, 1), jnp.float32))
    step = jax.jit(lambda g, u, z: jax.vmap(lambda zz: u.step(g, zz, None)[0])(z))
    hlo = step.lower(game, upd, z).compile().as_text()
    assert "log-plus-one(" not in hlo and " log(" not in hlo
    assert hlo.count(" exponential(") <= 2   # sigma(-psi theta) for both players, sigma(psi c)


@settings(max_examples=200, deadline=None)
@given(batch=st.integers(1, 10**9), n_dev=st.integers(1, 16),
       cap=st.sampled_from([8, 64, 2048, 8192, 1 << 23]))
def test_default_chunk_covers_the_batch_with_little_padding(batch, n_dev, cap):
    k = sim_mod.default_chunk(batch, n_dev, cap)
    per_dev = -(-batch // n_dev)
    n_chunks = -(-per_dev // k)
    assert k % 8 == 0 and 8 <= k <= cap
    assert n_chunks == -(-per_dev // cap)           # the fewest chunks the cap allows
    assert 0 <= n_chunks * k - per_dev < 8 * n_chunks  # padding under 8 lanes a chunk


# -- regression tests of the reliability audit (engine statuses) ------------------------------
def test_finding4_adam_second_moment_overflow_is_non_finite_not_running():
    """Adam's nu = E[g²] overflows float32 at the first step from (p_g, D) = (612, -47.4) on the
    reverse-KL f-GAN; z stays finite (the update mu / (sqrt(inf) + eps) is 0), so a check of z
    alone reported "running" for 2000 steps. The updater state is part of the check."""
    from gandyn.games.pointwise import fgan
    from gandyn.updaters import ALL_UPDATERS

    z0 = State(np.array([612.0, 1.0]), np.array([-47.4, 0.5]))
    r = simulate(fgan("reverse_kl"), ALL_UPDATERS["optax"](0.001), z0, 2000)
    assert int(r.status[0]) == NON_FINITE and int(r.stop_step[0]) >= 1
    assert all(np.isfinite(np.asarray(x)).all() for x in jax.tree_util.tree_leaves(r.ustate))
    assert int(r.status[1]) != NON_FINITE   # a tame start is not affected


def test_finding4_default_statuses_equal_those_of_a_check_after_every_update():
    """The quadratic game under simultaneous steps at lr 0.1: lanes pass within tol of z* and
    leave the domain later inside one 64-update block. Default statuses equal check_every=1
    (every Result leaf, bitwise); block-end checks alone (exact_statuses=False) differ."""
    from gandyn.games.pointwise import quadratic

    rng = np.random.default_rng(0)
    z0 = State(rng.uniform(0, 3, 1000), rng.uniform(-3, 3, 1000))
    run = functools.partial(simulate, quadratic(), simultaneous(0.1), z0, 256)
    ref, got, old = run(check_every=1), run(), run(exact_statuses=False)
    for a, b in zip(jax.tree_util.tree_leaves(ref), jax.tree_util.tree_leaves(got)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert status_counts(ref)["left domain"] > 0
    assert not np.array_equal(np.asarray(old.status), np.asarray(ref.status))
