"""Soak: many lab lifetimes in a row must leave nothing behind (issue 7 §5).

    .venv/bin/python benchmarks/soak.py [--cycles 30]

Each cycle: `labkit up` (a new CLI process, as a user runs it) → `docker service create` →
kill a worker → wait until its replicas run elsewhere → `labkit down`. Before the first cycle
and after the last, it measures labkit's objects on the engine, leftover node cgroups on this
host, and the host's used memory, and prints the three figures with the end/start ratio; also the memory after
the first cycle (a one-time warm-up against a per-cycle growth) and the host dockerd's and containerd's RSS.
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
from labkit.base.errors import WaitTimeout
from labkit.base.facts import KIND_REGISTRY, label_filter
from labkit.base.poll import poll
from labkit.host.cgroups import leftover_cgroups
from labkit.host.engine import client
from labkit.host.registry import linger

CLI = [sys.executable, "-m", "labkit.cli"]


def labkit_objects() -> int:
    """Containers, networks and volumes that belong to a lab (the registry's cache volume is not a leak)."""
    api = client().api
    flt = {"label": ["labkit.managed=true", "labkit.lab"]}
    return (
        len(api.containers(all=True, filters=flt))
        + len(api.networks(filters=flt))
        + len((api.volumes(filters=flt) or {}).get("Volumes") or [])
    )


def used_memory_mb() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())

    def kb(key: str) -> int:
        return int(info[key].split()[0])

    return (kb("MemTotal") - kb("MemAvailable")) / 1024


def engine_rss_mb() -> dict[str, float]:
    """Resident memory of the host's dockerd and containerd (where an engine-side growth would show)."""
    rss: dict[str, float] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        name = fields.get("Name", "").strip()
        if name in ("dockerd", "containerd") and "VmRSS" in fields:
            rss[name] = rss.get(name, 0.0) + int(fields["VmRSS"].split()[0]) / 1024
    return rss


def registry_gone() -> None:
    """Wait until the lab registry has gone (it lingers after the last lab for the next one): before and after are
    then measured in the same state, with no lab and no registry."""
    poll(
        lambda: client().api.containers(filters=label_filter(KIND_REGISTRY)),
        lambda running: not running,
        timeout=linger() + 30,
        interval=1,
        what="the lab registry to be released after the last lab",
    )


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_kernel_caches() -> bool:
    """Free the kernel's reclaimable caches (as root): page cache, dentries and inodes, and with them the memory
    cgroups of removed containers that stay "dying" while cached pages still point at them. Measured here, these
    grow with every lab's lifetime and are freed under pressure; without dropping them, a soak measures the
    kernel's caching, not memory anything holds."""
    try:
        subprocess.run(["sync"], check=False)
        DROP_CACHES.write_text("3\n")
        return True
    except OSError:  # not root: measured with the caches in
        return False


def settled_memory() -> float:
    """Used memory after the engine has had a moment to free what a removed lab held (kernel caches dropped)."""
    registry_gone()
    time.sleep(5)
    drop_kernel_caches()
    time.sleep(1)
    readings = []
    for _ in range(5):  # a median of five readings half a second apart: one reading can catch a transient
        readings.append(used_memory_mb())
        time.sleep(0.5)
    return statistics.median(readings)


def cycle(i: int) -> float:
    name = f"soak-{uuid.uuid4().hex[:4]}"
    t0 = time.monotonic()
    subprocess.run([*CLI, "up", "--name", name, "--workers", "2"], check=True, capture_output=True)
    try:
        lab = labkit.Lab.attach(name)
        lab.node("manager1").sh("docker service create --detach --name web --replicas 4 labkit/whoami")
        lab.wait(lambda s: len(s.running("web")) == 4, timeout=120, quiet=True)
        lab.node("worker2").kill()
        lab.wait(lambda s: len(s.running("web")) == 4 and "worker2" not in s.placement("web"), timeout=120, quiet=True)
    finally:
        subprocess.run([*CLI, "down", name], check=True, capture_output=True)
    return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=30)
    args = parser.parse_args()
    objects0, cgroups0, mem0, rss0 = labkit_objects(), len(leftover_cgroups()), settled_memory(), engine_rss_mb()
    times = []
    for i in range(args.cycles):
        times.append(cycle(i))
        print(f"cycle {i + 1:2}/{args.cycles}: {times[-1]:5.1f} s", flush=True)
        if i == 0:  # what one lab's lifetime leaves in memory, to tell a one-time warm-up from a per-cycle growth
            mem_first, rss_first = settled_memory(), engine_rss_mb()
    try:  # the last lab's node volumes are deleted by a detached process after `labkit down` returned
        poll(labkit_objects, lambda n: n <= objects0, timeout=120, interval=0.5, what="the last volumes to go")
    except WaitTimeout:
        pass  # counted below
    objects1, cgroups1, mem1, rss1 = labkit_objects(), len(leftover_cgroups()), settled_memory(), engine_rss_mb()
    print(
        f"\n{args.cycles} cycles (up → service → kill a worker → replicas elsewhere → down), "
        f"median {statistics.median(times):.1f} s each"
    )
    print(f"labkit objects on the engine: {objects0} before, {objects1} after")
    print(f"leftover node cgroups:        {cgroups0} before, {cgroups1} after")
    dropped = drop_kernel_caches()
    caches = "kernel caches dropped before each reading" if dropped else "kernel caches included (not root)"
    print(
        f"host memory used ({caches}): {mem0:.0f} MB before, {mem1:.0f} MB after, "
        f"ratio {mem1 / mem0:.3f}x (target <= 1.05x: {'OK' if mem1 <= mem0 * 1.05 else 'OVER TARGET'})"
    )
    if args.cycles > 1:
        print(f"  after the first cycle {mem_first:.0f} MB: cycles 2-{args.cycles} changed it {mem1 / mem_first:.3f}x")
    for proc in sorted(set(rss0) | set(rss1)):
        print(
            f"  {proc} resident: {rss0.get(proc, 0):.0f} MB before, "
            + (f"{rss_first.get(proc, 0):.0f} MB after cycle 1, " if args.cycles > 1 else "")
            + f"{rss1.get(proc, 0):.0f} MB after"
        )


if __name__ == "__main__":
    main()
