"""Benchmark: how many learners with a 1+2 lab each one server holds, by a bounded load test (issue 12 §2).

    flock -x /tmp/coord/engine.lock .venv/bin/python benchmarks/bench_workshop_capacity.py \
        [--steps 1,2,4,6,8,10] [--exercise 00-hello-service] [--bound 3] [--stagger 0]

Brings up a room of max(steps) learners (timed: `workshop up` for that many), refused if a room is up. Then, step by
step, N learners are active: the ones new at this step log in at once (their servers and engines start, timed),
every learner's lab of the step before is removed (untimed), and all N run the same script at once in their own
JupyterLab container, on their own engine: open the exercise's lab, run its solution cell, run the course's real
check (bench_workshop_common.LEARNER_SCRIPT). A learner new at a step takes the lab their server prepared at login
(the warm start), a returning one starts theirs cold. Step 1, one learner alone, is the baseline: its open is a
learner's first `open_lab` after login, and its time is what every later step is compared with.

Recorded per step: every learner's success and seconds (open, solution, check, total), the host's memory in use
(MemTotal - MemAvailable) before, at peak and once the N labs settled, and the load average. The test stops at the
first step where a check fails, the slowest learner takes more than --bound times the baseline's total, a learner
passes --timeout, or less than --reserve GiB of memory is left. Learners do not prepare their next notebook's lab
in the background (LABKIT_POOL=0, unless --pool): each holds exactly one 1+2 lab. The room is taken down at the end.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_workshop_common import (
    LEARNER_SCRIPT,
    as_learner,
    container_mib,
    cpu_busy_s,
    disk_mib,
    host_used_mib,
    last_json,
    load,
)

from labkit.course.catalog import check_by_id, plan_of
from labkit.workshop import names, room
from labkit.workshop.hub import hub_pid

STOP = "import sys, labkit; labkit.remove_lab(sys.argv[1], wait=True)"


class Sampler:
    """The host's peak memory in use and peak 1-minute load while a step runs (sampled every second)."""

    def __init__(self) -> None:
        self.peak_mib, self.peak_load = host_used_mib(), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.peak_mib = max(self.peak_mib, host_used_mib())
            self.peak_load = max(self.peak_load, os.getloadavg()[0])

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def login_all(learners: list[str]) -> float:
    """Start these learners' servers (and so their engines) at once, as a class logging in together; seconds."""
    if not learners:
        return 0.0
    api = room._api()
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(learners)) as pool:
        list(pool.map(api.start_server, learners))
    return time.monotonic() - t


def work_all(learners: list[str], exercise: str, env: dict[str, str], stagger: float, timeout: float) -> list[dict]:
    """Every learner runs the exercise script at once (or `stagger` seconds apart); their results, in order."""

    def one(i_learner: tuple[int, str]) -> dict:
        i, learner = i_learner
        time.sleep(i * stagger)
        return last_json(as_learner(learner, LEARNER_SCRIPT, exercise, timeout=timeout, env=env))

    with concurrent.futures.ThreadPoolExecutor(len(learners)) as pool:
        return list(pool.map(one, enumerate(learners)))


def spread(results: list[dict], key: str) -> str:
    """median/max of one timing over the learners that have it."""
    values = [float(r[key]) for r in results if key in r]
    return f"{statistics.median(values):5.1f}/{max(values):5.1f}" if values else "    -/    -"


