"""The command line's exit contract under signals and broken output streams.

Ctrl-C (SIGINT) and SIGTERM at any moment after gandyn's code starts: exit 130 / 143, one line
on stderr, no temporary file, promptly. A closed or full stdout: one line, exit 2. Outputs made
of several files are written as a unit; a refused run leaves no folder behind; nothing is loaded
from outside the package at start-up.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from gandyn.cli import main
from gandyn.io import OutputError, atomic_write, atomic_write_many

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# JAX_ENABLE_X64 left out: gandyn's own switch is under test
ENV = {**{k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}, "PYTHONPATH": ROOT,
       "JAX_PLATFORMS": "cpu"}
CHECK = ["check", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)", "--pd",
         *[str(0.05 + k / 64) for k in range(64)]]  # several seconds of work
LINE = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/task"),
                                reason="needs /proc to see when gandyn's code has started")


def _start(args, **kw):
    proc = subprocess.Popen([sys.executable, "-m", "gandyn", *args], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    t0 = time.time()  # the signal thread exists: gandyn's main() has begun (jax not yet imported)
    while time.time() - t0 < 60 and proc.poll() is None:
        if len(os.listdir(f"/proc/{proc.pid}/task")) >= 2:
            return proc
        time.sleep(0.005)
    return proc


def _signal(proc, sig, times=1):
    assert proc.poll() is None, "the run ended before it could be signalled"
    for _ in range(times):
        proc.send_signal(sig)
    t = time.time()
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode(), time.time() - t


def _hidden(folder):
    return [f for f in os.listdir(folder) if f.startswith(".")] if os.path.isdir(folder) else []


@needs_proc
@pytest.mark.parametrize("sig,delay", [(signal.SIGINT, 0.0), (signal.SIGINT, 0.4),
                                       (signal.SIGINT, 2.5), (signal.SIGTERM, 0.1),
                                       (signal.SIGTERM, 1.5)])
def test_a_signal_at_any_moment_exits_with_its_status_and_one_line(sig, delay):
    # delay 0 lands while jax is being imported; later ones inside compiles and runs
    proc = _start(CHECK)
    time.sleep(delay)
    rc, err, elapsed = _signal(proc, sig)
    code, word = LINE[sig]
    assert rc == code and err == f"gandyn check: {word}\n", (rc, err)
    assert elapsed < 2.0, elapsed  # typically 0.02-0.1 s; 1 s of margin for a loaded machine


@needs_proc
def test_a_second_ctrl_c_changes_nothing():
    proc = _start(CHECK)
    time.sleep(1.0)
    rc, err, _ = _signal(proc, signal.SIGINT, times=2)
    assert rc == 130 and err == "gandyn check: interrupted\n", (rc, err)


@needs_proc
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_training_interrupted_mid_run_exits_cleanly(sig, tmp_path):
    # before: train caught the interrupt, returned 130, and the interpreter's teardown while
    # XLA was still running ended in SIGSEGV
    out = tmp_path / "out"
    proc = _start(["train", "--data", "ring", "--loss", "gan", "--seeds", "4", "--steps", "100000",
                   "--out", str(out)])
    time.sleep(4.0)
    rc, err, _ = _signal(proc, sig)
    code, word = LINE[sig]
    assert rc == code and err.endswith(f"gandyn train: {word}\n"), (rc, err)
    assert "Traceback" not in err and _hidden(out) == []


_WRITER = textwrap.dedent("""
    import os, signal, sys, time
    from gandyn import cli
    from gandyn.io import atomic_write, atomic_write_many

    cli._Exit("gandyn demo").install()
    folder, many = sys.argv[1], sys.argv[2] == "many"

    def slow(tmp):
        with open(tmp, "w") as fh:
            fh.write("half")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)

    if many:
        atomic_write_many({os.path.join(folder, "a.md"): "new", os.path.join(folder, "b.json"): slow})
    else:
        atomic_write(os.path.join(folder, "a.md"), slow)
""")


@pytest.mark.parametrize("many", ["one", "many"])
def test_a_signal_during_a_write_leaves_the_old_files_and_no_temporary(tmp_path, many):
    (tmp_path / "a.md").write_text("old")
    p = subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path), many], env=ENV,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 143 and p.stderr == "gandyn demo: terminated\n", (p.returncode, p.stderr)
    assert sorted(os.listdir(tmp_path)) == ["a.md"] and (tmp_path / "a.md").read_text() == "old"


def test_several_files_are_written_as_a_unit(tmp_path):
    a, b = tmp_path / "atlas.md", tmp_path / "atlas.json"
    a.write_text("old md"), b.write_text("old json")

    def full(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="no space left"):
        atomic_write_many({a: "new md", b: full})
    assert a.read_text() == "old md" and b.read_text() == "old json" and _hidden(tmp_path) == []
    assert atomic_write_many({a: "new md", b: b"new json"}) == [str(a), str(b)]
    assert a.read_text() == "new md" and b.read_text() == "new json"
    atomic_write(a, "single")  # the one-file path shares the mechanism
    assert a.read_text() == "single" and _hidden(tmp_path) == []


def test_closed_stdout_is_one_line_and_exit_2():
    proc = subprocess.Popen([sys.executable, "-m", "gandyn", "check", "--f1", "x", "--f2", "-x",
                             "--f3", "x", "--json"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader has gone before the answer is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 2, (proc.returncode, err)
    assert err == "gandyn check: error: cannot write standard output: the reader has gone " \
                  "(broken pipe)\n", err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["check", "--f1", "x", "--f2", "-x", "--f3", "x"],
                                  ["atlas", "--help"]])
def test_full_stdout_is_one_line_and_exit_2(args):
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "gandyn", *args], cwd=ROOT, env=ENV,
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.count("\n") == 1, (p.returncode, p.stderr)
    assert "cannot write standard output: no space left on the device" in p.stderr


def test_a_refused_run_leaves_no_output_folder(tmp_path, capsys):
    out = tmp_path / "new"
    assert main(["train", "--loss", "ratio-clip", "--updater", "extragradient", "--out",
                 str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_bench_refuses_its_output_and_sizes_before_any_work(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("keep")
    t = time.time()
    assert main(["bench", "--json", "--out", str(f)]) == 2
    for bad in ("-1", "0.5", "1500.5"):
        assert main(["bench", "--max-batch", bad]) == 2
    assert time.time() - t < 5  # refused before timing anything
    err = capsys.readouterr().err
    assert err.count("\n") == 4 and "existing file" in err and "--max-batch" in err, err


def test_start_up_loads_nothing_outside_the_package_and_no_jax():
    code = ("import sys, gandyn, gandyn.cli; gandyn.cli.build_parser();"
            "import gandyn.commands.bench;"
            "print('jax' in sys.modules, [m for m in sys.modules if 'bench' in m])")
    p = subprocess.run([sys.executable, "-c", code], cwd="/", env=ENV, capture_output=True,
                       text=True, timeout=60)
    assert p.stdout.strip() == "False ['gandyn.commands.bench', 'gandyn.commands.bench_harness']"
    # x64 still follows `import gandyn`, whether jax comes after it or before it
    for order in ("import gandyn, jax", "import jax, gandyn"):
        p = subprocess.run([sys.executable, "-c", f"{order}; print(jax.numpy.ones(1).dtype)"],
                           cwd="/", env=ENV, capture_output=True, text=True, timeout=60)
        assert p.stdout.strip() == "float64", (order, p.stdout, p.stderr)


def test_bare_gandyn_prints_help(capsys):
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out
