"""How a game is played: one module per update-rule family, each an ``Updater`` pytree."""

from gandyn.updaters.base import Updater, player_lrs, updater  # noqa: F401
from gandyn.updaters.simultaneous import Simultaneous, simultaneous  # noqa: F401
