"""What is played: pure games, no state.

``all_games()`` (``gandyn.games.registry``) maps a section name ("pointwise", "dirac",
"bilinear") to a tuple of ``(name, factory)`` pairs; each factory returns a ``Game`` with its
equilibrium. The atlas and the generic tests iterate over it.
"""

# Game, State, ... live in gandyn.games.base; they are imported on first use so that the
# command line's name tables (gandyn.games.dirac_names) load without jax.
_BASE = ("Box", "Game", "State", "as_state", "from_fields", "from_objectives", "zero_sum")


def __getattr__(name):
    if name in _BASE:
        from gandyn.games import base

        return getattr(base, name)
    raise AttributeError(f"module 'gandyn.games' has no attribute {name!r}")
