"""Extragradient and extrapolation from the past.

Extragradient (Korpelevich 1976; for GANs Gidel et al. 2019, "A Variational Inequality
Perspective on Generative Adversarial Networks", Eq. EG):

    z_{k+1/2} = z_k + η' v(z_k)
    z_{k+1}   = z_k + η  v(z_{k+1/2})

with per-player rates η = (h_g, h_d) and extrapolation rates η' (= η by default). On
min_x max_y xy the map is ``I + ηA + η²A²`` with ``A² = -I``: ``ρ = sqrt(1 - η² + η⁴)``.

Extrapolation from the past (Gidel et al. 2019, Eq. EFP; Popov 1980) re-uses the field of the
previous extrapolated point, so it costs one field evaluation per step:

    z_{k+1/2} = z_k + η' w_k,           w_k = v(z_{k-1/2})   (kept in the updater state)
    z_{k+1}   = z_k + η  v(z_{k+1/2}),  w_{k+1} = v(z_{k+1/2})

``init`` sets ``w_0 = v(z_0)`` (so ``w = 0`` at an equilibrium: the augmented fixed point).
For a linear field the augmented map's characteristic polynomial per eigenvalue ``a`` of
``v'`` is ``λ² - (1 + 2ηa)λ + ηa``, the same as optimistic gradient's.
"""

from __future__ import annotations

from gandyn.updaters._tree import step_state
from gandyn.updaters.base import Updater, player_lrs, updater

__all__ = ["Extragradient", "ExtrapolationFromPast", "extragradient", "extrapolation_from_past"]


@updater()
class Extragradient(Updater):
    lr_gen: float
    lr_disc: float
    extra_gen: float
    extra_disc: float
    name = "extragradient"

    def _step(self, game, state, ustate):
        half = step_state(state, game.field(state), self.extra_gen, self.extra_disc)
        return step_state(state, game.field(half), self.lr_gen, self.lr_disc), ustate


def extragradient(lr, lr_disc: float | None = None, *, extra: float | None = None,
                  extra_disc: float | None = None) -> Extragradient:
    """Extragradient with rates ``lr``/``lr_disc``; extrapolation rates default to the same."""
    lg, ld = player_lrs(lr, lr_disc)
    eg = lg if extra is None else extra
    ed = (ld if extra is None else extra) if extra_disc is None else extra_disc
    return Extragradient(lg, ld, eg, ed)


@updater()
class ExtrapolationFromPast(Updater):
    lr_gen: float
    lr_disc: float
    extra_gen: float
    extra_disc: float
    name = "extrapolation_from_past"

    def init(self, game, state):
        return game.field(state)

    def _step(self, game, state, ustate):
        half = step_state(state, ustate, self.extra_gen, self.extra_disc)
        w = game.field(half)
        return step_state(state, w, self.lr_gen, self.lr_disc), w


def extrapolation_from_past(lr, lr_disc: float | None = None, *, extra: float | None = None,
                            extra_disc: float | None = None) -> ExtrapolationFromPast:
    """Extrapolation from the past (one field evaluation per step; state: the last
    extrapolated field)."""
    lg, ld = player_lrs(lr, lr_disc)
    eg = lg if extra is None else extra
    ed = (ld if extra is None else extra) if extra_disc is None else extra_disc
    return ExtrapolationFromPast(lg, ld, eg, ed)
