"""What is played: pure games, no state.

``all_games()`` (``gandyn.games.registry``) maps a section name ("pointwise", "dirac",
"bilinear") to a tuple of ``(name, factory)`` pairs; each factory returns a ``Game`` with its
equilibrium. The atlas and the generic tests iterate over it.
"""

from gandyn.games.base import (  # noqa: F401
    Box,
    Game,
    State,
    as_state,
    from_fields,
    from_objectives,
    zero_sum,
)