def main() -> None:
    """Bring the room up, run the steps until one fails or degrades, print each step and the disk, take it down."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", default="1,2,4,6,8,10", help="learners active at each step (the first is the baseline)")
    ap.add_argument("--exercise", default="00-hello-service", help="the exercise every learner solves and checks")
    ap.add_argument("--bound", type=float, default=3.0, help="stop when the slowest learner takes this x the baseline")
    ap.add_argument("--timeout", type=float, default=600.0, help="a learner's hard limit for the whole script (s)")
    ap.add_argument("--reserve", type=float, default=2.0, help="stop when less than this many GiB are available")
    ap.add_argument("--stagger", type=float, default=0.0, help="seconds between learners' starts (0: all at once)")
    ap.add_argument("--settle", type=float, default=10.0, help="seconds before measuring the settled labs")
    ap.add_argument("--pool", action="store_true", help="let learners prepare their next notebook's lab (LABKIT_POOL)")
    args = ap.parse_args()
    steps = sorted({int(s) for s in args.steps.split(",")})
    lab = plan_of(check_by_id(args.exercise).notebook).lab_name
    env = {} if args.pool else {"LABKIT_POOL": "0"}
    if hub_pid(names.state_dir()) is not None:
        sys.exit("a workshop is up: take it down first (this benchmark would)")
    room.down()
    learners = [f"cap{i}" for i in range(1, max(steps) + 1)]
    disk0 = shutil.disk_usage("/var/lib/docker").used / 2**20
    idle0 = host_used_mib()
    t = time.monotonic()
    room.up(learners, port=38600, cards=Path("/tmp/bench-workshop-capacity-cards.html"), log=lambda line: None)
    print(f"workshop up, {len(learners)} learners: {time.monotonic() - t:.1f} s (images present)", flush=True)
    print(f"exercise {args.exercise} on lab {lab}; bound {args.bound:g}x the baseline, timeout {args.timeout:.0f} s, ")
    print(
        f"stagger {args.stagger:g} s, reserve {args.reserve:g} GiB; host memory in use before the room: {idle0:.0f} MiB"
    )
    print(
        "  N  new logins (s)  ok   open med/max  solution med/max  check med/max  total med/max  "
        "host MiB before/peak/settled  load peak/now",
        flush=True,
    )
    baseline, active, verdict = 0.0, 0, "every step passed"
    try:
        for n in steps:
            new = learners[active:n]
            logins = login_all(new)
            with concurrent.futures.ThreadPoolExecutor(max(1, active)) as pool:  # every learner starts from no lab
                list(pool.map(lambda learner: as_learner(learner, STOP, lab), learners[:active]))
            active = n
            time.sleep(args.settle)
            before, cpu0, t0 = host_used_mib(), cpu_busy_s(), time.monotonic()
            with Sampler() as sampled:
                results = work_all(learners[:n], args.exercise, env, args.stagger, args.timeout)
            cpu, wall = cpu_busy_s() - cpu0, time.monotonic() - t0
            cpu1 = cpu_busy_s()
            time.sleep(args.settle)
            idle_cpu = (cpu_busy_s() - cpu1) / args.settle
            settled = host_used_mib()
            ok = sum(bool(r.get("ok")) for r in results)
            slowest = max(float(r.get("total", args.timeout)) for r in results)
            baseline = baseline or statistics.median(float(r.get("total", 0)) for r in results)
            print(
                f"{n:3d}  {len(new):2d} in {logins:5.1f}    {ok:2d}/{n:<2d} {spread(results, 'open')}     "
                f"{spread(results, 'solution')}      {spread(results, 'check')}   {spread(results, 'total')}   "
                f"{before:6.0f}/{sampled.peak_mib:6.0f}/{settled:6.0f}          {sampled.peak_load:4.1f}/{load()}",
                flush=True,
            )
            if n == steps[0]:
                first = results[0]
                print(f"     a learner's first open_lab after login: {first.get('open', float('nan')):.1f} s")
            print(
                f"     CPU: {cpu:.0f} CPU-s busy in {wall:.0f} s for the step ({cpu / n:.1f} CPU-s per learner, "
                f"{cpu / wall:.2f} of {os.cpu_count()} cores); {idle_cpu:.2f} cores busy with the N labs settled"
            )
            per = [container_mib(names.server_name(x)) + container_mib(names.engine_name(x)) for x in learners[:n]]
            print(
                f"     per learner, settled: server + engine {statistics.median(per):.0f} MiB (median); "
                f"host in use per learner {(settled - idle0) / n:.0f} MiB (the room's whole growth / N)",
                flush=True,
            )
            for r in results:
                if not r.get("ok"):
                    print(f"     failed: {r.get('error') or r.get('text')}")
            if ok < n:
                verdict = f"stopped at N={n}: {n - ok} learner(s) failed"
            elif slowest > args.bound * baseline:
                verdict = (
                    f"stopped at N={n}: the slowest learner took {slowest:.0f} s > {args.bound:g}x {baseline:.0f} s"
                )
            elif _total_mib() - sampled.peak_mib < args.reserve * 1024:
                verdict = f"stopped at N={n}: less than {args.reserve:g} GiB of memory left"
            if verdict != "every step passed":
                break
        print(verdict)
        print(disk_line(disk0, active))
    finally:
        t = time.monotonic()
        room.down()
        print(f"workshop down: {time.monotonic() - t:.1f} s")


def _total_mib() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return int(info["MemTotal"].split()[0]) / 1024


def disk_line(disk0: float, active: int) -> str:
    """The mirror (once), one learner's engine and home, and what the engine's disk grew by for the room."""
    grew = shutil.disk_usage("/var/lib/docker").used / 2**20 - disk0
    mirror, engine = disk_mib(names.mirror_volume()), disk_mib(names.docker_volume("cap1"))
    home = disk_mib(names.home_volume("cap1"))
    return (
        f"disk: mirror {mirror:.0f} MB once; learner cap1's engine {engine:.0f} MB with its lab, home {home:.0f} MB; "
        f"/var/lib/docker grew {grew:.0f} MB for the room of {active} active learner(s)"
    )


if __name__ == "__main__":
    main()
