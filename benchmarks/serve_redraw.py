"""``gandyn serve``: the redraw after a slider move, measured after compilation.

    PYTHONPATH=. python3 benchmarks/serve_redraw.py [--no-browser]

writes benchmarks/results/serve-redraw.json (strict JSON) and prints it.

* server side: 20 slider moves (γ and lr changed every time) of one page, each the full
  update of the page's Python side: ``gandyn.explore.lab`` (the one cached jitted program)
  plus ``Session.show`` (streamlines thinned, nullclines, every source assigned), on a Bokeh
  ``Document`` without a browser; median and 90th percentile, wall and process CPU time,
  and the number of programs compiled during the moves (must be 0);
* browser round trip (when Playwright and a Chromium are there): ``gandyn serve`` as a
  subprocess, headless Chromium sets the γ slider's value 20 times and waits each time until
  the page shows the new picture (the portrait's title names the new γ): the time from the
  change in the browser to the redrawn page.

The machine may be shared: ``os.getloadavg()`` is recorded with the numbers.
"""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "serve-redraw.json"
MOVES = 20
BASE = dict(loss="dirac:gan", reg="r1", rule="simultaneous")


def _stats(xs):
    xs = np.asarray(xs)
    return {"median_s": float(np.median(xs)), "p90_s": float(np.percentile(xs, 90)),
            "min_s": float(xs.min()), "max_s": float(xs.max()), "n": int(xs.size)}


def server_side():
    from bokeh.document import Document

    from gandyn import explore as E
    from gandyn.serve.app import Session

    session = Session(Document(), {})
    session.show(E.lab(**BASE))  # compiles
    before = E.lab_programs()
    wall, cpu, compute = [], [], []
    for i in range(MOVES):
        s = dict(BASE, gamma=0.1 + 0.1 * i, lr=0.05 + 0.02 * i)
        t0, c0 = time.perf_counter(), time.process_time()
        d = E.lab(**s)
        t1 = time.perf_counter()
        session.show(d)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        compute.append(t1 - t0)
    return {"what": "explore.lab + Session.show, dirac gan + r1, simultaneous, 150 steps",
            "wall": _stats(wall), "cpu": _stats(cpu), "compute_only": _stats(compute),
            "programs_compiled_during_moves": E.lab_programs() - before}


def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"skipped": "no chromium on PATH"}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "gandyn", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        proc.stdout.readline()
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            pg = b.new_page(viewport={"width": 1500, "height": 1000})
            pg.goto(f"http://127.0.0.1:{port}/?reg=r1")
            pg.wait_for_function("() => { try { return Bokeh.documents[0].get_model_by_name("
                                 "'status').text.startsWith('computed'); } catch (e) "
                                 "{ return false; } }", timeout=300_000)
            times, status = [], []
            for i in range(MOVES):
                g = round(0.35 + 0.1 * i, 2)
                ms = pg.evaluate("""async (g) => {
                    const doc = Bokeh.documents[0];
                    const title = doc.get_model_by_name('portrait').title;
                    const t0 = performance.now();
                    const done = new Promise(resolve => {
                        const check = () => title.text.includes('γ = ' + g + ' ')
                            ? resolve(performance.now() - t0) : setTimeout(check, 2);
                        check(); });
                    doc.get_model_by_name('gamma').value = g;
                    return await done; }""", g)
                times.append(ms / 1e3)
                status.append(pg.evaluate(
                    "() => Bokeh.documents[0].get_model_by_name('status').text"))
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"what": "γ slider set in Chromium -> redrawn page (title shows the new γ)",
            "wall": _stats(times), "server_status_lines": status[:3]}


def main():
    from gandyn.io import atomic_write, finite_json

    out = {"benchmark": "serve_redraw", "moves": MOVES, "loadavg_before": os.getloadavg(),
           "server": server_side()}
    out["browser"] = {"skipped": "--no-browser"} if "--no-browser" in sys.argv else browser()
    out["loadavg_after"] = os.getloadavg()
    clean, _ = finite_json(out)
    text = json.dumps(clean, allow_nan=False, indent=1) + "\n"
    atomic_write(str(OUT), text)
    print(text)


if __name__ == "__main__":
    main()
