"""Re-execute the tutorial notebooks and store them with their outputs, or time them.

    python3 notebooks/render.py               # every notebook, smoke size, outputs stored
    python3 notebooks/render.py 02 05         # only those (by number or file name)
    python3 notebooks/render.py --time        # default size, nothing written: seconds per notebook
    python3 notebooks/render.py --time --full # the same at full size (GANDYN_FULL=1)

The stored notebooks are executed at smoke size (``GANDYN_SMOKE=1``) so that a reader browsing
the repository sees every picture while the files stay small: figures are drawn at a low dpi (a
``matplotlibrc`` handed to the kernel), their PNGs are stored with a 256-colour palette, and the
run's bookkeeping (timings, widget state) is dropped. This tree's ``gandyn`` is used, wherever the
script is run from.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this tree's gandyn (for gandyn.io), wherever it is run from

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from gandyn.io import atomic_write  # noqa: E402

STORED_DPI = 64  # small PNGs: every stored notebook well under the size the tests allow


def notebooks(names) -> list[pathlib.Path]:
    every = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = [p for p in every if any(p.name.startswith(n) or p.stem == n for n in names)]
    unknown = [n for n in names if not any(p.name.startswith(n) or p.stem == n for p in every)]
    if unknown:
        sys.exit(f"render.py: error: no notebook {', '.join(unknown)}")
    return chosen


def _environment(size: str, rc: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("GANDYN_SMOKE", "GANDYN_FULL")}
    if size == "smoke":
        env["GANDYN_SMOKE"] = "1"
        env["MATPLOTLIBRC"] = rc
    elif size == "full":
        env["GANDYN_FULL"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def execute(path: pathlib.Path, size: str, timeout: int = 1800):
    """The executed notebook and ``{cell index: wall seconds}`` of its code cells."""
    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        rc = os.path.join(tmp, "matplotlibrc")
        with open(rc, "w") as f:
            f.write(f"figure.dpi: {STORED_DPI}\nsavefig.dpi: {STORED_DPI}\n")
        os.environ.clear()
        os.environ.update(_environment(size, rc))  # the kernel inherits this environment
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
    times = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            t = c.metadata.get("execution", {})
            a, b = t.get("iopub.execute_input"), t.get("shell.execute_reply")
            times[i] = _seconds(b) - _seconds(a) if a and b else float("nan")
    return nb, times


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def small_png(b64: str) -> str:
    """The same picture with a 32-colour palette: about a third fewer bytes, and the figures'
    flat colours survive it."""
    import base64
    import io

    from PIL import Image

    im = Image.open(io.BytesIO(base64.b64decode(b64)))
    out = io.BytesIO()
    im.convert("RGB").quantize(32, method=Image.Quantize.MEDIANCUT).save(out, "PNG",
                                                                         optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean(nb) -> None:
    """Drop what a reader does not need and what would leak this machine into the repository."""
    nb.metadata.pop("widgets", None)
    for c in nb.cells:
        c.metadata.pop("execution", None)
        if c.cell_type != "code":
            continue
        kept = []
        for o in c.outputs:
            if o.output_type == "stream":
                o.text = _ANSI.sub("", o.text).replace(str(ROOT) + os.sep, "")
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {}):
                continue  # a live widget: without a kernel it is only its repr

            if "image/png" in o.get("data", {}):
                o.data["image/png"] = small_png(o.data["image/png"])
            kept.append(o)
        c.outputs = kept


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="notebook numbers or names (default: all)")
    ap.add_argument("--time", action="store_true", help="run at default size, write nothing")
    ap.add_argument("--full", action="store_true", help="with --time: at full size")
    args = ap.parse_args(argv)
    size = ("full" if args.full else "default") if args.time else "smoke"
    total = 0.0
    for path in notebooks(args.names):
        t0 = time.perf_counter()
        nb, times = execute(path, size)
        wall = time.perf_counter() - t0
        total += wall
        slow = ", ".join(f"cell {i}: {t:.0f} s" for i, t in times.items() if t > 5)
        print(f"{path.name:28s} {wall:6.1f} s  ({size}){'  ' + slow if slow else ''}", flush=True)
        if not args.time:
            clean(nb)
            atomic_write(str(path), nbformat.writes(nb) + "\n")
    print(f"{'total':28s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
