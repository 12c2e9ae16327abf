"""The tutorial notebooks: stored with their outputs at smoke size (a reader browsing the
repository sees every picture), small, clean, and each still runs top to bottom at smoke size
(GANDYN_SMOKE=1). ``python3 notebooks/render.py`` re-executes and stores them.

A notebook that draws says so in its metadata (``{"gandyn": {"expects_images": true}}``); each of
its cells that draws must then have an ``image/png`` output (a bare ``<Figure ...>`` text does not
count), both as stored and when run."""

import base64
import json
import os
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MUST_DRAW = {"00", "02", "06"}  # notebooks whose pictures are their point: the flag may not go
MAX_BYTES = 150_000             # per stored notebook: low-dpi palette PNGs, no huge text
MAX_TEXT = 5_000                # characters of text in one output
LIVE_ONLY = {"explore.widget("}  # cells whose output needs a live kernel (ipywidgets)


def _expects_images(nb) -> bool:
    return bool(nb.metadata.get("gandyn", {}).get("expects_images", False))


def _draws(cell) -> bool:
    """A code cell that shows a figure: it displays, or ends with, a figure or an image."""
    src = cell.source
    return any(w in src for w in ("display(Image", "plt.show(", "Image(")) or (
        src.strip().splitlines()[-1].strip() in ("fig", "fig.show()") if src.strip() else False)


def _texts(nb):
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for o in c.outputs:
            if o.output_type == "stream":
                yield o.text
            for k, v in o.get("data", {}).items():
                if k.startswith("text/"):
                    yield v if isinstance(v, str) else "".join(v)
            if o.output_type == "error":
                yield "\n".join(o.get("traceback", []))


def _check_images(path, nb):
    if not _expects_images(nb):
        return
    drawing = [c for c in nb.cells if c.cell_type == "code" and _draws(c)]
    assert drawing, f"{path.name} declares images but no cell draws"
    for c in drawing:
        kinds = {k for o in c.outputs for k in o.get("data", {})}
        assert "image/png" in kinds, f"{path.name}: no image from cell {c.source[:60]!r}"


def test_the_tutorials_exist():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_stored_with_outputs(path):
    """Executed in order, every drawing cell has its picture, nothing failed or leaked."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{path.name}: not stored as one top-to-bottom run (python3 notebooks/render.py)"
    for c in code:
        if not any(s in c.source for s in LIVE_ONLY):
            assert c.outputs or not c.source.strip().splitlines()[-1].startswith(
                ("print", "display")), f"{path.name}: no output from {c.source[:60]!r}"
        for o in c.outputs:
            assert o.output_type != "error", f"{path.name}: an error is stored"
            assert "application/vnd.jupyter.widget-view+json" not in o.get("data", {}), \
                f"{path.name}: a widget view is stored (it shows nothing without a kernel)"
    if path.name[:2] in MUST_DRAW:
        assert _expects_images(nb), f"{path.name} must declare gandyn.expects_images"
    _check_images(path, nb)
    for t in _texts(nb):
        assert len(t) <= MAX_TEXT, f"{path.name}: a text output of {len(t)} characters"
        assert "Traceback" not in t and "Warning" not in t, f"{path.name}: {t[:200]!r}"
        assert not re.search(r"(/home/|/root/|/tmp/|/work/|/Users/|[A-Z]:\\)", t), \
            f"{path.name}: an absolute path is stored: {t[:200]!r}"
        assert "\x1b[" not in t, f"{path.name}: terminal escape codes are stored"
    assert "widgets" not in nb.metadata, f"{path.name}: widget state is stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_small(path):
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name}: {size} bytes (render.py stores low-dpi PNGs)"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            png = o.get("data", {}).get("image/png")
            if png:
                raw = base64.b64decode("".join(png))
                assert raw[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: an image/png is no PNG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("GANDYN_SMOKE", "1")
    monkeypatch.delenv("GANDYN_FULL", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    root = str(path.parent.parent)
    monkeypatch.setenv("PYTHONPATH", root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:  # run from scratch: a stored output must not satisfy the checks below
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    _check_images(path, nb)


def test_render_script_is_documented():
    """The README's notebook sentence names the script, the full-size switch and 06."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = readme[readme.index("the tutorials in `notebooks/`"):][:900]
    for word in ("06", "GANDYN_FULL=1", "notebooks/render.py"):
        assert word in line, f"README's notebook sentence lacks {word!r}"
    assert (ROOT / "notebooks" / "render.py").exists()
