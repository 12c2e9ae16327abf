"""The engine benchmark (``gandyn bench``); its code is ``gandyn/commands/bench_harness.py``.

    PYTHONPATH=. python benchmarks/bench.py [--quick] [--json]
"""

import sys

from gandyn.commands.bench_harness import main

if __name__ == "__main__":
    sys.exit(main())
