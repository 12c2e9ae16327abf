"""Every tutorial notebook runs top to bottom (smoke size: GANDYN_SMOKE=1) and is stored
with its outputs stripped. A notebook that draws says so in its metadata
(``{"gandyn": {"expects_images": true}}``); executed, each of its cells that draws must then
have left an ``image/png`` output (a bare ``<Figure ...>`` text does not count)."""

import os
import pathlib

import nbformat
import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
MUST_DRAW = {"00"}  # notebooks whose pictures are their point: the flag may not be dropped


def _expects_images(nb) -> bool:
    return bool(nb.metadata.get("gandyn", {}).get("expects_images", False))


def _draws(cell) -> bool:
    """A code cell that shows a figure: it displays, or ends with, a figure or an image."""
    src = cell.source
    return any(w in src for w in ("display(", "plt.show(", "Image(")) or (
        src.strip().splitlines()[-1].strip() in ("fig", "fig.show()") if src.strip() else False)


def test_the_tutorials_exist():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_stored_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: outputs"
    if path.name[:2] in MUST_DRAW:
        assert _expects_images(nb), f"{path.name} must declare gandyn.expects_images"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("GANDYN_SMOKE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    root = str(path.parent.parent)
    monkeypatch.setenv("PYTHONPATH", root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    if _expects_images(nb):
        drawing = [c for c in nb.cells if c.cell_type == "code" and _draws(c)]
        assert drawing, f"{path.name} declares images but no cell draws"
        for c in drawing:
            kinds = {k for o in c.outputs for k in o.get("data", {})}
            assert "image/png" in kinds, f"{path.name}: no image from cell {c.source[:60]!r}"
