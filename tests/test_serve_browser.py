"""``gandyn serve`` in a real browser: the command runs as a subprocess on a free 127.0.0.1
port and headless Chromium (Playwright) types a triple, moves a slider, taps the plane and a
rest point, and downloads the numbers. Skipped, saying why, only where Playwright or a
Chromium is missing (CI installs both: .ci/run, the test extra)."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium)", allow_module_level=True)

#: the first picture of a game compiles its program: generous on a busy CI machine
COMPILE_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "gandyn", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()  # printed once the server listens
        assert line.startswith("gandyn serve: http://127.0.0.1:"), (line, proc.stderr.read())
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()  # the CLI's SIGTERM handling: exit 143 with one line
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 143, err
        assert err.strip().splitlines()[-1] == "gandyn serve: terminated", err


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
        yield pg
        browser.close()


def _model(pg, name, attr="text"):
    return pg.evaluate(f"() => Bokeh.documents[0].get_model_by_name({name!r}).{attr}")


def _wait(pg, js, timeout=COMPILE_S):
    pg.wait_for_function(f"() => {{ try {{ return {js}; }} catch (e) {{ return false; }} }}",
                         timeout=timeout * 1000)


def _status_is_computed(pg, after=None):
    cond = "Bokeh.documents[0].get_model_by_name('status').text.startsWith('computed')"
    if after:
        cond += f" && {after}"
    _wait(pg, cond)


def _click_data(pg, x, y):
    """Click the portrait at data coordinates (x, y)."""
    px = pg.evaluate("""([x, y]) => {
        const p = Bokeh.documents[0].get_model_by_name('portrait');
        const v = Bokeh.index.find_one(p);
        const r = v.el.getBoundingClientRect();
        return [r.left + v.frame.x_scale.compute(x), r.top + v.frame.y_scale.compute(y)]; }""",
                     [x, y])
    pg.mouse.click(px[0], px[1])


def test_type_a_triple_move_a_slider_tap_and_export(server, page, tmp_path):
    pg = page
    q = urllib.parse.urlencode({"loss": "triple", "f1": "log(x", "f2": "x", "f3": "-x",
                                "pd": "0.5"})
    pg.goto(server + "?" + q)
    # the shared link's bad triple: one line in the page, nothing computed
    _wait(pg, "Bokeh.documents[0].get_model_by_name('message').text.length > 0", 60)
    msg = _model(pg, "message")
    assert msg.startswith("triple: f1: ") and "not a valid expression" in msg
    assert "\n" not in msg and _model(pg, "status").startswith("not computed")

    # type the article's quadratic triple: f1 = -x**2/2, f2 = x, f3 = -x (stable at (1, p_d))
    box = pg.locator(".gandyn-f1 input")
    box.fill("-x**2/2")
    box.press("Enter")
    _status_is_computed(pg)
    assert _model(pg, "message") == ""
    summary = _model(pg, "summary")
    assert "equilibrium (1, 0.5)" in summary and "(stable)" in summary, summary

    # move the learning-rate slider with the keyboard: 0.1 -> 0.12 in four steps of 0.005
    handle = pg.locator(".gandyn-lr .noUi-handle")
    handle.focus()
    for _ in range(4):
        handle.press("ArrowRight")
    _status_is_computed(pg, "Bokeh.documents[0].get_model_by_name('portrait').title.text"
                            ".includes('lr = 0.12')")
    assert "lr=0.12" in pg.evaluate("() => window.location.search")

    # a tap on the plane starts the flow and the iterates there
    _click_data(pg, 1.3, 0.85)
    _wait(pg, "Math.abs(Bokeh.documents[0].get_model_by_name('flow').data.x[0] - 1.3) < 0.02",
          60)
    _status_is_computed(pg)
    flow_n = pg.evaluate("() => Bokeh.documents[0].get_model_by_name('flow').data.x.length")
    it_n = pg.evaluate("() => Bokeh.documents[0].get_model_by_name('iterates').data.x.length")
    assert flow_n > 100 and it_n == 151
    search = urllib.parse.parse_qs(pg.evaluate("() => window.location.search")[1:])
    assert abs(float(search["x0"][0]) - 1.3) < 0.02 and abs(float(search["y0"][0]) - 0.85) < 0.02

    # a tap on the rest point shows its eigenvalues, verdict and largest stable rate
    _click_data(pg, 1.0, 0.5)
    # (the hint shown before any tap also says "rest point": wait for the answer's own words)
    _wait(pg, "Bokeh.documents[0].get_model_by_name('info').text.includes('largest stable lr')",
          60)
    info = _model(pg, "info")
    assert "stable" in info and "eigenvalues" in info and "largest stable lr" in info, info

    # the numbers of this view, downloaded as strict JSON
    with pg.expect_download() as dl:
        pg.locator("#export-json").click()
    path = tmp_path / "view.json"
    dl.value.save_as(path)

    def refuse(c):
        raise AssertionError(f"non-strict JSON constant {c}")

    out = json.loads(path.read_text(), parse_constant=refuse)
    assert out["settings"]["f1"] == "-x**2/2" and out["settings"]["lr"] == 0.12
    assert abs(out["start"][0] - 1.3) < 0.02
    assert [r["kind"] for r in out["rest_points"]] == ["stable node"] or \
        [r["kind"] for r in out["rest_points"]] == ["stable focus"]
