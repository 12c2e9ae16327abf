"""Symplectic gradient adjustment (Balduzzi et al. 2018, "The Mechanics of n-Player
Differentiable Games", Algorithm 1; Letcher et al. 2019, JMLR).

The paper works with the *descent* direction ξ = (∇_g ℓ_g, ∇_d ℓ_d) of the players' losses
and its Jacobian H = ∇ξ with antisymmetric part A = (H - Hᵀ)/2:

    ξ_λ = ξ + λ Aᵀ ξ,    λ ← λ · sign( ⟨ξ, ∇ℋ⟩ ⟨Aᵀξ, ∇ℋ⟩ / d + ε ),    ∇ℋ = Hᵀ ξ

(ℋ = ½‖ξ‖², d the number of parameters, ε = 1/10). gandyn's field is the *ascent* direction
``v = -ξ`` with Jacobian ``J = -H``, so with ``A_J = (J - Jᵀ)/2 = -A``:

    v_λ = -ξ_λ = v + λ Aᵀ v  (A of the losses)  =  v - λ A_Jᵀ v  =  v + λ A_J v,
    ⟨ξ, ∇ℋ⟩ ⟨Aᵀξ, ∇ℋ⟩ = -⟨v, Jᵀv⟩ ⟨A_Jᵀ v, Jᵀv⟩,
    z_{k+1} = z_k + η v_λ(z_k).

``A_Jᵀ v = (Jᵀv - Jv)/2`` costs one jvp and one vjp. On min_x max_y xy (``A_J = J``,
``JᵀJ = I``, alignment sign +1) the map is ``I + η(J - λI)``: eigenvalues ``1 - ηλ ± iη``,
the same as consensus optimisation with γ = λ.
"""

from __future__ import annotations

import jax.numpy as jnp

from gandyn.games.base import State
from gandyn.updaters._tree import axpy, field_and_vjp, field_jvp, scale, size, sub, vdot
from gandyn.updaters.adjust import Adjusted, Adjustment, adjustment
from gandyn.updaters.base import player_lrs
from gandyn.updaters.simultaneous import Simultaneous

__all__ = ["SGA", "sga", "sga_field"]


@adjustment(meta=("align",))
class SGA(Adjustment):
    """``v - λ_s A_Jᵀ v`` (λ_s = λ · alignment sign when ``align``)."""

    lam: float = 1.0
    eps: float = 0.1
    align: bool = True
    name = "sga"

    def field(self, game, state) -> State:
        v, vjp = field_and_vjp(game, state)
        jtv = vjp(v)                       # Jᵀv = ∇ℋ
        jv = field_jvp(game, state, v)     # J v
        atv = scale(0.5, sub(jtv, jv))     # A_Jᵀ v
        lam = self.lam
        if self.align:
            s = jnp.sign(-vdot(v, jtv) * vdot(atv, jtv) / size(state) + self.eps)
            lam = lam * s
        return State(axpy(-lam, atv.gen, v.gen), axpy(-lam, atv.disc, v.disc))


def sga_field(game, state, lam, align: bool = True, eps=0.1) -> State:
    """The adjusted ascent field ``v - λ_s A_Jᵀ v``."""
    return SGA(lam, eps, align).field(game, state)


def sga(lr, lr_disc: float | None = None, *, lam: float = 1.0, align: bool = True,
        eps: float = 0.1) -> Adjusted:
    """Symplectic gradient adjustment with rates ``lr``/``lr_disc``, strength ``lam`` and
    the sign-alignment rule (``align=False`` keeps λ's sign fixed)."""
    return Adjusted(SGA(lam, eps, align), Simultaneous(*player_lrs(lr, lr_disc)))
