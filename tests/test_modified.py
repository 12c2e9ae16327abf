"""Modified flows: iterates follow them to O(h²), the game's flow only to O(h)."""

import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.analysis.modified import (
    drift_distances,
    fitted_order,
    iterate,
    modified_field,
)
from gandyn.games.base import State
from gandyn.games.bilinear import xy
from gandyn.games.dirac import R1, dirac
from gandyn.updaters.alternating import alternating
from gandyn.updaters.drift import drift_cancelled
from gandyn.updaters.simultaneous import simultaneous

HS = [0.1, 0.05, 0.025, 0.0125]
Z0 = State(jnp.array([1.0]), jnp.array([0.5]))


def dirac_r1(gamma):
    """The one place this test builds a Dirac-GAN with R1."""
    return dirac("gan", R1(gamma))


@pytest.mark.parametrize("make", [
    lambda h: simultaneous(h, 2 * h),                                  # TTUR
    lambda h: alternating(h, 0.5 * h, n_disc=2, n_gen=1),              # n_disc, per-player rates
], ids=["simultaneous_ttur", "alternating_2_1"])
def test_modified_flow_order_two_original_order_one(make):
    d = drift_distances(dirac_r1(0.5), make, HS, Z0, horizon=1.0)
    assert abs(fitted_order(HS, d["modified"]) - 2.0) < 0.2
    assert abs(fitted_order(HS, d["leading"]) - 1.0) < 0.2
    assert np.all(d["modified"] < d["leading"])


def test_simultaneous_modified_field_closed_form():
    # x·y: v = (-y, x), J = [[0, -1], [1, 0]], J v = -(x, y): ṽ = v + (h/2) z
    h, z = 0.1, State(jnp.asarray(0.3), jnp.asarray(-0.7))
    m = modified_field(xy(), simultaneous(h))(z)
    np.testing.assert_allclose([m.gen, m.disc], [0.7 + 0.05 * 0.3, 0.3 - 0.05 * 0.7], rtol=1e-14)


def test_drift_cancelled_follows_the_flow_to_second_order():
    # on x·y the flow is a rotation: exact, no ODE solver needed
    errs = []
    z0 = State(jnp.asarray(1.0), jnp.asarray(0.0))
    for h in HS:
        n = round(1.0 / h)
        z = iterate(xy(), drift_cancelled(h), z0, n)
        exact = np.array([np.cos(1.0), np.sin(1.0)])
        errs.append(np.linalg.norm(np.array([z.gen, z.disc]) - exact))
    plain = [np.linalg.norm(np.array([(zz := iterate(xy(), simultaneous(h), z0, round(1 / h))).gen,
                                      zz.disc]) - [np.cos(1.0), np.sin(1.0)]) for h in HS]
    assert abs(fitted_order(HS, errs) - 2.0) < 0.2
    assert abs(fitted_order(HS, plain) - 1.0) < 0.2


def test_unknown_rule_refused():
    from gandyn.updaters.optimistic import optimistic

    with pytest.raises(ValueError, match="modified flow"):
        modified_field(xy(), optimistic(0.1))


def test_drift_cancelled_alternating_order_two_plain_alternating_order_one():
    # n_d h_d = n_g h_g: the rounds' leading flow is the game's own flow; plain alternating
    # steps with these rates (compiled already by the test above) follow it only to O(h)
    from gandyn.updaters.drift import drift_cancelled_alternating

    fixed = drift_distances(dirac_r1(0.5),
                            lambda h: drift_cancelled_alternating(h, 0.5 * h, n_disc=2),
                            HS, Z0)
    assert abs(fitted_order(HS, fixed["leading"]) - 2.0) < 0.2
    plain = drift_distances(dirac_r1(0.5), lambda h: alternating(h, 0.5 * h, n_disc=2),
                            HS, Z0)["leading"]
    assert abs(fitted_order(HS, plain) - 1.0) < 0.2
    assert np.all(fixed["leading"] * 10 < plain)


@pytest.mark.parametrize("order", ["gen_first"])       # disc_first: the Dirac test above
def test_drift_cancelled_alternating_on_xy_against_the_rotation(order):
    from gandyn.updaters.drift import drift_cancelled_alternating

    z0 = State(jnp.asarray(1.0), jnp.asarray(0.0))
    exact = np.array([np.cos(1.0), np.sin(1.0)])
    errs = []
    for h in HS:
        z = iterate(xy(), drift_cancelled_alternating(h, order=order), z0, round(1 / h))
        errs.append(np.linalg.norm(np.array([z.gen, z.disc]) - exact))
    assert abs(fitted_order(HS, errs) - 2.0) < 0.2
