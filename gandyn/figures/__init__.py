"""The committed figures (``figures/*.png``) and how to make each: ``gandyn figures``.

``FIGURES`` is an ordered tuple of ``Figure(name, caption, make)``; ``make(smoke)`` returns a
matplotlib ``Figure`` (object-oriented API, no pyplot state). ``smoke=True`` shrinks grids and
step counts so that tests and notebooks can run every recipe in seconds; the committed PNGs are
made with ``smoke=False``.

Every number comes from the library: games from ``gandyn.games`` (pointwise triples, the
Dirac-GAN, x·y), update rules from ``gandyn.updaters``, flows from ``gandyn.ode``, long runs
from ``gandyn.simulate``, spectra and stability maps from ``gandyn.analysis``; the plot
functions of ``gandyn.plot`` only draw.
"""

from __future__ import annotations

import os

from gandyn.figures import change, divergences, idealised, kernel, methods, train
from gandyn.figures.idealised import SEED_PD, SEED_START, portrait_hook  # noqa: F401
from gandyn.figures.record import Figure
from gandyn.io import atomic_write, ensure_writable_output

__all__ = ["FIGURES", "Figure", "make", "names", "portrait_hook"]

# one line per figure module: a new topic is one module plus its line here
FIGURES = (
    *idealised.FIGURES,
    *kernel.FIGURES,
    *divergences.FIGURES,
    *change.FIGURES,
    *methods.FIGURES,
    *train.FIGURES,
)

def names() -> tuple:
    return tuple(f.name for f in FIGURES)


def make(name: str, out_dir: str = "figures", smoke: bool = False, dpi: int = 110) -> str:
    """Make figure ``name`` and save it as ``out_dir/name.png``; returns the path."""
    table = {f.name: f for f in FIGURES}
    if name not in table:
        raise ValueError(f"unknown figure {name!r}; valid: {', '.join(table)}")
    fig = table[name].make(smoke)
    ensure_writable_output(out_dir)
    path = os.path.join(out_dir, f"{name}.png")
    # the Dirac grids are large: a lower resolution keeps the PNG small
    big = name in ("dirac_grid", "dirac_unregularised", "dirac_regularised")
    atomic_write(path, lambda t: fig.savefig(t, dpi=min(dpi, 75) if big else dpi))
    return path
