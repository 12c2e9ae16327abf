"""Continuous-time integration (diffrax) against exact solutions, orders and statuses."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn import State, jacobian
from gandyn.games.bilinear import bilinear, xy
from gandyn.ode import ODE_STATUSES, integrate
from gandyn.results import RESULTS
from gandyn.updaters import consensus_field

GAME = bilinear(1.0, 0.5, 0.2)        # linear, stable focus: z(t) = expm(tJ) z0
Z0 = State(jnp.array([1.0]), jnp.array([0.5]))


def _exact(t):
    J = jacobian(GAME)
    return np.asarray(jax.scipy.linalg.expm(t * J) @ jnp.array([1.0, 0.5]))


def _flat(z):
    return np.concatenate([np.ravel(z.gen), np.ravel(z.disc)])


@pytest.mark.parametrize("solver", ["tsit5", "dopri5"])
def test_adaptive_solvers_match_expm(solver):
    ts = jnp.linspace(0.0, 4.0, 5)
    r = integrate(GAME, Z0, 4.0, ts=ts, solver=solver, rtol=1e-10, atol=1e-12)
    assert ODE_STATUSES[int(r.status)] == "reached t1"
    for i, t in enumerate(np.asarray(ts)):
        np.testing.assert_allclose(np.array([r.zs.gen[i, 0], r.zs.disc[i, 0]]), _exact(t), atol=1e-8)
    np.testing.assert_allclose(_flat(r.z_final), _exact(4.0), atol=1e-8)


@pytest.mark.parametrize("solver, order", [("rk4", 4), ("euler", 1)])
def test_fixed_step_convergence_order(solver, order):
    run = jax.jit(lambda dt: integrate(GAME, Z0, 2.0, solver=solver, dt0=dt, max_steps=4096).z_final)
    dts = np.array([0.1, 0.05, 0.025])
    errs = [np.linalg.norm(_flat(run(dt)) - _exact(2.0)) for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert slope == pytest.approx(order, abs=0.15)


def test_steady_state_stops_early_and_centre_does_not():
    r = integrate(GAME, Z0, 1000.0, steady_state=True, ts=jnp.array([0.0, 1.0, 900.0]))
    assert ODE_STATUSES[int(r.status)] == "steady state"
    assert float(r.t_final) < 200.0
    assert np.linalg.norm(_flat(r.z_final)) < 1e-6
    assert np.isinf(float(r.ts[2]))                 # the save time after the stop is not reached
    # x·y is a centre: the flow keeps |z| and never settles
    c = integrate(xy(), State(1.0, 0.0), 30.0, steady_state=True)
    assert ODE_STATUSES[int(c.status)] == "reached t1"
    assert float(jnp.hypot(c.z_final.gen, c.z_final.disc)) == pytest.approx(1.0, abs=1e-6)


def test_max_steps_and_failure_statuses():
    r = integrate(GAME, Z0, 10.0, solver="euler", dt0=0.01, max_steps=10)
    assert ODE_STATUSES[int(r.status)] == "max steps"
    # a field that blows up in finite time (dz/dt = z², z0 = 1: z = 1/(1 - t))
    blow = lambda z: State(z.gen**2, z.disc**2)
    r = integrate(xy(), State(1.0, 1.0), 2.0, field=blow, max_steps=2000)
    assert ODE_STATUSES[int(r.status)] in ("failed", "max steps")
    assert int(r.status) != RESULTS.reached_t1


def test_vmap_over_initial_states_and_custom_field():
    z0 = State(jnp.linspace(-1, 1, 4), jnp.linspace(1, -1, 4))
    # consensus optimisation's flow converges on x·y (eigenvalues -γ ± i)
    f = jax.vmap(lambda z: integrate(xy(), z, 10.0,
                                     field=lambda s: consensus_field(xy(), s, 1.0)).z_final)
    out = f(z0)
    r0 = np.hypot(np.asarray(z0.gen), np.asarray(z0.disc))
    np.testing.assert_allclose(np.hypot(out.gen, out.disc), r0 * np.exp(-10.0), rtol=1e-6)


def test_dtype_is_kept():
    r = integrate(xy(), State(jnp.float32(1.0), jnp.float32(0.0)), 1.0, rtol=1e-5, atol=1e-6)
    assert r.z_final.gen.dtype == jnp.float32 and r.zs.disc.dtype == jnp.float32


def test_errors():
    with pytest.raises(ValueError, match="dt0"):
        integrate(GAME, Z0, 1.0, solver="rk4")
    with pytest.raises(ValueError, match="unknown solver"):
        integrate(GAME, Z0, 1.0, solver="rk45")
    with pytest.raises(ValueError, match="1-D"):
        integrate(GAME, Z0, 1.0, ts=jnp.ones((2, 2)))
