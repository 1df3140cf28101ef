"""Benchmark: `labkit down` and `labkit status` as a user runs them, against a hand-rolled baseline in the same run.

    .venv/bin/python benchmarks/bench_teardown.py [--rounds N] [--shapes 1+2,3+2]

Measures, side by side (medians over the rounds; baseline and labkit rounds alternate):
  - teardown of a lab through the CLI (a new `labkit down NAME` process, imports included), for each shape:
    empty, running 4 nginx tasks, and running 4 nginx tasks with `--publish 8080:80`. The baseline is the
    hand-rolled script of bench_lab.py whose nodes use the lab registry as their mirror, as labkit's do, with
    the same service; it is removed with `docker rm -f` (nodes), `docker network disconnect` (the registry) +
    `docker network rm`, then `docker volume rm`, each step timed: where a teardown's time goes.
    labkit's `down` returns once the containers and the network are gone; the node volumes are then deleted by a
    detached process (labkit.host.volume_reaper): how long until they are gone is printed too, and the next
    round starts only after.
  - `labkit status` (a new process) with two 1+2 labs on the engine, against
    `docker ps -a --filter label=labkit.kind=node` listing the same containers.
Prints absolute times, the ratio to the baseline and the targets of issue 16.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lab import BASELINE, free_subnet, node_flags, timed

import labkit
from labkit.base.poll import poll
from labkit.host.engine import client, ensure_engine
from labkit.host.registry import ensure_registry, release_registry
from labkit.images import ensure_images, registry_plan

TEARDOWN_TARGET = 1.1  # CLI teardown <= 1.1x its baseline (issue 16)
STATUS_TARGET = 0.3  # seconds, `labkit status` with two labs

SERVICES = {  # scenario -> the service the lab runs (the baseline's nodes run the same one)
    "empty": None,
    "4 nginx": "docker service create --detach --name web --replicas 4 nginx",
    "4 nginx --publish": "docker service create --detach --name web --replicas 4 --publish 8080:80 nginx",
}


def _mirrored(script: str) -> str:
    """bench_lab's baseline, its nodes using the lab registry as their Docker Hub mirror (as labkit's nodes do)."""
    net = "docker network create --subnet $SUBNET.0/24 --label bench=$LAB $LAB-net >/dev/null\n"
    dockerd = "dockerd --host=unix:///var/run/docker.sock"
    assert script.count(net) == 1 and script.count(dockerd) == 1, "bench_lab.BASELINE changed"
    return script.replace(net, net + "docker network connect --alias registry $LAB-net labkit-registry\n").replace(
        dockerd, dockerd + " --registry-mirror=http://registry:5000 --insecure-registry=registry:5000"
    )


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


def running_web(ask: list[str]) -> bool:
    out = subprocess.run(
        [*ask, "docker", "service", "ls", "--format", "{{.Replicas}}"], capture_output=True, text=True
    ).stdout
    return out.strip() == "4/4"


def baseline_round(managers: int, workers: int, service: str | None) -> dict[str, float]:
    """A hand-rolled lab running `service`, then its hand-rolled teardown; seconds per step."""
    ensure_registry(registry_plan(), log=lambda s: None)  # a labkit round's releaser may have released it
    lab = f"bench-{uuid.uuid4().hex[:4]}"
    try:
        subprocess.run(
            [
                "bash",
                "-c",
                _mirrored(BASELINE).replace("__FLAGS__", node_flags()),
                "bench",
                lab,
                str(managers),
                str(workers),
                free_subnet(),
            ],
            check=True,
        )
        if service:
            ask = ["docker", "exec", f"{lab}-manager1"]
            subprocess.run([*ask, *service.split()], check=True, capture_output=True)
            poll(lambda: running_web(ask), bool, timeout=180, interval=0.5, what="4 running tasks (baseline)")
    finally:
        steps = {}
        # `rm -f` without -v: the volumes' deletion is timed on its own below (-v would do it here)
        steps["containers"] = timed(
            lambda: subprocess.run(
                ["bash", "-c", "docker rm -f $(docker ps -aq --filter label=bench=$1) >/dev/null", "rm", lab]
            )
        )
        steps["network"] = timed(
            lambda: subprocess.run(
                [
                    "bash",
                    "-c",
                    "docker network disconnect -f $1-net labkit-registry; docker network rm $1-net >/dev/null",
                    "net",
                    lab,
                ],
                capture_output=True,
            )
        )
        steps["volumes"] = timed(
            lambda: subprocess.run(
                ["bash", "-c", "docker volume rm $(docker volume ls -q --filter label=bench=$1) >/dev/null", "vol", lab]
            )
        )
    steps["total"] = sum(steps.values())
    return steps


def node_volumes(lab: str) -> list[str]:
    flt = {"label": [f"labkit.lab={lab}"]}
    return [v["Name"] for v in (client().api.volumes(filters=flt) or {}).get("Volumes") or []]


def labkit_round(managers: int, workers: int, service: str | None) -> dict[str, float]:
    """A labkit lab running `service`, removed by `labkit down NAME`; then until its volumes are gone."""
    name = f"bench-{uuid.uuid4().hex[:4]}"
    lab = labkit.Lab(managers=managers, workers=workers, name=name, quiet=True).start()
    if service:
        lab.node("manager1").sh(service)
        lab.wait_service("web", running=4, timeout=180)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "labkit.cli", "down", name], check=True, capture_output=True)
    down = time.perf_counter() - t0
    poll(lambda: node_volumes(name), lambda left: not left, timeout=600, interval=0.05, what="the volumes to go")
    return {"down": down, "all gone": time.perf_counter() - t0}


def status_round() -> tuple[float, float]:
    """`labkit status` and the baseline listing of the same node containers, once each."""
    ours = timed(
        lambda: subprocess.run([sys.executable, "-m", "labkit.cli", "status"], check=True, capture_output=True)
    )
    theirs = timed(
        lambda: docker(
            "ps", "-a", "--filter", "label=labkit.kind=node", "--format", '{{.Label "labkit.lab"}}\t{{.State}}'
        )
    )
    return ours, theirs


def teardown_figures(shape: str, rounds: int, scenarios: list[str]) -> None:
    managers, workers = (int(x) for x in shape.split("+"))
    med = statistics.median
    for scenario in scenarios:
        service = SERVICES[scenario]
        base, ours = [], []
        for _ in range(rounds):
            base.append(baseline_round(managers, workers, service))
            ours.append(labkit_round(managers, workers, service))
        b = {k: med(r[k] for r in base) for k in base[0]}
        down, gone = med(r["down"] for r in ours), med(r["all gone"] for r in ours)
        ratio = down / b["total"]
        print(
            f"{shape} teardown, {scenario:18} baseline {b['total']:5.2f} s (containers {b['containers']:.2f}, "
            f"network {b['network']:.2f}, volumes {b['volumes']:.2f})  labkit down {down:5.2f} s ({ratio:4.2f}x, "
            f"target <= {TEARDOWN_TARGET}x: {'OK' if ratio <= TEARDOWN_TARGET else 'OVER TARGET'}); "
            f"its volumes gone after {gone:5.2f} s",
            flush=True,
        )


def status_figures(rounds: int) -> None:
    labs = [
        labkit.Lab(managers=1, workers=2, name=f"bench-{uuid.uuid4().hex[:4]}", quiet=True).start() for _ in range(2)
    ]
    try:
        runs = [status_round() for _ in range(max(5, rounds))]
    finally:
        for lab in labs:
            lab.stop()
    ours, theirs = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(
        f"labkit status, two 1+2 labs: {ours:5.2f} s  baseline (docker ps --filter label=labkit.kind=node) "
        f"{theirs:5.2f} s ({ours / theirs:4.2f}x; target < {STATUS_TARGET} s: "
        f"{'OK' if ours < STATUS_TARGET else 'OVER TARGET'})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shapes", default="1+2", help="comma-separated MANAGERS+WORKERS (default: %(default)s)")
    parser.add_argument("--scenarios", default=",".join(SERVICES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--no-status", action="store_true", help="skip the `labkit status` figure")
    args = parser.parse_args()
    ensure_engine()
    ensure_images()
    print(f"{args.rounds} rounds (median); teardown through `labkit down` (a new process)\n", flush=True)
    for shape in args.shapes.split(","):
        teardown_figures(shape, args.rounds, args.scenarios.split(","))
    if not args.no_status:
        print()
        status_figures(args.rounds)
    release_registry()


if __name__ == "__main__":
    main()
