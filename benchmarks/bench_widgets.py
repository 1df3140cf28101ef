"""Benchmark the live widgets (a benchmark, not a timed test: it prints numbers and ratios).

1. Browser render time of the board for 10 nodes x 100 tasks (synthetic snapshot), in Debian's
   Chromium, against a baseline measured in the same run: rendering an empty board.
2. Python-side model time for the same snapshot, against parsing the snapshot from payloads.
3. With --lab (starts a 3-node lab) or --attach NAME: latency from a change visible in the Engine API
   (`docker node update` has returned on the manager) to the board's `swarm` trait showing it, against
   the baseline of one raw `lab.snapshot()` in the same run; and (--lab) the watcher's CPU cost on an idle
   lab, polling only vs polling plus engine events, against nothing watching.

    python benchmarks/bench_widgets.py            # 1 and 2 (needs /usr/bin/chromium)
    python benchmarks/bench_widgets.py --lab      # also 3 (needs Docker and labkit's images)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from labkit.swarm.state import SwarmSnapshot  # noqa: E402 (sys.path is set first)
from labkit.widgets._model import ColorBook, MarkTracker, board_model, status_model  # noqa: E402 (sys.path is set first)
from tests.unit.widgets_support import CHROMIUM, WidgetPage, big_snapshot  # noqa: E402 (sys.path is set first)

# Render, then force style and layout so the time includes what the browser must do before painting.
_RENDER_JS = """([file, state, runs]) => (async () => {
  const times = [];
  for (let i = 0; i < runs; i++) {
    await window.lkMount(file, JSON.parse(JSON.stringify(state)));  // imports the module once
    const copy = JSON.parse(JSON.stringify(state));
    const t0 = performance.now();
    window.lk.cleanup && window.lk.cleanup();
    await window.lkMount(file, copy);
    void window.lk.el.offsetHeight;
    times.push(performance.now() - t0);
  }
  return times;
})()"""

_UPDATE_JS = """([swarms]) => {
  const times = [];
  for (const sw of swarms) {
    const t0 = performance.now();
    window.lk.update({ swarm: sw });
    void window.lk.el.offsetHeight;
    times.push(performance.now() - t0);
  }
  return times;
}"""


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def board_state(snap: SwarmSnapshot) -> dict:
    return {
        "lab_name": "bench",
        "swarm": board_model(snap),
        "status": status_model(snap, snap),
        "log": [],
        "history": False,
        "service_filter": "",
        "controls": True,
    }


def bench_browser(runs: int) -> None:
    big = big_snapshot(10, 100)
    empty = SwarmSnapshot(lab="bench", taken_at=1_000, manager="manager1")
    page = WidgetPage(width=1400, height=1000)
    try:
        base = page.page.evaluate(_RENDER_JS, ["/static/board.js", board_state(empty), runs])
        full = page.page.evaluate(_RENDER_JS, ["/static/board.js", board_state(big), runs])
        # Updates: a stream of snapshots where one task changes state each time (the common case).
        marks, colors = MarkTracker(), ColorBook()
        swarms = []
        for i in range(runs):
            snap = big_snapshot(10, 100, t=1_000 + i)
            k = i % len(snap.tasks)
            tasks = snap.tasks[:k] + (dataclasses.replace(snap.tasks[k], state="starting"),) + snap.tasks[k + 1 :]
            snap = dataclasses.replace(snap, tasks=tasks)
            marks.update(snap, 1_000 + i)
            swarms.append(board_model(snap, marks, colors))
        upd = page.page.evaluate(_UPDATE_JS, [swarms])
        assert not page.errors, page.errors
    finally:
        page.close()
    print("browser (Chromium, board.js)                      median ms   ratio vs empty")
    print(f"  render empty board (baseline)                   {med(base):8.2f}        1.0")
    print(f"  render 10 nodes x 100 tasks                     {med(full):8.2f}   {med(full) / med(base):8.1f}")
    print(f"  update 10x100 (one task changed)                {med(upd):8.2f}   {med(upd) / med(base):8.1f}")


def bench_python(runs: int) -> None:
    from labkit.swarm.state import parse_snapshot
    from tests.unit.widgets_support import raw_node, raw_service, raw_task

    nodes = [raw_node(f"n{i}", f"worker{i}") for i in range(1, 11)]
    services = [raw_service(f"s{k}", f"svc{k}", replicas=20, ports=()) for k in range(5)]
    tasks = [raw_task(f"t{k}x{j}", f"s{k}", j + 1, f"n{j % 10 + 1}") for k in range(5) for j in range(20)]
    parse, model = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        snap = parse_snapshot("bench", "manager1", nodes, services, tasks)
        t1 = time.perf_counter()
        board_model(snap, MarkTracker(), ColorBook())
        t2 = time.perf_counter()
        parse.append((t1 - t0) * 1e3)
        model.append((t2 - t1) * 1e3)
    print("python                                            median ms   ratio vs parse")
    print(f"  parse_snapshot 10x100 (baseline)                {med(parse):8.3f}        1.0")
    print(f"  board_model 10x100                              {med(model):8.3f}   {med(model) / med(parse):8.1f}")


def bench_latency(lab, rounds: int) -> None:
    from labkit.widgets import board

    snaps = []
    for _ in range(10):
        t0 = time.perf_counter()
        lab.snapshot()
        snaps.append(time.perf_counter() - t0)
    b = board(lab)
    seen = threading.Event()
    want = {"availability": None}

    def on_swarm(change):
        node = next((n for n in change["new"].get("nodes", []) if n["hostname"] == "worker1"), None)
        if node and node["availability"] == want["availability"]:
            seen.set()

    b.observe(on_swarm, names=["swarm"])
    lat = []
    try:
        for i in range(rounds):
            want["availability"] = "drain" if i % 2 == 0 else "active"
            seen.clear()
            lab.manager.sh(f"docker node update --availability {want['availability']} worker1")
            visible = time.perf_counter()  # the manager has committed it: the Engine API shows it from now
            if not seen.wait(15):
                raise RuntimeError("the board never showed the change")
            lat.append(time.perf_counter() - visible)
            time.sleep(0.37 * (i % 3))  # do not stay in phase with the watcher's 1 s tick
    finally:
        b.close()
        lab.manager.sh("docker node update --availability active worker1", check=False)
    interval = b._watcher.interval
    print("real lab                                          median ms   ratio vs snapshot")
    print(f"  raw lab.snapshot() (baseline)                   {med(snaps) * 1e3:8.1f}        1.0")
    print(
        f"  Engine API change -> board trait                {med(lat) * 1e3:8.1f}   {med(lat) / med(snaps):8.1f}"
        f"   (max {max(lat) * 1e3:.0f} ms; watcher interval {interval * 1e3:.0f} ms)"
    )


def host_cpu_seconds() -> float:
    """CPU time the whole machine has spent working (all processes, all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def bench_idle_cpu(lab, seconds: float = 30.0) -> None:
    """The watcher's CPU cost on an idle lab: nothing watching (baseline), polling only, polling + engine events."""
    from labkit.widgets._watcher import Watcher

    def idle(follow: bool | None) -> float:
        w = None if follow is None else Watcher(lab, follow_events=follow)
        if w is not None:
            w.subscribe(lambda s, e: None)
        time.sleep(3)  # let the streams start
        t0 = host_cpu_seconds()
        time.sleep(seconds)
        used = host_cpu_seconds() - t0
        if w is not None:
            w.stop()
        return used / seconds

    nothing, polling, events = idle(None), idle(False), idle(True)
    print("idle lab, host CPU (cores busy, all processes)      cores   vs polling only")
    print(f"  no widget (baseline)                           {nothing:7.3f}")
    print(f"  watcher, polling only (1 s)                    {polling:7.3f}        1.0")
    print(
        f"  watcher, polling + engine events               {events:7.3f}   {events / polling:8.2f}"
        f"   (target: no more than polling only)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--lab", action="store_true", help="start a 3-node lab and measure update latency")
    ap.add_argument("--attach", metavar="NAME", help="measure update latency on a running lab")
    ap.add_argument("--rounds", type=int, default=20, help="changes to time on the real lab (issue 9: median over 20)")
    args = ap.parse_args()
    bench_python(args.runs)
    if Path(CHROMIUM).exists():
        bench_browser(args.runs)
    else:
        print(f"(no {CHROMIUM}: browser benchmark skipped; apt-get install -y chromium)")
    if args.attach or args.lab:
        import labkit

        if args.attach:
            bench_latency(labkit.Lab.attach(args.attach), args.rounds)
        else:
            with labkit.Lab(managers=1, workers=2, name="bench-widgets", quiet=True) as lab:
                bench_latency(lab, args.rounds)
                bench_idle_cpu(lab)


if __name__ == "__main__":
    main()
