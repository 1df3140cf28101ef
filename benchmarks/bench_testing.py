"""Benchmark: `with SwarmContainer(1, 2)` against the hand-rolled shell baseline of bench_lab.py, in the same run.

    .venv/bin/python benchmarks/bench_testing.py [--rounds N]

Each round runs, one after the other on the same engine (alternating, so warm caches favour neither side):
  - the baseline: `docker run` of three nodes + `docker exec` of swarm init and joins until every node is Ready,
    then `docker rm -f -v` + `docker network rm` (bench_lab.BASELINE / TEARDOWN: same image, same flags);
  - `SwarmContainer(managers=1, workers=2)`: `__enter__` (entry to a Ready swarm) and `__exit__`.
Prints the medians with their same-run baseline, the ratio, and issue 15's target (cold start at most 1.1x).
Ryuk is disabled here (it cannot be pulled on our machines): where it runs it adds its own start, once per process.
Exit: the swarm's node volumes are handed to labkit's detached remover, the baseline removes its volumes itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lab import baseline_round
from testcontainers.core.config import testcontainers_config

from labkit.host.engine import ensure_engine
from labkit.host.probe import node_mode
from labkit.images import NODE, ensure_images
from labkit.testing import SwarmContainer

TARGET = 1.1
STEPS: dict[str, list[float]] = {}


def swarm_round() -> tuple[float, float]:
    """Seconds from `with SwarmContainer(1, 2)` entry to a Ready swarm, and of its exit."""
    swarm = SwarmContainer(managers=1, workers=2)
    t0 = time.perf_counter()
    swarm.__enter__()
    up = time.perf_counter() - t0
    try:
        assert all(n.state == "ready" for n in swarm.snapshot().nodes)
    finally:
        t1 = time.perf_counter()
        swarm.__exit__(None, None, None)
        down = time.perf_counter() - t1
    for step, seconds in swarm.timings:
        STEPS.setdefault(step, []).append(seconds)
    return up, down


def main() -> None:
    """Run the rounds and print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    testcontainers_config.ryuk_disabled = True  # this process only
    ensure_engine()
    ensure_images()
    swarm_round()  # once unmeasured: the registry data volume and the node-mode measurement exist afterwards
    base, tc = [], []
    for _ in range(args.rounds):
        base.append(baseline_round(1, 2))
        tc.append(swarm_round())
    med = statistics.median
    b_up, s_up = med(u for u, _ in base), med(u for u, _ in tc)
    b_dn, s_dn = med(d for _, d in base), med(d for _, d in tc)
    print(f"node image {NODE.tag}, nodes in {node_mode(NODE.tag).name} mode, {args.rounds} rounds (median)\n")
    verdict = "OK" if s_up / b_up <= TARGET else "OVER TARGET"
    print(
        f"1+2 cold start: baseline {b_up:5.2f} s  SwarmContainer entry->Ready {s_up:5.2f} s "
        f"({s_up / b_up:4.2f}x, target <= {TARGET}x: {verdict})"
    )
    print(f"1+2 exit:       baseline {b_dn:5.2f} s  SwarmContainer exit        {s_dn:5.2f} s ({s_dn / b_dn:4.2f}x)")
    print("\nwhere SwarmContainer's start goes (median seconds):")
    for step, values in STEPS.items():
        print(f"  {step:24} {med(values):5.2f}")


if __name__ == "__main__":
    main()
