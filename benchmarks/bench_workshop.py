"""Benchmark: a workshop room on real JupyterHub (issue 12 §2), on this engine.

    flock /tmp/coord/engine.lock .venv/bin/python benchmarks/bench_workshop.py [--learners N] [--lab]

Measures: `workshop up` for N learners (images present); every learner's server and engine started at once
through the hub's API, until all are ready; per-learner memory at idle (JupyterLab + engine) and, with
--lab, with a 1+2 lab in each engine and its start time; the hub's share (hub + proxy + culler); disk per
learner (their engine's /var/lib/docker) and of the shared mirror; `workshop reset`; `workshop down`.
A room already up is refused (it would be taken down).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labkit.host.engine import client
from labkit.workshop import names, room
from labkit.workshop.hub import hub_pid


def _rss_mb(pids: list[str]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(
                next(
                    line.split()[1]
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("VmRSS")
                )
            )
        except (OSError, StopIteration):
            continue
    return total / 1024


def _mem_mb(container: str) -> float:
    return room._mem(client().api.inspect_container(container)["Id"]) / 2**20


def _disk_mb(volume: str) -> float:
    path = client().api.inspect_volume(volume)["Mountpoint"]
    out = subprocess.run(["du", "-sm", path], capture_output=True, text=True).stdout.split()
    return float(out[0]) if out else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=3)
    ap.add_argument("--lab", action="store_true", help="also start a 1+2 lab in every learner's engine")
    args = ap.parse_args()
    if hub_pid(names.state_dir()) is not None:
        sys.exit("a workshop is up: take it down first (this benchmark would)")
    room.down()
    learners = [f"learner{i}" for i in range(1, args.learners + 1)]
    t = time.monotonic()
    up = room.up(learners, port=38600, cards=Path("/tmp/bench-workshop-cards.html"), log=lambda line: None)
    print(f"workshop up, {len(learners)} learners: {time.monotonic() - t:.1f} s (images present)")
    try:
        api = room._api()
        t = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(len(learners)) as pool:
            list(pool.map(api.start_server, learners))
        print(f"all {len(learners)} servers + engines started at once: {time.monotonic() - t:.1f} s")
        time.sleep(10)  # settle
        idle = [_mem_mb(names.server_name(n)) + _mem_mb(names.engine_name(n)) for n in learners]
        first = learners[0]
        print(
            f"per learner at idle (JupyterLab + engine): {sum(idle) / len(idle):.0f} MiB "
            f"(server {_mem_mb(names.server_name(first)):.0f}, engine {_mem_mb(names.engine_name(first)):.0f})"
        )
        pids = subprocess.run(
            ["pgrep", "-f", "python -m jupyterhub|configurable-http-proxy"], capture_output=True, text=True
        ).stdout.split()
        print(f"hub share (hub + proxy + culler, RSS): {_rss_mb(pids):.0f} MB for the room")
        print(
            f"disk: mirror {_disk_mb(names.mirror_volume()):.0f} MB once; per learner engine "
            f"{_disk_mb(names.docker_volume(learners[0])):.0f} MB"
        )
        if args.lab:
            code = (
                "import time, labkit; t=time.monotonic(); labkit.Lab(managers=1, workers=2, name='bench', "
                "quiet=True).start(); print(time.monotonic()-t)"
            )
            for n in learners:
                r = subprocess.run(
                    ["docker", "exec", "-u", "1000", names.server_name(n), "python", "-c", code],
                    capture_output=True,
                    text=True,
                )
                print(f"{n}: 1+2 lab in its engine: {r.stdout.strip() or r.stderr[-300:]} s")
            time.sleep(10)
            with_lab = [_mem_mb(names.server_name(n)) + _mem_mb(names.engine_name(n)) for n in learners]
            print(f"per learner with a 1+2 lab: {sum(with_lab) / len(with_lab):.0f} MiB")
            print(f"disk per learner engine with the lab: {_disk_mb(names.docker_volume(learners[0])):.0f} MB")
        t = time.monotonic()
        room.reset(learners[0], keep_progress=True, log=lambda line: None)
        print(f"workshop reset {learners[0]}: {time.monotonic() - t:.1f} s")
    finally:
        t = time.monotonic()
        room.down()
        print(f"workshop down: {time.monotonic() - t:.1f} s; {up.url} gone")


if __name__ == "__main__":
    main()
