"""Parametric players: flax (linen) networks as pure functions ``apply_fn(params, xs)``.

Importing this package imports flax; nothing else in gandyn does (``import gandyn`` stays light).
"""

from gandyn.players.mlp import ACTIVATIONS, MLPApply, count_params, mlp, power_iterate

__all__ = ["ACTIVATIONS", "MLPApply", "count_params", "mlp", "power_iterate"]
