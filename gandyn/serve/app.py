"""The Bokeh document of ``gandyn serve``: controls, four panels, tap handling, sharing.

``make_document(doc)`` is the Bokeh application: one ``Session`` per browser tab holds the
settings (read from the query string at the start), computes ``gandyn.explore.lab`` after each
change and assigns the columns of ``gandyn.serve.views`` to the plots' sources. Bad input (a
triple that does not parse, a query value out of range) shows one line in the Div named
``message`` and leaves the last good picture in place.
"""

from __future__ import annotations

import functools
import html
import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from gandyn.serve import state as S
from gandyn.serve import views as V

#: every computation of every page runs here, one at a time, off the server's event loop: a
#: first compilation (seconds) then never stalls the page's files, the websocket or exports
EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gandyn-lab")

SLIDERS = {  # name: title
    "pd": "p_d (data density, pointwise games)",
    "gamma": "γ (R1/R2 weight, η of nk, bilinear quadratic weight)",
    "sigma": "σ (noise regulariser)",
    "lr": "learning rate",
    "n_disc": "n_disc (alternating: D steps per G step)",
    "steps": "steps of the update rule",
}


class Session:
    """One page: its widgets, sources and settings."""

    def __init__(self, doc, query=None):
        from bokeh.events import Tap
        from bokeh.layouts import column, row
        from bokeh.models import (ColorBar, ColumnDataSource, CustomJS, Div, LinearColorMapper,
                                  Select, Slider, TextInput)
        from bokeh.plotting import figure

        from gandyn.explore import lab_games

        self.doc = doc
        self.settings, errors = S.from_query(query or {}, lab_games())
        self.data = None
        self.selected = None  # the rest point a tap chose
        s = self.settings

        # -- controls ---------------------------------------------------------------------
        self.w = {}
        self.w["loss"] = Select(title="game", value=s["loss"], options=list(lab_games()),
                                name="loss", width=270)
        for k in ("f1", "f2", "f3"):
            self.w[k] = TextInput(title=f"{k}(x), x = D", value=s[k], name=k, width=270,
                                  css_classes=[f"gandyn-{k}"])
        self.w["reg"] = Select(title="regulariser (Dirac-GAN)", value=s["reg"],
                               options=list(S.DIRAC_REGS), name="reg", width=270)
        self.w["rule"] = Select(title="update rule", value=s["rule"], options=list(S.RULES),
                                name="rule", width=270)
        for k, title in SLIDERS.items():
            lo, hi, step = S.RANGES[k]
            self.w[k] = Slider(title=title, start=lo, end=hi, step=step, value=s[k], name=k,
                               width=270, css_classes=[f"gandyn-{k}"])
        for k, wdg in self.w.items():
            wdg.on_change("value", self._changed(k))
        self.message = Div(text="", name="message", width=270,
                           styles={"color": "#b2182b", "font-weight": "bold"})
        self.status = Div(text="computing… (the first picture of a game compiles its "
                          "program: a few seconds)", name="status", width=270)
        self.summary = Div(text="", name="summary", width=620)
        self.info = Div(text="tap the plane: a flow and the iterates start there; tap a rest "
                        "point: its eigenvalues and verdict", name="info", width=620)
        self.export = Div(text="", name="export", width=270)
        # the query string of the current settings: the browser's address follows it
        self.query = Div(text="", name="query", visible=False)
        self.query.js_on_change("text", CustomJS(code="""
            const q = cb_obj.text;
            window.history.replaceState(null, '', q ? '?' + q : window.location.pathname);"""))

        # -- the phase portrait -------------------------------------------------------------
        tools = "pan,wheel_zoom,box_zoom,reset,save"
        p = figure(width=640, height=480, tools=tools, name="portrait",
                   title="phase portrait (tap to start a flow and the iterates)")
        self.src = {k: ColumnDataSource(v, name=k) for k, v in {
            "stream": {"x": [], "y": []},
            "arrows": {"x": [], "y": [], "angle": []},
            "null_across": {"x": [], "y": []},
            "null_up": {"x": [], "y": []},
            "rest": {"x": [], "y": [], "kind": [], "color": []},
            "flow": {"x": [], "y": []},
            "iterates": {"x": [], "y": []},
            "start": {"x": [], "y": []},
            "selected": {"x": [], "y": []},
            "equilibrium": {"x": [], "y": []},
            "distance": {"x": [], "y": []},
            "rate": {"x": [], "y": []},
            "spectrum": {"x": [], "y": [], "modulus": []},
            "map": {"image": [], "x": [], "y": [], "dw": [], "dh": []},
            "boundary": {"xs": [], "ys": []},
            "here": {"x": [], "y": []},
        }.items()}
        src = self.src
        p.line("x", "y", source=src["stream"], line_color="#9e9e9e", line_width=1)
        p.scatter("x", "y", angle="angle", source=src["arrows"], marker="triangle", size=7,
                  color="#9e9e9e")
        self._null = [p.line("x", "y", source=src[k], line_color=c, line_width=2,
                             line_dash="dashed", legend_label=f"nullcline {w}")
                      for k, c, w in (("null_across", "#2c7fb8", "across"),
                                      ("null_up", "#e6550d", "up"))]
        p.line("x", "y", source=src["flow"], line_color="#08519c", line_width=2.5,
               legend_label="flow")
        p.line("x", "y", source=src["iterates"], line_color="#cb181d", line_width=1.2,
               legend_label="iterates")
        p.scatter("x", "y", source=src["iterates"], size=3, color="#cb181d")
        p.scatter("x", "y", source=src["start"], size=9, color="#cb181d", marker="circle")
        p.scatter("x", "y", source=src["rest"], size=13, color="color", line_color="black",
                  legend_field="kind")
        p.scatter("x", "y", source=src["equilibrium"], size=18, marker="star", color="black",
                  fill_alpha=0.0, line_width=2)
        p.scatter("x", "y", source=src["selected"], size=24, marker="circle", fill_alpha=0,
                  line_color="black", line_width=2)
        p.legend.label_text_font_size = "9pt"
        p.add_layout(p.legend[0], "right")  # beside the plane: nothing of it hidden
        p.on_event(Tap, self._tap)
        self.portrait = p

        # -- distance to equilibrium, spectrum, stability map --------------------------------
        c = figure(width=640, height=300, y_axis_type="log", tools=tools, name="convergence",
                   title="distance to the equilibrium against ρ^k", x_axis_label="step k")
        c.line("x", "y", source=src["distance"], color="#cb181d", line_width=2,
               legend_label="distance")
        c.line("x", "y", source=src["rate"], color="#525252", line_dash="dashed",
               line_width=1.5, legend_label="dist₀ ρ^k")
        c.legend.location = "bottom_left"
        sp = figure(width=400, height=380, tools=tools, name="spectrum", match_aspect=True,
                    title="update map's spectrum", x_axis_label="Re", y_axis_label="Im")
        t = np.linspace(0, 2 * np.pi, 200)
        sp.line(np.cos(t), np.sin(t), color="#737373")
        sp.scatter("x", "y", source=src["spectrum"], size=10, color="#cb181d")
        self.spectrum = sp
        m = figure(width=400, height=400, tools=tools, name="stability_map",
                   title="stability map: ρ over lr × γ", x_axis_label="learning rate",
                   y_axis_label="γ", x_range=(0, 1), y_range=(0, 3))
        from bokeh.palettes import RdBu11

        cmap = LinearColorMapper(palette=list(RdBu11), low=0.0, high=2.0)
        m.image(image="image", x="x", y="y", dw="dw", dh="dh", source=src["map"],
                color_mapper=cmap)
        m.multi_line("xs", "ys", source=src["boundary"], color="black", line_width=2)
        m.scatter("x", "y", source=src["here"], size=14, marker="x", color="black",
                  line_width=3)
        m.add_layout(ColorBar(color_mapper=cmap, title="ρ", width=10), "right")
        self.convergence, self.map = c, m

        controls = column(self.w["loss"], self.w["f1"], self.w["f2"], self.w["f3"],
                          self.w["reg"], self.w["rule"],
                          *(self.w[k] for k in SLIDERS), self.message, self.status,
                          self.export, self.query)
        from gandyn.serve.training import TrainPanel

        self.training = TrainPanel(doc)
        self.layout = column(row(controls, column(p, self.summary, self.info, c),
                                 column(sp, m)), self.training.layout, name="page")
        doc.add_root(self.layout)
        doc.title = "gandyn serve"
        self._show_family()
        if errors:
            self.message.text = html.escape("; ".join(errors))
        doc.add_next_tick_callback(self.update)

    # -- events ---------------------------------------------------------------------------
    def _changed(self, name):
        def cb(attr, old, new):
            if name in S.RANGES:  # a keyed slider adds steps in binary: 0.11999999999999998
                step = S.RANGES[name][2]
                new = float(f"{round(new / step) * step:.12g}")
                new = int(new) if name in ("n_disc", "steps") else new
            self.settings[name] = new
            self._t_event = getattr(self, "_t_event", None) or time.perf_counter()
            if name == "loss":  # a start belongs to the plane of its game
                self.settings["x0"] = self.settings["y0"] = None
                self.selected = None
                self.src["selected"].data = {"x": [], "y": []}
            self._show_family()
            self._schedule()
        return cb

    def _schedule(self):
        """Coalesce a burst of slider events into one computation."""
        if not getattr(self, "_pending", False):
            self._pending = True
            self.doc.add_next_tick_callback(self.update)

    def _show_family(self):
        loss = self.settings["loss"]
        for k in ("f1", "f2", "f3"):
            self.w[k].visible = loss == "triple"
        self.w["reg"].visible = loss.startswith("dirac:")
        self.w["pd"].visible = loss == "triple" or loss.startswith("pointwise:")
        self.w["n_disc"].visible = self.settings["rule"] == "alternating"

    def _tap(self, event):
        x, y = float(event.x), float(event.y)
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        if self.data is not None:
            from gandyn.explore import nearest_rest_point

            r = nearest_rest_point(self.data, (x, y))
            if r is not None:
                self.selected = r
                self.src["selected"].data = {"x": [float(r.xy[0])], "y": [float(r.xy[1])]}
                self.info.text = V.rest_point_html(r, self.settings["rule"])
                return
        self.settings["x0"], self.settings["y0"] = x, y
        self.selected = None
        self.src["selected"].data = {"x": [], "y": []}
        self._schedule()

    # -- the one computation ----------------------------------------------------------------
    def update(self):
        """Start computing the current settings (a worker thread), unless a computation is
        running: then once more when it is done, with the settings of that moment."""
        self._pending = False
        if getattr(self, "_busy", False):
            self._dirty = True
            return
        s = dict(self.settings)
        if not s["loss"].startswith("dirac:"):
            s["reg"] = "none"
        try:
            for k in ("f1", "f2", "f3", "pd", "gamma", "sigma", "lr", "n_disc", "steps"):
                s[k] = S.check(k, s[k])
            if s["loss"] == "triple":  # typed text meets the whitelist parser first, and only it
                from gandyn.expr import parse

                for k in ("f1", "f2", "f3"):
                    try:
                        parse(s[k])
                    except ValueError as e:
                        raise ValueError(f"{k}: {e}") from None
        except ValueError as e:
            self._refuse(s, e)
            return
        self._busy, self._dirty = True, False
        self.status.text = "computing…"
        t0 = time.perf_counter()
        fut = EXECUTOR.submit(_lab, s)
        fut.add_done_callback(
            lambda f: self.doc.add_next_tick_callback(functools.partial(self._done, f, t0)))

    def _refuse(self, s, e):
        what = "triple: " if s["loss"] == "triple" else ""
        self.message.text = html.escape(what + " ".join(str(e).split()))
        self.status.text = "not computed: fix the input above"

    def _done(self, fut, t0):
        self._busy = False
        try:
            d, seconds = fut.result()
        except ValueError as e:  # a triple that does not parse or has no rest point
            self._refuse(self.settings, e)
        except Exception as e:  # noqa: BLE001 -- shown, not swallowed: the page stays usable
            self.message.text = html.escape(f"internal error: {type(e).__name__}: {e}")
            self.status.text = "not computed"
        else:
            t1 = time.perf_counter()
            self.show(d)
            self.message.text = ""
            t2 = time.perf_counter()
            since = getattr(self, "_t_event", None)
            self._t_event = None
            self.status.text = (f"computed in {1e3 * seconds:.0f} ms, drawn in "
                                f"{1e3 * (t2 - t1):.0f} ms" + (
                                    f" ({1e3 * (t2 - since):.0f} ms after the change)"
                                    if since else ""))
        if self._dirty:
            self._dirty = False
            self._schedule()

    def show(self, d):
        """Assign every source from ``d`` (a ``LabData``), sent as one message (held)."""
        self.doc.hold("combine")
        try:
            self._show(d)
        finally:
            self.doc.unhold()

    def _show(self, d):
        self.data = d
        src = self.src
        lines, arrows = V.stream_source(d)
        src["stream"].data, src["arrows"].data = lines, arrows
        na, nu, labels = V.nullcline_sources(d)
        src["null_across"].data, src["null_up"].data = na, nu
        from bokeh.core.property.vectorization import value

        for item in self.portrait.legend[0].items:  # "dD/dt = 0", "dθ/dt = 0", ...
            for r, label in zip(self._null, labels):
                if r in item.renderers:
                    item.label = value(label)
        src["rest"].data = V.rest_source(d)
        src["flow"].data = V.curve(d.flow)
        src["iterates"].data = V.curve(d.path)
        src["start"].data = {"x": d.start[:1].copy(), "y": d.start[1:].copy()}
        src["equilibrium"].data = {"x": [float(d.equilibrium[0])],
                                   "y": [float(d.equilibrium[1])]}
        dist, rate = V.convergence(d)
        src["distance"].data, src["rate"].data = dist, rate
        src["spectrum"].data = V.spectrum_source(d)
        src["map"].data = V.map_image(d)
        src["boundary"].data = V.map_boundary(d)
        src["here"].data = {"x": [d.settings["lr"]], "y": [d.settings["gamma"]]}
        p = self.portrait
        p.x_range.start, p.x_range.end = float(d.x[0]), float(d.x[-1])
        p.y_range.start, p.y_range.end = float(d.y[0]), float(d.y[-1])
        p.xaxis.axis_label, p.yaxis.axis_label = d.xlabel, d.ylabel
        p.title.text = d.title
        e = np.asarray(d.eig_map)
        r = max(1.3, 1.1 * float(np.nanmax(np.abs(e)))) if e.size and np.isfinite(e).any() else 1.3
        self.spectrum.x_range.start, self.spectrum.x_range.end = -r, r
        self.spectrum.y_range.start, self.spectrum.y_range.end = -r, r
        self.spectrum.title.text = f"update map's spectrum: ρ = {d.rho:.4f} ({d.map_verdict})"
        self.summary.text = V.summary_html(d)
        if self.selected is not None:
            from gandyn.explore import nearest_rest_point

            r = nearest_rest_point(d, self.selected.xy)
            self.info.text = V.rest_point_html(r, d.settings["rule"]) if r else ""
        q = S.to_query(self.settings)
        self.query.text = q
        qs = ("?" + q) if q else ""
        self.export.text = (
            f'export: <a id="export-json" href="export.json{html.escape(qs)}" '
            f'download="gandyn-serve.json">numbers (JSON)</a> · '
            f'<a id="export-png" href="export.png{html.escape(qs)}" '
            f'download="gandyn-serve.png">picture (PNG)</a>')


def _lab(s):
    from gandyn.explore import lab

    t = time.perf_counter()
    d = lab(**s)
    return d, time.perf_counter() - t


def make_document(doc):
    """The Bokeh application: one ``Session`` per page, settings from the query string."""
    args = {}
    ctx = getattr(doc, "session_context", None)
    if ctx is not None and ctx.request is not None:
        args = {k: v for k, v in ctx.request.arguments.items()
                if k != "bokeh-autoload-element"}
    doc.session = Session(doc, args)  # kept alive with the document
