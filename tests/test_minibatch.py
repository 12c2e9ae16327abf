"""The minibatch wrapper: fresh draws of a game's sample banks inside any update rule."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gandyn.games.base import State, from_objectives
from gandyn.simulate import simulate
from gandyn.updaters import alternating, extragradient, optax_players, simultaneous
from gandyn.updaters.minibatch import minibatch

N = 16
LR = 0.1


def _gen(g, d, p):           # the generator (a location theta) ascends psi * theta
    return d * g


def _disc(g, d, p):          # the critic psi ascends psi (mean(data) - theta) - psi^2 / 2
    return d * jnp.mean(p["data"]) - d * g - 0.5 * d * d


def _clip(z, p):
    return State(z.gen, jnp.clip(z.disc, -0.05, 0.05))


GAME = from_objectives("toy-bank", _gen, _disc, {"data": jnp.zeros(N)})
CLIPPED = from_objectives("toy-bank-clipped", _gen, _disc, {"data": jnp.zeros(N)},
                          projection=_clip)


def normal_bank(key):
    return 1.0 + jax.random.normal(key, (N,))


def fixed_bank(key):
    return jnp.linspace(0.0, 2.0, N) + 0.0 * jax.random.uniform(key)


def _run(u, game, z, steps):
    s = u.init(game, z)

    def body(carry, _):
        z, s = carry
        z, s = u.step(game, z, s)
        return (z, s), (z, getattr(s, "key", jnp.zeros(2, jnp.uint32)))

    return jax.lax.scan(body, (z, s), None, length=steps)


Z0 = State(jnp.asarray(0.3), jnp.asarray(-0.2))


def test_key_advances_and_every_step_sees_a_new_batch():
    u = minibatch(simultaneous(LR), {"data": normal_bank}, 7)
    (_, _), (zs, keys) = jax.jit(_run, static_argnums=3)(u, GAME, Z0, 5)
    assert len({tuple(np.asarray(k)) for k in keys}) == 5
    # simultaneous step: psi' = psi + lr (m_b - theta - psi) reveals the batch mean m_b
    g = np.concatenate([[Z0.gen], np.asarray(zs.gen)])
    d = np.concatenate([[Z0.disc], np.asarray(zs.disc)])
    means = (d[1:] - d[:-1]) / LR + g[:-1] + d[:-1]
    assert len(np.unique(np.round(means, 12))) == 5
    assert np.all(np.abs(means - 1.0) < 5 / np.sqrt(N))          # draws of N(1, 1), n = 16


def test_determinism_and_vmap_over_keys():
    run = jax.jit(lambda k: _run(minibatch(simultaneous(LR), {"data": normal_bank}, k), GAME,
                                 Z0, 20)[0][0])
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    a = jax.vmap(run)(keys)
    b = jax.vmap(run)(keys)
    np.testing.assert_array_equal(a.gen, b.gen)
    assert len(np.unique(np.asarray(a.gen))) == 4
    np.testing.assert_array_equal(run(keys[2]).gen, a.gen[2])


def test_n_disc_round_equals_alternating_on_a_fixed_bank():
    u = minibatch(simultaneous(LR, 0.2), {"data": fixed_bank}, 0, n_disc=3)
    alt = alternating(LR, 0.2, n_disc=3)
    game = GAME.replace(params={"data": fixed_bank(jax.random.PRNGKey(0))})
    (za, _), _ = _run(u, GAME, Z0, 4)
    (zb, _), _ = _run(alt, game, Z0, 4)
    np.testing.assert_allclose([za.gen, za.disc], [zb.gen, zb.disc], rtol=1e-13)


def test_clipping_after_every_critic_step():
    u = minibatch(simultaneous(LR), {"data": fixed_bank}, 0, n_disc=3)
    (z, _), _ = _run(u, CLIPPED, Z0, 1)
    m = float(jnp.mean(fixed_bank(jax.random.PRNGKey(0))))
    g, d = float(Z0.gen), float(Z0.disc)
    for _ in range(3):                                  # Arjovsky et al. 2017, Algorithm 1
        d = float(np.clip(d + LR * (m - g - d), -0.05, 0.05))
    g = g + LR * d
    np.testing.assert_allclose([z.gen, z.disc], [g, d], rtol=1e-13)
    # alternating alone (one draw for the round) projects after every critic step too
    game = CLIPPED.replace(params={"data": fixed_bank(jax.random.PRNGKey(0))})
    za, _ = alternating(LR, n_disc=3).step(game, Z0, ())
    np.testing.assert_allclose([za.gen, za.disc], [g, d], rtol=1e-13)


@pytest.mark.parametrize("inner", [
    alternating(LR, n_disc=2),
    extragradient(LR),
    optax_players(optax.sgd(1.0), optax.scale_by_adam(), lr=LR),
])
def test_any_rule_runs_stochastically_and_the_held_player_stays(inner):
    for n_disc in (None, 2):
        u = minibatch(inner, {"data": normal_bank}, 1, n_disc=n_disc)
        (z, s), (zs, _) = jax.jit(_run, static_argnums=3)(u, GAME, Z0, 10)
        assert np.all(np.isfinite(np.asarray(zs.gen))) and np.all(np.isfinite(zs.disc))
        assert float(z.gen) != float(Z0.gen) and float(s.key[0]) != 0
    # a critic phase never moves the generator, whatever the rule's memory (Adam)
    u = minibatch(optax_players(optax.scale_by_adam(), lr=LR), {"data": normal_bank}, 1,
                  n_disc=4)
    s = u.init(GAME, Z0)
    held = u._held(u.draw(GAME, jax.random.PRNGKey(3)), True)
    z, _ = u.inner.step(held, Z0, s.inner[0])
    assert float(z.gen) == float(Z0.gen)


def test_simulate_runs_it_with_one_stream_per_start():
    u = minibatch(simultaneous(LR), {"data": normal_bank}, 5, n_disc=2)
    starts = State(jnp.array([0.3, 0.3, -1.0, 2.0]), jnp.array([-0.2, -0.2, 0.0, 0.1]))
    r = simulate(GAME, u, starts, 40)
    assert r.status.shape == (4,) and np.all(np.isfinite(np.asarray(r.final.gen)))
    keys = np.asarray(r.ustate.key)
    np.testing.assert_array_equal(keys[0], keys[1])                 # same start, same stream
    assert len({tuple(k) for k in keys[1:]}) == 3
    assert float(r.final.gen[0]) == float(r.final.gen[1])


def test_bad_setups_are_named():
    with pytest.raises(ValueError):
        minibatch(simultaneous(LR), {}, 0)
    with pytest.raises(ValueError):
        minibatch(simultaneous(LR), {"data": normal_bank}, 0, n_disc=0)
    u = minibatch(simultaneous(LR), {"latents": normal_bank}, 0)
    with pytest.raises(KeyError, match="latents"):
        u.step(GAME, Z0, u.init(GAME, Z0))
