"""Interrupt every command mid-run: SIGINT and SIGTERM at several moments, count the crashes.

    PYTHONPATH=. python benchmarks/interrupt_table.py [--json FILE]

For each command a run that lasts several seconds is started and signalled at 0.3, 1.0 and
2.5 s after gandyn's code starts (import, compile, run); a run passes when it exits 130 (SIGINT)
or 143 (SIGTERM) with exactly one line on stderr, within 1 s, leaving no hidden temporary file
in its --out folder. The contract is in docs/contract.md.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIPLE = ["--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)"]
RUNS = {
    "check": ["check", *TRIPLE, "--pd", *[str(0.05 + k / 64) for k in range(64)]],
    "dirac": ["dirac", "--loss", "gan", "--dim", "200"],
    "kernel": ["kernel", *TRIPLE, "--width", "512", "--depth", "4"],
    "bifurcate": ["bifurcate", "--game", "dirac:gan+r1", "--param", "gamma", "--from", "0",
                  "--to", "3", "--num", "400"],
    "animate": ["animate", "--steps", "2000", "--out", "{out}/a.gif"],
    "atlas": ["atlas", "--out", "{out}"],
    "figures": ["figures", "--smoke", "--out", "{out}"],
    "train": ["train", "--data", "ring", "--loss", "gan", "--seeds", "8", "--steps", "100000",
              "--out", "{out}"],
    "bench": ["bench", "--quick", "--json", "--out", "{out}"],
}
DELAYS = (0.3, 1.0, 2.5)
LINE = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}


def one(name, argv, sig, delay):
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
        p = subprocess.Popen([sys.executable, "-m", "gandyn", *[a.format(out=out) for a in argv]],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t0 = time.time()
        while time.time() - t0 < 30 and p.poll() is None and \
                len(os.listdir(f"/proc/{p.pid}/task")) < 2:
            time.sleep(0.005)
        time.sleep(delay)
        if p.poll() is not None:
            return {"command": name, "signal": sig.name, "delay": delay, "outcome": "finished first",
                    "ok": True}
        p.send_signal(sig)
        ts = time.time()
        err = p.communicate(timeout=60)[1].decode()
        dt = time.time() - ts
        hidden = [f for r, _, fs in os.walk(out) for f in fs if f.startswith(".")]
        code, word = LINE[sig]
        ok = (p.returncode == code and err.endswith(f"{name}: {word}\n")
              and err.count("\n") == 1 and dt < 1.0 and not hidden)
        return {"command": name, "signal": sig.name, "delay": delay, "rc": p.returncode,
                "stderr": err[-300:], "seconds": round(dt, 3), "temporaries": hidden, "ok": ok}


def main():
    rows = [one(n, a, s, d) for n, a in RUNS.items() for s in LINE for d in DELAYS]
    print("| command | runs | crashes or tracebacks | wrong status/lines | slower than 1 s | "
          "temporaries left |")
    print("|---|---|---|---|---|---|")
    for n in RUNS:
        rs = [r for r in rows if r["command"] == n]
        crash = sum(1 for r in rs if r.get("rc", 0) < 0 or "Traceback" in r.get("stderr", ""))
        wrong = sum(1 for r in rs if "rc" in r and not r["ok"] and r["seconds"] < 1.0
                    and not r["temporaries"])
        slow = sum(1 for r in rs if r.get("seconds", 0) >= 1.0)
        tmp = sum(1 for r in rs if r.get("temporaries"))
        print(f"| {n} | {len(rs)} | {crash} | {wrong} | {slow} | {tmp} |")
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
