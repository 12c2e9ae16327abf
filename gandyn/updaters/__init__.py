"""How a game is played: one module per update-rule family, each an ``Updater`` pytree."""

from gandyn.updaters.adjust import Adjusted, Adjustment, adjust, adjustment  # noqa: F401
from gandyn.updaters.alternating import Alternating, alternating  # noqa: F401
from gandyn.updaters.base import Updater, player_lrs, updater  # noqa: F401
from gandyn.updaters.cgd import CGD, cgd  # noqa: F401
from gandyn.updaters.consensus import Consensus, consensus, consensus_field  # noqa: F401
from gandyn.updaters.extragradient import (  # noqa: F401
    Extragradient,
    ExtrapolationFromPast,
    extragradient,
    extrapolation_from_past,
)
from gandyn.updaters.hamiltonian import Hamiltonian, hamiltonian, hamiltonian_field  # noqa: F401
from gandyn.updaters.lola import LA, LOLA, la, la_field, lola, lola_field  # noqa: F401
from gandyn.updaters.lookahead import Lookahead, LookaheadState, lookahead  # noqa: F401
from gandyn.updaters.momentum import NegativeMomentum, negative_momentum  # noqa: F401
from gandyn.updaters.optax_players import OptaxPlayers, optax_players  # noqa: F401
from gandyn.updaters.optimistic import Optimistic, optimistic  # noqa: F401
from gandyn.updaters.registry import ALL_UPDATERS  # noqa: F401
from gandyn.updaters.sga import SGA, sga, sga_field  # noqa: F401
from gandyn.updaters.simultaneous import Simultaneous, simultaneous  # noqa: F401
