"""One explicit step of the gradient flow ``dz/dt = v(z)``, shared by every fixed-step driver
(the global test of ``check_triple``, the phase portraits' orbits).

The step is separate from the drivers, as in diffrax: a driver owns the loop, the step size
control and the stopping rule; the step only advances the state. ``gandyn.ode`` wraps the same
classical tableau as a diffrax solver for adaptive and saved-at-times integration.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

__all__ = ["rk4_step"]


def rk4_step(f: Callable, y, h, k1=None):
    """One classical Runge–Kutta step (Kutta 1901) of ``dy/dt = f(y)`` for any pytree ``y``:

        k1 = f(y), k2 = f(y + h/2 k1), k3 = f(y + h/2 k2), k4 = f(y + h k3),
        y' = y + h/6 (k1 + 2 k2 + 2 k3 + k4)      (local error O(h^5)).

    ``k1`` may be passed when the caller already evaluated ``f(y)``.
    """
    tmap = jax.tree_util.tree_map
    if k1 is None:
        k1 = f(y)

    def at(c, k):
        return tmap(lambda a, b: a + c * b, y, k)

    k2 = f(at(0.5 * h, k1))
    k3 = f(at(0.5 * h, k2))
    k4 = f(at(h, k3))
    w = h / 6.0
    return tmap(lambda a, b1, b2, b3, b4: a + w * (b1 + 2 * b2 + 2 * b3 + b4), y, k1, k2, k3, k4)
