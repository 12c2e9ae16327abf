"""The defaults of ``gandyn.train`` and of ``gandyn train``, in one place.

Plain constants, no jax: the command line reads them for its options and its ``--help`` (which
must stay instant), the library for ``train()`` and ``Config``.
"""

LOSS = "nsgan"
DATA = "ring"
UPDATER = "default"
#: one learning rate for every loss and update rule (the README's budget); the losses' papers
#: used other rates (``LOSS_RECIPES``), and plain gradient rules move slowly at this one
LR = 1e-3
BATCH = 128
SEEDS = 64
STEPS = 1000
WIDTH = 64
DEPTH = 2
ZDIM = 2
N_EVAL = 1024
#: records of the metrics over a run when ``record_every`` is not given (the CLI's steps/10)
RECORDS = 10
#: status checks every this many steps
CHECK_EVERY = 10
#: progress blocks per run when ``block`` is not given (a host round trip each)
BLOCKS = 100
