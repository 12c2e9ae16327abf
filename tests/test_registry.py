"""Generic tests over the registries (as diffrax's ``all_ode_solvers``): every built-in game
and every CLI command, so that a new game or command is tested by adding its registry line."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import gandyn  # noqa: F401  (x64)
from gandyn import cli
from gandyn.analysis.spectrum import jacobian
from gandyn.games.registry import all_games

GAMES = [(f"{s}/{n}", f) for s, zoo in all_games().items() for n, f in zoo]


def _declared_non_smooth(game) -> bool:
    # the Dirac games still declare it in ``info`` until they set ``Game.smooth``
    return (not game.smooth) or dict(game.info).get("smooth_at_equilibrium") is False


def _flat_field(game):
    z0, unravel = ravel_pytree(game.equilibrium)
    return z0, jax.jit(lambda z: ravel_pytree(game.field(unravel(z)))[0])


@pytest.mark.parametrize("name,factory", GAMES, ids=[n for n, _ in GAMES])
def test_game_field_and_jacobian(name, factory):
    game = factory()
    z0, f = _flat_field(game)
    assert np.all(np.isfinite(np.asarray(f(z0)))), f"{name}: field not finite at equilibrium"
    J = np.asarray(jax.jit(jacobian)(game))
    if not np.all(np.isfinite(J)):
        assert _declared_non_smooth(game), f"{name}: Jacobian not finite, game says smooth"
        return
    # central differences in float64, step ~ eps^(1/3) scaled
    z0 = np.asarray(z0, np.float64)
    fd = np.empty_like(J)
    for j in range(z0.size):
        h = 1e-5 * max(1.0, abs(z0[j]))
        e = np.zeros_like(z0)
        e[j] = h
        fd[:, j] = (np.asarray(f(jnp.asarray(z0 + e))) - np.asarray(f(jnp.asarray(z0 - e)))) / (2 * h)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(J).max()),
                               err_msg=name)


@pytest.mark.parametrize("name,factory", GAMES, ids=[n for n, _ in GAMES])
def test_game_vmaps_over_parameters(name, factory):
    game = factory()
    z = jax.tree_util.tree_map(lambda x: jnp.asarray(x) + 0.01, game.equilibrium)
    scales = (1.0, 1.01, 1.02)

    def scaled(s):
        return jax.tree_util.tree_map(
            lambda p: p * s if jnp.issubdtype(jnp.asarray(p).dtype, jnp.floating) else p,
            game.params)

    @jax.jit
    def field_at(params):
        return ravel_pytree(game.replace(params=params).field(z))[0]

    loop = np.stack([np.asarray(field_at(scaled(s))) for s in scales])
    batch = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[scaled(s) for s in scales])
    vm = np.asarray(jax.vmap(field_at)(batch))
    np.testing.assert_allclose(vm, loop, rtol=1e-12, atol=1e-12, err_msg=name)


class _Recorder:
    """Stands in for an ArgumentParser to list a command's options (public interface only)."""

    def __init__(self):
        self.options = []

    def add_argument(self, *names, **kw):
        self.options.append((names, kw))

    def add_argument_group(self, *a, **kw):
        return self

    add_mutually_exclusive_group = add_argument_group


def _bad_value(mod) -> list:
    rec = _Recorder()
    mod.add_arguments(rec)
    for names, kw in rec.options:
        if kw.get("type") in (int, float):
            return [names[0], "not-a-number"]
    for names, kw in rec.options:
        if kw.get("choices"):
            return [names[0], "no-such-choice"]
    for names, kw in rec.options:
        if kw.get("action") == "store_true":
            return [f"{names[0]}=yes"]
    return ["--no-such-option"]


COMMANDS = list(cli._modules())


@pytest.mark.parametrize("name,mod", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_help_and_bad_input(name, mod, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([name, "--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: gandyn {name}")
    for argv in (_bad_value(mod), ["--no-such-option"]):
        with pytest.raises(SystemExit) as e:
            cli.main([name, *argv])
        assert e.value.code == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("gandyn"), err
        assert "Traceback" not in err


def test_every_command_is_listed():
    assert [n for n, _ in COMMANDS] == list(cli.COMMANDS)


# -- the update-rule registry: schedules ------------------------------------------------------
from gandyn.games.dirac import dirac  # noqa: E402
from gandyn.games.base import State  # noqa: E402
from gandyn.updaters import ALL_UPDATERS, alternating  # noqa: E402
from gandyn.updaters.drift import drift_cancelled_alternating  # noqa: E402


@pytest.mark.parametrize("name,python", [("alternating", alternating),
                                         ("drift_cancelled_alternating",
                                          drift_cancelled_alternating)])
def test_registry_alternating_plays_one_critic_step_like_the_python_rule(name, python):
    """``ALL_UPDATERS[name](h)`` is ``python(h)``: one critic step per generator step (it
    played two, so the command line located another critical rate than the figures)."""
    g = dirac("wgan")
    z = State(jnp.array([0.7]), jnp.array([-0.4]))
    u, ref = ALL_UPDATERS[name](0.37), python(0.37)
    assert (u.n_disc, u.n_gen) == (1, 1)
    a, _ = u.step(g, z, u.init(g, z))
    b, _ = ref.step(g, z, ref.init(g, z))
    np.testing.assert_array_equal(np.concatenate([a.gen, a.disc]), np.concatenate([b.gen, b.disc]))
    # one round by hand on the WGAN Dirac-GAN (c = 0, L = ψθ): the critic ascends, v_ψ = θ,
    # then the generator descends at the new ψ, v_θ = -ψ
    if name == "alternating":
        th, ps, h = 0.7, -0.4, 0.37
        ps = ps + h * th
        th = th - h * ps
        np.testing.assert_allclose([float(a.gen[0]), float(a.disc[0])], [th, ps], rtol=1e-14)


def test_build_updater_schedule_and_refusals():
    from gandyn.updaters.registry import SCHEDULED, build_updater, schedule_text

    assert set(SCHEDULED) <= set(ALL_UPDATERS)
    for name in SCHEDULED:
        assert build_updater(name, 0.2, n_disc=3).n_disc == 3
        assert build_updater(name, 0.2).n_disc == 1
    assert schedule_text(build_updater("alternating", 0.2)) == \
        "alternating, 1 critic step per generator step"
    assert schedule_text(build_updater("alternating", 0.2, n_disc=2)) == \
        "alternating, 2 critic steps per generator step"
    assert schedule_text(build_updater("simultaneous", 0.2)) is None
    assert schedule_text(alternating(0.1, n_disc=3, n_gen=2, order="gen_first")) == \
        "alternating, 3 critic steps per 2 generator steps, generator first"
    for bad in (0, -1, 1.5, float("nan"), True, "2"):
        with pytest.raises(ValueError, match="n_disc must be an integer >= 1"):
            build_updater("alternating", 0.2, n_disc=bad)
    with pytest.raises(ValueError, match="no critic schedule to set"):
        build_updater("simultaneous", 0.2, n_disc=2)
    with pytest.raises(ValueError, match="unknown update rule"):
        build_updater("nope", 0.2)
