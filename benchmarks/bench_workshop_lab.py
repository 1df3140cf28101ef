"""Benchmark: a 1+2 lab inside a learner's engine against the same lab on the host, in the same run (issue 12 §2).

    flock -x /tmp/coord/engine.lock .venv/bin/python benchmarks/bench_workshop_lab.py [--rounds 3]

Brings up a room of one learner and starts their server and engine (refused if a room is up). Then, rounds
alternating so a warm cache favours neither side: `Lab(1, 2).start()` on the host, in this process (the
baseline), and the same call as the learner, in their JupyterLab container, on their engine; each timed in-process
(imports excluded), then measured after the lab settled, then removed. Both sides start the lab registry with the
lab and remove it with it (LABKIT_REGISTRY_LINGER=0, LABKIT_POOL=0: no lab prepared in the background), so each
round is a learner's first lab (on a shared host engine the lab registry may run already for other labs: the
host's start then skips it, and the ratio is an upper bound). Memory is read from cgroups: the lab's nodes, registry
and tasks on each side, and, in the learner's engine, the whole engine's growth (its dockerd and containerd-shims
too). Medians and ratios are printed; the room is taken down at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_workshop_common import as_learner, container_mib, lab_mib, last_json

import labkit
from labkit.workshop import names, room
from labkit.workshop.hub import hub_pid

LEARNER = "wsbench"
ENV = {"LABKIT_REGISTRY_LINGER": "0", "LABKIT_POOL": "0"}
START = (
    "import json, sys, time, labkit\n"
    "lab = labkit.Lab(managers=1, workers=2, name=sys.argv[1], quiet=True)\n"
    "t = time.monotonic(); lab.start(); print(json.dumps({'ok': True, 'start': time.monotonic() - t}))"
)
STOP = "import sys, labkit; labkit.remove_lab(sys.argv[1], wait=True)"


def host_round(settle: float) -> dict[str, float]:
    """The baseline: a 1+2 lab on the host engine, started in this process."""
    name = "wsb-host"
    lab = labkit.Lab(managers=1, workers=2, name=name, quiet=True)
    t = time.monotonic()
    try:
        lab.start()
        start = time.monotonic() - t
        time.sleep(settle)
        return {"start": start, "lab": lab_mib(name)}
    finally:
        labkit.remove_lab(name, wait=True)


def engine_round(settle: float) -> dict[str, float]:
    """The same lab started by the learner, in their JupyterLab container, on their own engine."""
    name, engine = "wsb-engine", names.engine_name(LEARNER)
    before = container_mib(engine)
    try:
        out = last_json(as_learner(LEARNER, START, name, env=ENV))
        if not out.get("ok"):
            sys.exit(f"the lab did not start in {LEARNER}'s engine: {out.get('error')}")
        time.sleep(settle)
        return {
            "start": float(out["start"]),
            "lab": lab_mib(name, engine),
            "engine": container_mib(engine) - before,
        }
    finally:
        as_learner(LEARNER, STOP, name, env=ENV)


def line(what: str, host: list[float], engine: list[float], unit: str) -> None:
    """One figure: the baseline's median, the learner engine's, and their ratio."""
    h, e = statistics.median(host), statistics.median(engine)
    rng = f"(host {min(host):.1f}-{max(host):.1f}, engine {min(engine):.1f}-{max(engine):.1f})"
    print(f"  {what:<42} host {h:7.1f} {unit}   in a learner engine {e:7.1f} {unit}   {e / h:.2f}x  {rng}")


def main() -> None:
    """Bring the room up, run the rounds, print medians and ratios, take the room down."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--settle", type=float, default=10.0, help="seconds between a lab's start and its measurement")
    args = ap.parse_args()
    if hub_pid(names.state_dir()) is not None:
        sys.exit("a workshop is up: take it down first (this benchmark would)")
    os.environ.update(ENV)
    room.down()
    room.up([LEARNER], port=38600, cards=Path("/tmp/bench-workshop-lab-cards.html"), log=lambda line: None)
    try:
        room._api().start_server(LEARNER)
        time.sleep(args.settle)
        host, engine = [], []
        for _ in range(args.rounds):
            host.append(host_round(args.settle))
            engine.append(engine_round(args.settle))
            print(f"  round: host {host[-1]}  engine {engine[-1]}", flush=True)
    finally:
        room.down()
    print(f"1+2 lab, host vs inside a learner's engine: medians of {args.rounds} round(s), {args.settle:g} s settled")
    line("start (Lab.start(), in-process)", [r["start"] for r in host], [r["start"] for r in engine], "s  ")
    line("memory: nodes + registry + tasks", [r["lab"] for r in host], [r["lab"] for r in engine], "MiB")
    whole = statistics.median(r["engine"] for r in engine)
    print(f"  the learner engine container grew by {whole:.0f} MiB (the lab, plus its own dockerd's and shims' growth)")


if __name__ == "__main__":
    main()
