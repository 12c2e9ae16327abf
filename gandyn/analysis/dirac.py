"""What the Dirac-GAN's spectrum says, including where the field has no Jacobian.

``analyse(game)`` reports the equilibrium, the jacfwd Jacobian, eigenvalues, kind, verdict and a
note for a game built by ``gandyn.games.dirac.dirac``. Where a penalty ``λ(‖ψ‖ - k)²`` with
k > 0 (WGAN-GP, DRAGAN) makes the field jump at ψ = 0 its regularisers declare it (``kink()``
= ``2λk``, the radius of the penalty gradient's set-valued limit at ψ = 0; ``pins_theta`` when
the generator field at ψ = 0 vanishes only at θ = c). In the Filippov sense the rest points
on ψ = 0 are then ``{ψ = 0, ‖θ - c‖ <= r}`` with ``r = Σ kink / f'(0)`` (0 when a regulariser
pins θ): v_ψ(θ, 0) = f'(0)(θ - c) + (Σ kink) B contains 0 iff ‖θ - c‖ <= r (Mescheder et al.
2018, Sec. 3, WGAN-GP: no convergence to the equilibrium).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.analysis.spectrum import eigenvalues, jacobian, spectrum_summary
from gandyn.games.base import Game, State
from gandyn.games.dirac import loss_constants, split_disc

__all__ = ["analyse"]


def _with_psi(disc, psi, regs):
    _, states = split_disc(disc, regs)
    return (psi, *states.values()) if states else psi


def analyse(game: Game) -> dict:
    """Equilibrium, Jacobian, eigenvalues, kind and verdict of a Dirac game, with a note.

    Where the Jacobian at the equilibrium is not defined (``game.smooth`` is False: WGAN-GP /
    DRAGAN with a non-zero target norm) the report says so and measures instead the jump of
    the field at ψ = 0: ``‖v(c, εu)‖`` for a unit u and ε → 0 (= ``Σ kink``), and gives the set
    of Filippov rest points ``rest_set = {"psi": 0, "theta_centre": c, "theta_radius": r}``
    (module docstring). A Jacobian or spectrum that is not finite (overflow, a non-finite
    parameter) gives verdict ``"undetermined"`` and a line in ``warnings``. Numbers are Python
    floats/lists.
    """
    p = game.params
    regs = p.regs
    J = jax.jit(jacobian)(game)
    out: dict = {"equilibrium": jax.tree_util.tree_map(lambda x: np.asarray(x).tolist(),
                                                       tuple(game.equilibrium))}
    notes, warnings = [], []
    e = None if not game.smooth else np.asarray(eigenvalues(J))
    if game.smooth and not (np.all(np.isfinite(np.asarray(J))) and np.all(np.isfinite(e))):
        # overflow (a huge weight) or a non-finite parameter: nothing can be concluded
        out.update(jacobian=None, eigenvalues=[], kind="degenerate", verdict="undetermined")
        warnings.append("the Jacobian or its eigenvalues at the equilibrium are not finite "
                        "(a parameter is non-finite or so large that float64 overflows): "
                        "verdict undetermined")
    elif not game.smooth:
        eq = game.equilibrium
        psi0, _ = split_disc(eq.disc, regs)
        u = jnp.zeros_like(psi0).at[0].set(1.0)
        vd, _ = split_disc(game.field(State(eq.gen, _with_psi(eq.disc, psi0 + 1e-9 * u,
                                                               regs))).disc, regs)
        jump = float(jnp.linalg.norm(vd))
        out.update(jacobian=None, eigenvalues=[], kind="non-smooth", verdict="unstable")
        ball = sum(float(r.kink()) for r in regs)
        pinned = any(r.pins_theta for r in regs)
        # |f'(0)|: a loss triple may be written the other way round (f'(0) < 0), and its
        # rest point θ* need not be c (gandyn.games.dirac.dirac_triple)
        fp = abs(loss_constants(p.loss)[0])
        radius = 0.0 if pinned else (ball / fp if fp else float("inf"))
        out["rest_set"] = {"psi": 0.0, "theta_centre": np.asarray(eq.gen).tolist(),
                           "theta_radius": radius}
        notes.append(
            "the field is discontinuous at psi=0 (penalty (|grad D| - k)^2 with k > 0): along "
            f"psi = eps*u the discriminator field tends to 2*lam*k*u, |jump| = {jump:.6g} != 0; "
            "near the equilibrium the generator field vanishes only at psi = 0, so there is no "
            "rest point where the field is differentiable. In the set-valued (Filippov) sense "
            f"the rest points on psi = 0 are the whole set |theta - c| <= {radius:.6g} "
            "(= 2 lam k / f'(0)"
            + (", collapsed to theta = c by the Nagarajan-Kolter term" if pinned else "")
            + "): (c, 0) is not isolated, and not attracting: inside the set the psi-field "
            "points away from psi = 0 on both sides, psi is thrown onto |psi| ~ k and the "
            "trajectory does not return: with a strong penalty (WGAN, k = 1: lam >= f'(0)) it "
            "comes to rest at the end theta = c -/+ r of the set, with a weaker one it keeps "
            "circling "
            "(Mescheder et al. 2018, Sec. 3, WGAN-GP: no convergence to the equilibrium)"
        )
        out["jump"] = jump
    else:
        # kind and verdict from J itself (signs within rounding), as `gandyn check`
        s = spectrum_summary(e, jac=J)
        out.update(jacobian=np.asarray(J).tolist(), eigenvalues=s["eigenvalues"], kind=s["kind"],
                   verdict=s["verdict"])
        if out["kind"] == "centre":
            notes.append("purely imaginary spectrum: trajectories circle the equilibrium "
                         "(no convergence in continuous time; simultaneous GD spirals out)")
        elif out["verdict"] == "marginal":
            notes.append("some eigenvalues lie on the imaginary axis (the rest have Re < 0): "
                         "along those directions trajectories circle, the equilibrium is not "
                         "attracting")
    if any(r.projects for r in regs):
        notes.append("weight clipping is a projection inactive within |psi_i| < C, hence "
                     "in a neighbourhood of (c, 0): it leaves the local spectrum unchanged and "
                     "cannot make the equilibrium attracting")
    out["note"] = "; ".join(notes + warnings)
    out["warnings"] = warnings
    return out
