"""The live training panel of ``gandyn serve``: a small ensemble of GANs (8 seeds, width 32,
on the ring) trained block by block (``gandyn.train.train_iter``); after each block the page
shows every generator's samples (``gandyn.train.samples``), one colour per GAN.

Long work has a budget: at most ``MAX_STEPS`` steps and ``BUDGET_S`` seconds of wall time per
run (the first block compiles the program: seconds); past the budget the run stops with a
message. Training runs in its own worker thread, so the phase portrait stays live meanwhile.
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LOSSES = ("nsgan", "gan", "lsgan", "hinge", "wgan-gp")
SEEDS, WIDTH, DATA = 8, 32, "ring"
BLOCK = 100
MAX_STEPS = 5000
BUDGET_S = 180.0
N_SAMPLES = 256
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#666666")
TRAINER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gandyn-train")


def run(loss: str, steps: int, report, stop: threading.Event, budget_s: float = BUDGET_S,
        clock=time.monotonic) -> str:
    """Train and call ``report(step, steps, samples)`` after every block; returns the last
    line to show (done, stopped, or cut off by the time budget)."""
    from gandyn import train as T

    t0 = clock()
    step = 0
    for p in T.train_iter(loss, DATA, seeds=SEEDS, steps=int(steps), block=BLOCK, width=WIDTH):
        step = p.step
        report(p.step, p.steps, T.samples(p.result, N_SAMPLES))
        if stop.is_set():
            return f"stopped at step {step}"
        if clock() - t0 > budget_s and p.step < p.steps:
            return (f"cut off at step {step} of {p.steps}: the time budget of {budget_s:g} s "
                    "per run is spent (choose fewer steps)")
    return f"done: {step} steps in {clock() - t0:.1f} s"


class TrainPanel:
    """Widgets, a scatter of samples and the run in the background."""

    def __init__(self, doc):
        from bokeh.layouts import column, row
        from bokeh.models import Button, ColumnDataSource, Div, Select, Slider
        from bokeh.plotting import figure

        self.doc = doc
        self.stop = threading.Event()
        self.running = False
        self.loss = Select(title="loss (8 GANs, width 32, ring data)", value="nsgan",
                           options=list(LOSSES), name="train_loss", width=270)
        self.steps = Slider(title="training steps", start=BLOCK, end=MAX_STEPS, step=BLOCK,
                            value=2000, name="train_steps", width=270)
        self.go = Button(label="train", button_type="primary", name="train", width=130)
        self.halt = Button(label="stop", name="train_stop", width=130)
        self.status = Div(text="train a small ensemble and watch its samples move",
                          name="train_status", width=270)
        self.src = ColumnDataSource({"x": [], "y": [], "color": []}, name="samples")
        p = figure(width=420, height=420, match_aspect=True, name="samples_plot",
                   title="generators' samples (one colour per GAN)",
                   tools="pan,wheel_zoom,reset,save")
        p.scatter("x", "y", source=self.src, color="color", size=3, alpha=0.6)
        self.plot = p
        self.go.on_click(self.start)
        self.halt.on_click(lambda: self.stop.set())
        self.layout = row(column(Div(text="<b>live training</b>"), self.loss, self.steps,
                                 row(self.go, self.halt), self.status), p)

    def start(self):
        if self.running:
            return
        self.running, _ = True, self.stop.clear()
        self.status.text = "compiling the training program (seconds), then a block at a time…"
        loss, steps = self.loss.value, int(self.steps.value)

        def report(step, total, s):
            self.doc.add_next_tick_callback(functools.partial(self._show, step, total, s))

        def done(f):
            try:
                line = f.result()
            except Exception as e:  # noqa: BLE001 -- one line on the page, the page lives on
                line = f"training failed: {type(e).__name__}: {e}"
            self.doc.add_next_tick_callback(functools.partial(self._finish, line))

        TRAINER.submit(run, loss, steps, report, self.stop).add_done_callback(done)

    def _show(self, step, total, s):
        s = np.asarray(s, float)
        lanes, n = s.shape[:2]
        colours = np.repeat(np.array(COLOURS * (lanes // len(COLOURS) + 1))[:lanes], n)
        flat = s.reshape(-1, s.shape[-1])
        ok = np.all(np.isfinite(flat), axis=1)
        self.src.data = {"x": flat[ok, 0], "y": flat[ok, 1], "color": colours[ok].tolist()}
        self.status.text = f"step {step} of {total}"

    def _finish(self, line):
        self.running = False
        self.status.text = line
