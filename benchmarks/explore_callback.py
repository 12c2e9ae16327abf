"""The explore notebook's slider callback, measured after warm-up (JSON on stdout).

    PYTHONPATH=. python benchmarks/explore_callback.py [repeats=15]

One redraw = ``gandyn.explore.redraw`` (build game and updater, run the cached jitted program:
field grid, 150 iterates, both spectra) + the matplotlib draw rendered to PNG on an Agg canvas
(what the ipywidgets Image shows). For each configuration: one warm-up call (compiles), then
``repeats`` calls with a slider value changed every time (γ, lr, p_d); the median and the
spread are reported (wall clock, and process CPU time, which a shared machine inflates
less), with the share of the compute alone (``compute_s``) and the number of
programs compiled (must stay at one per configuration). Prints os.getloadavg() too: the
machine may be shared.
"""
import json
import os
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import numpy as np  # noqa: E402

from gandyn import explore as E  # noqa: E402

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
CONFIGS = [
    ("dirac gan + r1, simultaneous", dict(loss="dirac:gan", reg="r1", rule="simultaneous"),
     lambda i: dict(gamma=0.1 + 0.1 * i, lr=0.05 + 0.01 * i)),
    ("dirac gan + noise, extragradient", dict(loss="dirac:gan", reg="noise",
                                              rule="extragradient"),
     lambda i: dict(sigma=0.1 + 0.05 * i)),
    ("pointwise classic, alternating n_disc=2", dict(loss="pointwise:classic", rule="alternating",
                                                     n_disc=2),
     lambda i: dict(pd=0.2 + 0.05 * i, lr=0.1 + 0.01 * i)),
]


def main():
    fig = E.figure()
    rows = []
    for name, fixed, vary in CONFIGS:
        t0 = time.perf_counter()
        E.to_png(E.redraw(fig, **fixed))
        first = time.perf_counter() - t0
        total, comp, cpu = [], [], []
        for i in range(REPEATS):
            c0 = time.process_time()
            t0 = time.perf_counter()
            d = E.compute(**fixed, **vary(i))
            t1 = time.perf_counter()
            E.to_png(E.draw(fig, d))
            t2 = time.perf_counter()
            cpu.append(time.process_time() - c0)
            total.append(t2 - t0)
            comp.append(t1 - t0)
        rows.append(dict(config=name, first_call_s=round(first, 3),
                         median_redraw_s=round(float(np.median(total)), 4),
                         min_redraw_s=round(min(total), 4), max_redraw_s=round(max(total), 4),
                         median_compute_s=round(float(np.median(comp)), 4),
                         median_redraw_cpu_s=round(float(np.median(cpu)), 4)))
    out = dict(benchmark="explore_callback", repeats=REPEATS, goal_s=0.3,
               programs_compiled=E.compiled_programs(), configs=len(CONFIGS),
               loadavg=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count(),
               jax=jax.__version__, rows=rows)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
