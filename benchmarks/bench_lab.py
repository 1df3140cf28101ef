"""Benchmark: labkit against a hand-rolled shell baseline, in the same run, on the same engine.

    .venv/bin/python benchmarks/bench_lab.py [--rounds N]

Measures, side by side (medians over the rounds, baseline and labkit rounds alternating):
  - nothing -> all nodes Ready: the hand-rolled `docker run` + `docker exec` script (same image, same flags)
    vs `Lab(...).start()` in-process, and vs `labkit up` as a user runs it (a new process each time);
    for 1+2 and 3+3 nodes; where a cold start's time goes, step by step;
  - warm start: a 1+2 lab prepared in advance (`labkit prepare`), then `Lab.start()` / `labkit up` take it;
  - teardown: `docker rm -f -v` + `docker network rm` vs `lab.stop()` and `labkit down`;
  - kill -> Down and kill -> replacement Running, with the lab tuning vs Docker's default heartbeat (median and
    range over the rounds);
  - idle memory per node: labkit's nodes vs the hand-rolled script's nodes (the same dockerd in the same image),
    and what a prepared lab holds.
Prints each figure with its same-run baseline and the ratio, and the targets of issue 9.
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

import labkit
from labkit.host.engine import ensure_engine
from labkit.host.networks import used_subnets
from labkit.host.probe import node_mode
from labkit.host.registry import ensure_registry, release_registry
from labkit.images import NODE, ensure_images, registry_plan

BASELINE = r"""
set -e
LAB=$1; M=$2; W=$3; SUBNET=$4
docker network create --subnet $SUBNET.0/24 --label bench=$LAB $LAB-net >/dev/null
i=10
for role in manager worker; do
  n=$M; [ $role = worker ] && n=$W
  for k in $(seq 1 $n); do
    i=$((i+1)); name=$role$k
    docker run -d --name $LAB-$name --hostname $name --label bench=$LAB --network $LAB-net --ip $SUBNET.$i \
      --tmpfs /run --tmpfs /tmp --init --restart unless-stopped __FLAGS__ \
      --mount type=volume,dst=/var/lib/docker,volume-label=bench=$LAB \
      labkit/node:latest dockerd --host=unix:///var/run/docker.sock --cgroup-parent=/bench/$LAB-$name >/dev/null &
  done
done
wait
for c in $(docker ps -q --filter label=bench=$LAB); do
  (until docker exec $c docker version >/dev/null 2>&1; do sleep 0.1; done) &
done
wait
docker exec $LAB-manager1 docker swarm init --advertise-addr $SUBNET.11 >/dev/null
MT=$(docker exec $LAB-manager1 docker swarm join-token -q manager)
WT=$(docker exec $LAB-manager1 docker swarm join-token -q worker)
for k in $(seq 2 $M); do docker exec $LAB-manager$k docker swarm join --token $MT $SUBNET.11:2377 >/dev/null; done
for k in $(seq 1 $W); do docker exec $LAB-worker$k docker swarm join --token $WT $SUBNET.11:2377 >/dev/null & done
wait
until [ "$(docker exec $LAB-manager1 docker node ls --format '{{.Status}}' | grep -c Ready)" = $((M+W)) ]; do
  sleep 0.1
