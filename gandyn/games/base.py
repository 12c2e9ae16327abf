"""The game abstraction: two players, pure ascent fields, a domain, an equilibrium.

A game is what is played, nothing about how: the generator's and the discriminator's ascent
directions of their own objectives,

    v_gen(g, d, params)  = +d/dg I(g, d)      (generator ascends I)
    v_disc(g, d, params) = +d/dd J(g, d)      (discriminator ascends J)

over a state ``State(gen, disc)`` whose two leaves are arrays (scalars for the pointwise
games, vectors for the Dirac-GAN). The joint field ``v(z) = (v_gen, v_disc)`` is what
continuous-time training follows (dz/dt = v(z)); every update rule in ``gandyn.updaters``
sees a game only through this interface.

``Game`` is a frozen dataclass registered as a JAX pytree: ``params`` and ``equilibrium`` are
leaves (so a game can be passed through ``jit`` and its parameters vmapped), the functions,
name, domain and projection are static metadata (hashable: use module-level functions or
frozen dataclasses with ``__call__`` so that two equal games do not recompile).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["Box", "Game", "HeldObjective", "State", "as_state", "from_fields", "from_objectives",
           "zero_sum"]


class State(NamedTuple):
    """The joint state of the two players (a pytree): generator first, discriminator second."""

    gen: Any
    disc: Any


def as_state(z) -> State:
    """``z`` as a ``State``: a ``State`` unchanged, any ``(gen, disc)`` pair wrapped."""
    if isinstance(z, State):
        return z
    gen, disc = z
    return State(gen, disc)




@dataclasses.dataclass(frozen=True)
class Box:
    """An axis-aligned domain per player: ``gen_low <(=) gen <(=) gen_high``, same for disc.

    ``*_closed`` says whether the bounds are attained (``p_g >= 0`` is closed, the discriminator
    of a log loss lives in the open interval ``(0, 1)``). Infinite bounds mean unconstrained.
    """

    gen_low: float = -math.inf
    gen_high: float = math.inf
    disc_low: float = -math.inf
    disc_high: float = math.inf
    gen_closed: bool = True
    disc_closed: bool = True

    def contains(self, state) -> jax.Array:
        """Boolean (jit/vmap-able): every coordinate of ``state`` lies in the box."""
        g, d = as_state(state)

        def inside(tree, lo, hi, closed):
            ok = jnp.asarray(True)
            for x in jax.tree_util.tree_leaves(tree):
                x = jnp.asarray(x)
                if closed:
                    ok = ok & jnp.all((x >= lo) & (x <= hi))
                else:
                    ok = ok & jnp.all((x > lo) & (x < hi))
            return ok

        return inside(g, self.gen_low, self.gen_high, self.gen_closed) & inside(
            d, self.disc_low, self.disc_high, self.disc_closed
        )

    def describe(self) -> str:
        def interval(lo, hi, closed, name):
            left = "[" if closed and math.isfinite(lo) else "("
            right = "]" if closed and math.isfinite(hi) else ")"
            return f"{name} in {left}{lo:g}, {hi:g}{right}"

        return (
            interval(self.gen_low, self.gen_high, self.gen_closed, "gen")
            + ", "
            + interval(self.disc_low, self.disc_high, self.disc_closed, "disc")
        )


UNBOUNDED = Box()


@dataclasses.dataclass(frozen=True)
class Game:
    """A two-player differentiable game given by its ascent fields.

    Attributes:
      name: short identifier (used by the atlas and the CLI).
      v_gen: ``(gen, disc, params) -> array like gen``, the generator's ascent direction.
      v_disc: ``(gen, disc, params) -> array like disc``, the discriminator's ascent direction.
      params: pytree of parameters (leaves; may be traced, e.g. vmapped over ``p_d``).
      equilibrium: the rest point ``State`` when known, else ``None`` (leaves).
      domain: where the state is meaningful (``Box``); trajectories leaving it are flagged.
      projection: optional ``(state, params) -> state`` applied by updaters after every step
        (weight clipping); ``None`` when the game declares none.
      info: static, hashable extra description (tuple of (key, value) pairs).
      smooth: static; False when the field is known not to be differentiable at the
        equilibrium (its Jacobian there is NaN by construction, e.g. WGAN-GP's kink at ψ = 0).
      continua: static intervals of rest points, ``((lo, hi), ...)`` (empty when isolated).
      objectives: static pair ``(I, J)`` of ``(gen, disc, params) -> scalar``, the objectives
        the players ascend (``v_gen = ∂I/∂gen``, ``v_disc = ∂J/∂disc``), or ``None`` when the
        game is given by its fields alone. Opponent shaping (LOLA) needs them.
    """

    name: str
    v_gen: Callable
    v_disc: Callable
    params: Any = None
    equilibrium: State | None = None
    domain: Box = UNBOUNDED
    projection: Callable | None = None
    info: tuple = ()
    smooth: bool = True
    continua: tuple = ()
    objectives: tuple | None = None

    # -- the joint field in its three everyday forms ------------------------------------
    def field(self, state) -> State:
        """Joint ascent field ``v(z) = (v_gen(g, d), v_disc(g, d))`` as a ``State``."""
        g, d = as_state(state)
        return State(
            jax.tree_util.tree_map(jnp.asarray, self.v_gen(g, d, self.params)),
            jax.tree_util.tree_map(jnp.asarray, self.v_disc(g, d, self.params)),
        )

    def flat_field(self, z_flat: jax.Array, like) -> jax.Array:
        """The field on a flat vector, unravelled like ``like`` (used by Jacobians)."""
        from jax.flatten_util import ravel_pytree

        _, unravel = ravel_pytree(as_state(like))
        v, _ = ravel_pytree(self.field(unravel(z_flat)))
        return v

    def in_domain(self, state) -> jax.Array:
        return self.domain.contains(state)

    def project(self, state) -> State:
        """Apply the declared projection (identity when there is none)."""
        state = as_state(state)
        if self.projection is None:
            return state
        return as_state(self.projection(state, self.params))

    def replace(self, **changes) -> Game:
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(
    Game,
    data_fields=["params", "equilibrium"],
    meta_fields=["name", "v_gen", "v_disc", "domain", "projection", "info", "smooth", "continua",
                 "objectives"],
)


def from_fields(name, v_gen, v_disc, params=None, *, equilibrium=None, domain=UNBOUNDED,
                projection=None, info=(), smooth=True, continua=(), objectives=None) -> Game:
    """A game from its two explicit ascent fields ``v_gen(g, d, p)`` and ``v_disc(g, d, p)``.

    ``objectives=(I, J)`` declares the objectives the fields are the gradients of (the caller
    vouches for ``v_gen = ∂I/∂g``, ``v_disc = ∂J/∂d``; explicit fields are often cheaper or
    more exact than autodiff of the objectives).
    """
    if equilibrium is not None:
        equilibrium = as_state(equilibrium)
    if objectives is not None:
        objectives = tuple(objectives)
        if len(objectives) != 2 or not all(callable(f) for f in objectives):
            raise ValueError("objectives must be a pair (I, J) of (gen, disc, params) -> scalar")
    return Game(name, v_gen, v_disc, params, equilibrium, domain, projection, tuple(info),
                bool(smooth), tuple(continua), objectives)


class HeldObjective:
    """An objective with quantities the method holds constant within a step (transport
    potentials, importance weights): subclasses define

      ``held(g, d, p)``: those quantities as functions of the current point, and
      ``value(g, d, p, h)``: the objective with them given as ``h``.

    Called as ``(g, d, p) -> scalar`` it is the objective as the method defines it, ``h``
    under ``stop_gradient``. The field ``from_objectives`` builds is ``∂/∂own value(g, d, p,
    h)`` with ``h = held(g, d, p)`` computed *outside* that gradient: held within the
    player's own gradient, yet a function of the point, so the field's Jacobian (``jacfwd``)
    sees how ``h`` moves with both players. ``stop_gradient`` inside the objective would
    cut that dependence from the Jacobian as well (it blocks forward tangents too), though
    central differences of the field see it.
    """

    def held(self, g, d, params):
        raise NotImplementedError

    def value(self, g, d, params, h):
        raise NotImplementedError

    def __call__(self, g, d, params):
        h = jax.tree_util.tree_map(jax.lax.stop_gradient, self.held(g, d, params))
        return self.value(g, d, params, h)


@dataclasses.dataclass(frozen=True)
class _GradOf:
    """``grad`` of an objective ``(g, d, p) -> scalar`` w.r.t. argument ``argnum``; for a
    ``HeldObjective`` the held quantities are evaluated at the point, outside the gradient.

    A frozen dataclass (not a lambda) so equal games compare equal and jit caches hit.
    """

    objective: Callable
    argnum: int

    def __call__(self, g, d, params):
        if isinstance(self.objective, HeldObjective):
            h = self.objective.held(g, d, params)
            return jax.grad(self.objective.value, argnums=self.argnum)(g, d, params, h)
        return jax.grad(self.objective, argnums=self.argnum)(g, d, params)


def from_objectives(name, gen_objective, disc_objective, params=None, **kw) -> Game:
    """A game from the objectives the players *ascend*: ``I(g, d, p)`` and ``J(g, d, p)``.

        v_gen = dI/dg,   v_disc = dJ/dd       (``jax.grad``)

An objective that holds some quantities constant within a step is a ``HeldObjective``.

    For a zero-sum game with loss ``L`` that the generator descends and the discriminator
    ascends use ``zero_sum``.
    """
    return from_fields(name, _GradOf(gen_objective, 0), _GradOf(disc_objective, 1), params,
                       objectives=(gen_objective, disc_objective), **kw)


@dataclasses.dataclass(frozen=True)
class _Neg:
    f: Callable

    def __call__(self, g, d, params):
        return -self.f(g, d, params)


def zero_sum(name, loss, params=None, **kw) -> Game:
    """``min_g max_d L(g, d)``: the generator ascends ``-L``, the discriminator ascends ``L``."""
    return from_objectives(name, _Neg(loss), loss, params, **kw)
