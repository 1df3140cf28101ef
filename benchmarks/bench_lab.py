"""Benchmark: labkit against a hand-rolled shell baseline, in the same run, on the same engine.

    .venv/bin/python benchmarks/bench_lab.py [--rounds N]

Measures, side by side:
  - nothing -> all nodes Ready: `Lab(...).start()` vs `docker run` + `docker exec` in bash
    (same image, same flags), for 1+2 and 3+3 nodes; and teardown time;
  - kill -> Down and kill -> replacement Running, with lab tuning (--dispatcher-heartbeat 2s)
    vs the default 5 s heartbeat;
  - idle memory per node.
Prints ratios and the targets (labkit <= 1.3x baseline for 1+2, <= 1.5x for 3+3,
kill -> replacement Running <= 8 s with tuning).
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

import labkit  # noqa: E402
from labkit.host.engine import ensure_engine  # noqa: E402
from labkit.host.networks import used_subnets  # noqa: E402
from labkit.host.probe import node_mode  # noqa: E402
from labkit.host.registry import ensure_registry, release_registry  # noqa: E402
from labkit.images import NODE, ensure_images, registry_plan  # noqa: E402

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
      --tmpfs /run --tmpfs /tmp --init --restart unless-stopped __FLAGS__ --mount type=volume,dst=/var/lib/docker,volume-label=bench=$LAB \
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
    return ("--cap-add=ALL " + "".join(f"--cap-drop={c} " for c in mode.cap_drop)
            + "--security-opt seccomp=unconfined --security-opt apparmor=unconfined "
            "--device-cgroup-rule='a *:* rwm' -v /sys/fs/cgroup:/sys/fs/cgroup:rw")


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
        up = timed(lambda: subprocess.run(["bash", "-c", script, "bench", lab, str(managers), str(workers),
                                           free_subnet()], check=True))
    except BaseException:
        subprocess.run(["bash", "-c", TEARDOWN, "bench", lab])  # never leave the baseline's containers behind
        raise
    down = timed(lambda: subprocess.run(["bash", "-c", TEARDOWN, "bench", lab], check=True))
    return up, down


def labkit_round(managers: int, workers: int) -> tuple[float, float]:
    lab = labkit.Lab(managers=managers, workers=workers, name=f"bench-{uuid.uuid4().hex[:4]}", quiet=True)
    up = timed(lab.start)
    down = timed(lab.stop)
    return up, down


def failover(heartbeat: str | None) -> tuple[float, float]:
    """Seconds from killing a worker to it being Down, and to its replicas running elsewhere."""
    with labkit.Lab(managers=1, workers=2, quiet=True, heartbeat=heartbeat, name=f"bench-{uuid.uuid4().hex[:4]}") as lab:
        lab.node("manager1").sh("docker service create --detach --name web --replicas 6 --restart-delay 1s "
                                "labkit/whoami")
        lab.wait(lambda s: len(s.running("web")) == 6, quiet=True, timeout=120)
        t0 = time.perf_counter()
        lab.node("worker2").kill()
        lab.wait(lambda s: s.node("worker2").state == "down", timeout=60, quiet=True, interval=0.1)
        to_down = time.perf_counter() - t0
        lab.wait(lambda s: len(s.running("web")) == 6 and "worker2" not in s.placement("web"), timeout=90,
                 quiet=True, interval=0.1)
        return to_down, time.perf_counter() - t0


def idle_memory() -> list[float]:
    with labkit.Lab(managers=1, workers=2, quiet=True, name=f"bench-{uuid.uuid4().hex[:4]}") as lab:
        time.sleep(10)
        out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}",
                              *[n.container_name for n in lab.nodes]], capture_output=True, text=True).stdout
    mem = []
    for line in out.splitlines():
        value = line.split()[1]
        num = float(value.rstrip("KMGiB"))
        mem.append(num / 1024 if value.endswith("KiB") else num * 1024 if value.endswith("GiB") else num)
    return mem


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ensure_engine()
    ensure_images()
    ensure_registry(registry_plan(), log=lambda s: None)  # fill its data volume; each lab start then starts the container
    release_registry()
    print(f"node image {NODE.tag}, nodes in {node_mode(NODE.tag).name} mode, {args.rounds} rounds (median)\n")
    targets = {(1, 2): 1.3, (3, 3): 1.5}
    for (m, w), target in targets.items():
        base, lk = [], []
        for _ in range(args.rounds):  # alternate, so warm caches favour neither side
            base.append(baseline_round(m, w))
            lk.append(labkit_round(m, w))
        b_up, l_up = statistics.median(b for b, _ in base), statistics.median(u for u, _ in lk)
        b_dn, l_dn = statistics.median(d for _, d in base), statistics.median(d for _, d in lk)
        verdict = "OK" if l_up / b_up <= target else "OVER TARGET"
        print(f"{m}+{w} nodes to Ready: baseline {b_up:5.2f} s  labkit {l_up:5.2f} s  ratio {l_up / b_up:4.2f}x "
              f"(target <= {target}x: {verdict})")
        print(f"{m}+{w} teardown:       baseline {b_dn:5.2f} s  labkit {l_dn:5.2f} s  ratio {l_dn / b_dn:4.2f}x")
    tuned, default = failover("2s"), failover(None)
    print(f"kill -> Down:                 tuned {tuned[0]:5.1f} s  default {default[0]:5.1f} s  "
          f"ratio {tuned[0] / default[0]:4.2f}x")
    print(f"kill -> replacement Running:  tuned {tuned[1]:5.1f} s  default {default[1]:5.1f} s  "
          f"ratio {tuned[1] / default[1]:4.2f}x (target tuned <= 8 s: {'OK' if tuned[1] <= 8 else 'OVER TARGET'})")
    mem = idle_memory()
    print("idle memory per node: " + ", ".join(f"{m:.0f} MB" for m in mem)
          + f" (median {statistics.median(mem):.0f} MB)")


if __name__ == "__main__":
    main()
