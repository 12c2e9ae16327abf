"""The Dirac-GAN's names table: losses and regularisers by name (no jax import).

``REGULARISERS`` maps a regulariser's name to ``(module, class name, parameters)`` with one
``Param(name, flag, default, help)`` per constructor argument, in order. The command line builds
its options and the regulariser objects from this table alone, so ``gandyn dirac --help`` does
not load the game. A new regulariser is one class in ``gandyn.games.dirac_regs`` plus one line
here. Parameters of different regularisers that share a flag share its value (R1 and R2 both
take ``--gamma``), so a shared flag must have one default.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

__all__ = ["LOSSES", "LOSS_TRIPLES", "REGULARISERS", "Param", "build", "regulariser_class"]

LOSSES = ("gan", "nsgan", "wgan", "lsgan", "hinge")

#: each named loss as the triple ``(f1, f2, f3)`` of ``gandyn.games.dirac.dirac_triple`` (the
#: critic ascends f1(ψ·c) + f2(ψ·θ), the generator f3(ψ·θ)), in the paper's orientation where
#: the critic scores fakes high: GAN's f1 = log σ(-D) = -softplus(D); LSGAN's targets are -1
#: for data and +1 for fakes, and the generator aims at the data's -1
LOSS_TRIPLES = {
    "gan": ("-softplus(D)", "-softplus(-D)", "softplus(-D)"),
    "nsgan": ("-softplus(D)", "-softplus(-D)", "-softplus(D)"),
    "wgan": ("-D", "D", "-D"),
    "lsgan": ("-(D + 1)**2/2", "-(D - 1)**2/2", "-(D + 1)**2/2"),
    "hinge": ("minimum(0, -D - 1)", "minimum(0, D - 1)", "-D"),
}


class Param(NamedTuple):
    name: str        # the constructor argument
    flag: str        # the command-line option
    default: float   # the command line's default
    help: str


_M = "gandyn.games.dirac_regs"

REGULARISERS = {
    "noise": (_M, "Noise", (Param("sigma", "--sigma", 0.5, "instance-noise std σ"),)),
    "r1": (_M, "R1", (Param("gamma", "--gamma", 1.0, "R1/R2 penalty weight γ"),)),
    "r2": (_M, "R2", (Param("gamma", "--gamma", 1.0, "R1/R2 penalty weight γ"),)),
    "wgan-gp": (_M, "WGANGP", (Param("lam", "--lam", 1.0, "WGAN-GP/LP weight λ"),
                               Param("g0", "--g0", 1.0, "WGAN-GP/LP target gradient norm"))),
    "clip": (_M, "Clip", (Param("c", "--clip", 0.1, "weight-clipping bound C"),)),
    "nk": (_M, "NK", (Param("eta", "--eta", 1.0, "Nagarajan–Kolter weight η"),)),
    "dragan": (_M, "DRAGAN", (Param("lam", "--dragan-lam", 1.0, "DRAGAN weight λ"),
                              Param("k", "--k", 1.0, "DRAGAN target gradient norm k"))),
    "lecam": (_M, "LeCam", (Param("lam", "--lecam-lam", 1.0, "LeCam weight λ"),
                            Param("rho", "--rate", 1.0, "LeCam anchor rate ρ"))),
    "wgan-lp": (_M, "WGANLP", (Param("lam", "--lam", 1.0, "WGAN-GP/LP weight λ"),
                               Param("g0", "--g0", 1.0, "WGAN-GP/LP target gradient norm"))),
}


def regulariser_class(name: str):
    """The class registered under ``name`` (imports its module)."""
    if name not in REGULARISERS:
        raise ValueError(f"unknown Dirac-GAN regulariser {name!r}; "
                         f"valid: {', '.join(REGULARISERS)}")
    module, cls, _ = REGULARISERS[name]
    return getattr(importlib.import_module(module), cls)


def build(name: str, **values):
    """The regulariser ``name`` with the table's defaults overridden by ``values``."""
    params = REGULARISERS[name][2] if name in REGULARISERS else ()
    cls = regulariser_class(name)
    return cls(*(values.get(p.name, p.default) for p in params))
