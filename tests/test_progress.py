"""The progress helper: quiet off a terminal, plain lines for logs, a bar on a terminal."""

import io

import pytest

from gandyn.progress import progress, resolve_mode, track


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_auto_is_quiet_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    out = io.StringIO()
    assert list(track(range(5), desc="x", stream=out)) == list(range(5))
    assert out.getvalue() == ""
    assert resolve_mode("auto", out) == "quiet"


def test_auto_is_a_bar_on_a_terminal(monkeypatch):
    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    assert resolve_mode("auto", _Tty()) == "bar"
    out = _Tty()
    assert list(track(range(3), desc="work", stream=out)) == [0, 1, 2]
    assert "work" in out.getvalue()


def test_lines_mode_has_no_carriage_returns(monkeypatch):
    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    out = io.StringIO()
    assert list(track(["a", "b", "c"], desc="check p_d", mode="lines", stream=out)) == [
        "a", "b", "c"]
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert [ln.split(" (")[0] for ln in lines] == ["check p_d 1/3", "check p_d 2/3",
                                                  "check p_d 3/3"]


def test_lines_mode_unknown_total_and_manual_advance():
    out = io.StringIO()
    with progress(desc="", mode="lines", stream=out) as p:
        p.advance()
        p.advance(2)
    assert p.done == 3
    assert [ln.split(" (")[0] for ln in out.getvalue().splitlines()] == ["1", "3"]
    gen = (i for i in range(2))  # no len()
    out = io.StringIO()
    assert list(track(gen, desc="g", mode="lines", stream=out)) == [0, 1]
    assert out.getvalue().splitlines()[-1].startswith("g 2 ")


def test_environment_overrides_auto(monkeypatch):
    monkeypatch.setenv("GANDYN_PROGRESS", "lines")
    out = io.StringIO()
    list(track(range(2), desc="e", stream=out))
    assert out.getvalue().count("\n") == 2
    # an explicit mode is not overridden
    out = io.StringIO()
    list(track(range(2), desc="e", mode="quiet", stream=out))
    assert out.getvalue() == ""


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="progress mode"):
        resolve_mode("loud")


def test_off_tty_lines_every_few_seconds_with_an_eta(monkeypatch):
    """``off_tty="lines"``: redirected output gets plain lines, at most one per ``every``
    seconds plus the first and the last; the ETA is the rate since the first report (which
    came after a 10 s compilation) times the steps left, unknown at the first."""
    import gandyn.progress as prog

    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    clock = [0.0]
    monkeypatch.setattr(prog.time, "perf_counter", lambda: clock[0])
    out = io.StringIO()
    assert resolve_mode("auto", out, off_tty="lines") == "lines"
    assert resolve_mode("auto", _Tty(), off_tty="lines") == "bar"
    with progress(total=5000, desc="step", stream=out, off_tty="lines", every=3.0) as p:
        for t, done in [(10.0, 100), (11.0, 200), (12.0, 300), (13.0, 400), (14.5, 500),
                        (15.0, 5000)]:
            clock[0] = t
            p.update(done)
    lines = out.getvalue().splitlines()
    assert lines == ["step 100/5000 (2%), 10.0 s elapsed, ETA ?",
                     "step 400/5000 (8%), 13.0 s elapsed, ETA 46.0 s",
                     "step 5000/5000 (100%), 15.0 s elapsed, ETA 0.0 s"]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_zero_total_and_bad_off_tty():
    out = io.StringIO()
    with progress(total=0, desc="step", mode="lines", stream=out) as p:
        p.update(0)
    assert out.getvalue().startswith("step 0/0 (100%)")
    with pytest.raises(ValueError, match="off_tty"):
        resolve_mode("auto", out, off_tty="bar")


def test_notebook_mode_redraws_one_line_in_place(monkeypatch):
    """Under a Jupyter cell: one display, updated by id, ending on the last count; auto picks
    it when the stream is a kernel's output."""
    import IPython.display

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", obj.data))

    def display(obj, display_id=None):
        assert display_id is True
        shown.append(("display", obj.data))
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)
    assert list(track(range(4), desc="train", mode="notebook")) == [0, 1, 2, 3]
    assert shown[0][0] == "display" and shown[0][1].startswith("train " + "─" * 20 + " 0/4")
    assert all(kind == "update" for kind, _ in shown[1:])
    assert shown[-1][1].startswith("train " + "━" * 20 + " 4/4 (")
    assert "\r" not in "".join(t for _, t in shown)

    monkeypatch.delenv("GANDYN_PROGRESS", raising=False)
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})()
    assert resolve_mode("auto", kernel_stream) == "notebook"
    assert resolve_mode("auto", io.StringIO()) == "quiet"
