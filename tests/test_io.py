"""Atomic output files: the previous file survives any failure, including kill -9 mid-write;
bad --out locations are one-line OutputErrors."""

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from gandyn.io import OutputError, atomic_open, atomic_write, ensure_writable_output


def _listing(folder):
    return sorted(os.listdir(folder))


def test_atomic_write_text_bytes_callback_and_context_manager(tmp_path):
    p = tmp_path / "a.json"
    assert atomic_write(p, "{}") == str(p) and p.read_text() == "{}"
    atomic_write(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    seen = []
    atomic_write(tmp_path / "f.png", lambda tmp: (seen.append(tmp), open(tmp, "wb").write(b"P")))
    assert seen[0].endswith(".png") and os.path.dirname(seen[0]) == str(tmp_path)
    with atomic_open(tmp_path / "t.md") as fh:
        fh.write("# table\n")
    assert (tmp_path / "t.md").read_text() == "# table\n"
    assert _listing(tmp_path) == ["a.json", "f.png", "t.md"]  # no temporary left


def test_permissions_of_a_replaced_file_are_kept(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("old")
    os.chmod(p, 0o640)
    atomic_write(p, "new")
    assert p.read_text() == "new" and (os.stat(p).st_mode & 0o777) == 0o640


def test_finding6_an_exception_mid_write_keeps_the_previous_file(tmp_path):
    p = tmp_path / "atlas.json"
    p.write_text("previous")

    def boom(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(p, boom)
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(p) as fh:
            fh.write("half")
            raise KeyboardInterrupt
    assert p.read_text() == "previous" and _listing(tmp_path) == ["atlas.json"]


def test_finding6_full_disk_is_a_one_line_output_error(tmp_path):
    p = tmp_path / "fig.png"
    p.write_bytes(b"previous")

    def full(tmp):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError, match="no space left") as e:
        atomic_write(p, full)
    assert "\n" not in str(e.value) and str(p) in str(e.value)
    assert p.read_bytes() == b"previous" and _listing(tmp_path) == ["fig.png"]


_WRITER = textwrap.dedent("""
    import importlib.util, sys, time
    # gandyn/io.py alone (the package __init__ imports jax, seconds of start-up)
    spec = importlib.util.spec_from_file_location("gandyn_io", sys.argv[2])
    io = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(io)

    def slow(tmp):
        with open(tmp, "wb") as fh:
            for i in range(10_000):
                fh.write(b"n" * 65536)
                fh.flush()
                if i == 20:
                    print("writing", flush=True)
                time.sleep(0.001)

    io.atomic_write(sys.argv[1], slow)
""")


def test_finding6_kill_mid_write_leaves_the_previous_file_intact(tmp_path):
    p = tmp_path / "figure.png"
    p.write_bytes(b"previous figure")
    import gandyn.io

    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(p), gandyn.io.__file__],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"writing"
        tmps = [n for n in _listing(tmp_path) if n != "figure.png"]
        assert len(tmps) == 1 and os.path.getsize(tmp_path / tmps[0]) > 0  # mid-write for sure
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert p.read_bytes() == b"previous figure"
    # the half-written bytes are only ever under a hidden temporary name, never the final one
    assert [n for n in _listing(tmp_path) if not n.startswith(".")] == ["figure.png"]


@pytest.mark.parametrize("bad, msg", [
    ("", "empty"),
    ("   ", "empty"),
    ("a" * 300, "300 bytes long"),
    ("/x" + "/y" * 2100, "limit is 4096"),
    ("/proc/gandyn-no-such/out", "cannot create folder"),
    ("a\0b", "NUL"),
])
def test_finding1_bad_out_is_a_one_line_output_error(bad, msg):
    with pytest.raises(OutputError, match=msg) as e:
        ensure_writable_output(bad)
    assert "\n" not in str(e.value)


def test_finding1_out_that_is_an_existing_file(tmp_path):
    f = tmp_path / "f"
    f.write_text("keep")
    with pytest.raises(OutputError, match="existing file"):
        ensure_writable_output(f)
    with pytest.raises(OutputError, match="is a file"):
        ensure_writable_output(f / "sub")
    with pytest.raises(OutputError, match="existing folder"):
        ensure_writable_output(tmp_path, folder=False)
    assert f.read_text() == "keep"
    assert ensure_writable_output(tmp_path / "new" / "dir") == str(tmp_path / "new" / "dir")
    assert os.path.isdir(tmp_path / "new" / "dir") and _listing(tmp_path / "new" / "dir") == []


def test_finding1_unwritable_folder(tmp_path, monkeypatch):
    # root ignores permission bits, so the refusal of the file system is simulated
    import tempfile

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputError, match="permission denied"):
        ensure_writable_output(tmp_path)
    with pytest.raises(OutputError, match="permission denied"):
        atomic_write(tmp_path / "x", "data")