done
"""

TEARDOWN = r"""
LAB=$1
docker rm -fv $(docker ps -aq --filter label=bench=$LAB) >/dev/null
docker network rm $LAB-net >/dev/null
docker volume rm $(docker volume ls -q --filter label=bench=$LAB) >/dev/null 2>&1 || true
"""


def node_flags() -> str:
    """The same docker run flags labkit uses on this engine (measured mode)."""
    mode = node_mode(NODE.tag)
    if mode.name == "privileged":
        return "--privileged"
    return (
        "--cap-add=ALL "
        + "".join(f"--cap-drop={c} " for c in mode.cap_drop)
        + "--security-opt seccomp=unconfined --security-opt apparmor=unconfined "
        "--device-cgroup-rule='a *:* rwm' -v /sys/fs/cgroup:/sys/fs/cgroup:rw"
    )


def free_subnet() -> str:
    used = used_subnets()
    import ipaddress

    for third in range(200, 255):
        net = ipaddress.ip_network(f"172.30.{third}.0/24")
        if not any(net.overlaps(u) for u in used):
            return f"172.30.{third}"
    raise RuntimeError("no free subnet")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def baseline_round(managers: int, workers: int) -> tuple[float, float]:
    lab = f"bench-{uuid.uuid4().hex[:4]}"
    script = BASELINE.replace("__FLAGS__", node_flags())
    try:
        up = timed(
            lambda: subprocess.run(
                ["bash", "-c", script, "bench", lab, str(managers), str(workers), free_subnet()], check=True
            )
        )
    except BaseException:
        subprocess.run(["bash", "-c", TEARDOWN, "bench", lab])  # never leave the baseline's containers behind
        raise
    down = timed(lambda: subprocess.run(["bash", "-c", TEARDOWN, "bench", lab], check=True))
    return up, down


STEPS: dict[str, list[float]] = {}  # start step -> seconds, over every in-process cold start


def labkit_round(managers: int, workers: int) -> tuple[float, float]:
    lab = labkit.Lab(managers=managers, workers=workers, name=f"bench-{uuid.uuid4().hex[:4]}", quiet=True)
    up = timed(lab.start)
    for step, seconds in lab.timings:
        STEPS.setdefault(f"{managers}+{workers} {step}", []).append(seconds)
    down = timed(lab.stop)
    return up, down


def cli(*args: str, check: bool = True) -> None:
    subprocess.run([sys.executable, "-m", "labkit.cli", *args], check=check, capture_output=True)


def cli_round(managers: int, workers: int) -> tuple[float, float]:
    """`labkit up` and `labkit down` as a user runs them: a new process each, imports included."""
    name = f"bench-{uuid.uuid4().hex[:4]}"
    up = timed(lambda: cli("up", "--name", name, "--managers", str(managers), "--workers", str(workers)))
    down = timed(lambda: cli("down", name))
    return up, down


def warm_round() -> tuple[float, float]:
    """A 1+2 lab prepared in advance, taken by `Lab.start()` in-process, and another by `labkit up`."""
    env_pool = {"LABKIT_POOL": "6"}
    a, b = f"bench-{uuid.uuid4().hex[:4]}", f"bench-{uuid.uuid4().hex[:4]}"
    for name in (a, b):
        subprocess.run(
            [sys.executable, "-m", "labkit.cli", "prepare", name, "--workers", "2"],
            check=True,
            capture_output=True,
            env={**__import__("os").environ, **env_pool},
        )
    lab = labkit.Lab(managers=1, workers=2, name=a, quiet=True)
    in_process = timed(lab.start)
    assert not lab.timings, "the prepared lab was not taken"
    lab.stop()
    through_cli = timed(lambda: cli("up", "--name", b, "--workers", "2"))
    cli("down", b)
    return in_process, through_cli


def failover(heartbeat: str | None) -> tuple[float, float]:
    """Seconds from killing a worker to it being Down, and to its replicas running elsewhere."""
    with labkit.Lab(
        managers=1, workers=2, quiet=True, heartbeat=heartbeat, name=f"bench-{uuid.uuid4().hex[:4]}"
    ) as lab:
        lab.node("manager1").sh(
            "docker service create --detach --name web --replicas 6 --restart-delay 1s labkit/whoami"
        )
        lab.wait(lambda s: len(s.running("web")) == 6, quiet=True, timeout=120)
        t0 = time.perf_counter()
        lab.node("worker2").kill()
        lab.wait(lambda s: s.node("worker2").state == "down", timeout=60, quiet=True, interval=0.1)
        to_down = time.perf_counter() - t0
        lab.wait(
            lambda s: len(s.running("web")) == 6 and "worker2" not in s.placement("web"),
            timeout=90,
            quiet=True,
            interval=0.1,
        )
        return to_down, time.perf_counter() - t0


def memory_of(containers: list[str]) -> list[float]:
    """MB each container uses (what `docker stats` shows)."""
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *containers],
        capture_output=True,
        text=True,
    ).stdout
    mem = []
    for line in out.splitlines():
        value = line.split()[1]
        num = float(value.rstrip("KMGiB"))
        mem.append(num / 1024 if value.endswith("KiB") else num * 1024 if value.endswith("GiB") else num)
    return mem


def idle_memory() -> tuple[list[float], list[float], float]:
    """Idle MB per node: labkit's, the hand-rolled script's (same image and dockerd), and a prepared 1+2 lab's."""
    base = f"bench-{uuid.uuid4().hex[:4]}"
    script = BASELINE.replace("__FLAGS__", node_flags())
    subprocess.run(["bash", "-c", script, "bench", base, "1", "2", free_subnet()], check=True)
    try:
        with labkit.Lab(managers=1, workers=2, quiet=True, name=f"bench-{uuid.uuid4().hex[:4]}") as lab:
            time.sleep(10)
            ours = memory_of([n.container_name for n in lab.nodes])
            theirs = memory_of([f"{base}-{h}" for h in ("manager1", "worker1", "worker2")])
    finally:
        subprocess.run(["bash", "-c", TEARDOWN, "bench", base])
    warm = f"bench-{uuid.uuid4().hex[:4]}"
    subprocess.run(
        [sys.executable, "-m", "labkit.cli", "prepare", warm, "--workers", "2"],
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "LABKIT_POOL": "6"},
    )
    time.sleep(10)
    pooled = sum(memory_of([f"{warm}-{h}" for h in ("manager1", "worker1", "worker2")]))
    cli("down", warm)
    return ours, theirs, pooled


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ensure_engine()
    ensure_images()
    ensure_registry(registry_plan(), log=lambda s: None)  # fill its data volume; each lab start then starts it
    release_registry()
    med = statistics.median
    print(f"node image {NODE.tag}, nodes in {node_mode(NODE.tag).name} mode, {args.rounds} rounds (median)\n")
    cold_baseline = {}
    for (m, w), target in {(1, 2): 1.0, (3, 3): 1.0}.items():
        base, lk, lc = [], [], []
        for _ in range(args.rounds):  # alternate, so warm caches favour neither side
            base.append(baseline_round(m, w))
            lk.append(labkit_round(m, w))
            lc.append(cli_round(m, w))
        b_up, l_up, c_up = med(b for b, _ in base), med(u for u, _ in lk), med(u for u, _ in lc)
        b_dn, l_dn, c_dn = med(d for _, d in base), med(d for _, d in lk), med(d for _, d in lc)
        cold_baseline[(m, w)] = b_up
        print(
            f"{m}+{w} cold start:  baseline {b_up:5.2f} s  Lab.start {l_up:5.2f} s ({l_up / b_up:4.2f}x)  "
            f"labkit up {c_up:5.2f} s ({c_up / b_up:4.2f}x, target <= {target}x: "
            f"{'OK' if c_up / b_up <= target else 'OVER TARGET'})"
        )
        print(
            f"{m}+{w} teardown:    baseline {b_dn:5.2f} s  lab.stop  {l_dn:5.2f} s ({l_dn / b_dn:4.2f}x)  "
            f"labkit down {c_dn:5.2f} s ({c_dn / b_dn:4.2f}x, target <= 0.8x: "
            f"{'OK' if l_dn / b_dn <= 0.8 else 'OVER TARGET'})"
        )
    print("\nwhere a cold start's time goes (median seconds per step):")
    for step, values in STEPS.items():
        print(f"  {step:58} {med(values):5.2f}")
    warm = [warm_round() for _ in range(args.rounds)]
    w_in, w_cli, base = med(a for a, _ in warm), med(b for _, b in warm), cold_baseline[(1, 2)]
    print(
        f"\n1+2 warm start (prepared in advance): Lab.start {w_in:5.2f} s ({w_in / base:4.2f}x the cold baseline, "
        f"target <= 1.0 s and <= 0.35x: {'OK' if w_in <= 1.0 and w_in / base <= 0.35 else 'OVER TARGET'})  "
        f"labkit up {w_cli:5.2f} s ({w_cli / base:4.2f}x)"
    )
    tuned_runs = [failover(labkit.Lab(name="x").heartbeat) for _ in range(args.rounds)]
    default_runs = [failover(None) for _ in range(args.rounds)]
    tuned = (med(d for d, _ in tuned_runs), med(r for _, r in tuned_runs))
    default = (med(d for d, _ in default_runs), med(r for _, r in default_runs))

    def spread(runs: list, i: int) -> str:
        return f"{min(r[i] for r in runs):.1f}-{max(r[i] for r in runs):.1f}"

    print(
        f"\nkill -> Down:                 tuned {tuned[0]:5.1f} s ({spread(tuned_runs, 0)})  "
        f"default {default[0]:5.1f} s "
        f"({spread(default_runs, 0)})  ratio {tuned[0] / default[0]:4.2f}x (target tuned <= 4 s: "
        f"{'OK' if tuned[0] <= 4 else 'OVER TARGET'})"
    )
    print(
        f"kill -> replacement Running:  tuned {tuned[1]:5.1f} s ({spread(tuned_runs, 1)})  default {default[1]:5.1f} s "
        f"({spread(default_runs, 1)})  ratio {tuned[1] / default[1]:4.2f}x (target tuned <= 5 s: "
        f"{'OK' if tuned[1] <= 5 else 'OVER TARGET'})"
    )
    ours, theirs, pooled = idle_memory()
    print(
        f"\nidle memory per node: labkit {med(ours):.0f} MB, hand-rolled (same image, same dockerd) "
        f"{med(theirs):.0f} MB, ratio {med(ours) / med(theirs):4.2f}x (target <= 1.1x: "
        f"{'OK' if med(ours) <= 1.1 * med(theirs) else 'OVER TARGET'})"
    )
    print(f"a prepared 1+2 lab holds {pooled:.0f} MB until it is taken (LABKIT_POOL=0 turns preparing off)")


if __name__ == "__main__":
    main()
