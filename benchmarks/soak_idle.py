"""Idle soak: with the lab's tuned heartbeat, a healthy lab must never flap (issue 9 §3).

    .venv/bin/python benchmarks/soak_idle.py [--minutes 10]

A 1+2 lab runs a busy service (one task per node spinning a CPU) for the given minutes while snapshots
are taken twice a second. Every node must stay Ready the whole time. Prints how many snapshots saw a
node not Ready, and the longest gap between snapshots (a stalled reader would hide a flap).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import labkit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    with labkit.Lab(managers=1, workers=2, name=f"soak-{uuid.uuid4().hex[:4]}", quiet=True) as lab:
        lab.node("manager1").sh(
            "docker service create --detach --name busy --mode global busybox sh -c 'while :; do :; done'"
        )
        lab.wait(lambda s: len(s.running("busy")) == 3, timeout=120, quiet=True)
        end = time.monotonic() + args.minutes * 60
        snaps = flaps = 0
        seen: set[str] = set()
        last, longest = time.monotonic(), 0.0
        while time.monotonic() < end:
            snap = lab.snapshot()
            now = time.monotonic()
            longest, last = max(longest, now - last), now
            snaps += 1
            down = [n.hostname for n in snap.nodes if n.state != "ready"] if snap.error is None else ["(no answer)"]
            if down:
                flaps += 1
                seen.update(down)
            time.sleep(0.5)
        print(
            f"heartbeat {lab.heartbeat}, {args.minutes:g} min with a busy service on every node: {snaps} snapshots, "
            f"{flaps} saw a node not Ready {sorted(seen) or ''} (target 0: {'OK' if flaps == 0 else 'FLAPPED'}); "
            f"longest gap between snapshots {longest:.1f} s"
        )


if __name__ == "__main__":
    main()
