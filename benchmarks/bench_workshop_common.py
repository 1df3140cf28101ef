"""What the workshop benchmarks share: run Python as a learner, read memory from cgroups, the host's load.

Not a benchmark itself. Memory is read from the host's cgroup v1 hierarchy (usage minus page cache, children
included), so a container and everything its nested engines started under it count once, on both sides of a
comparison. A restricted node's engine (on our host) puts its *tasks* under /labkit/<lab>-<node> at the hierarchy's
root: those cgroups are added to the lab they belong to. Inside a learner's engine the nodes run privileged, and their
tasks nest under the node's own cgroup (and so under the engine's limit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labkit.base.facts import KIND_REGISTRY, LABEL_KIND, LABEL_LAB
from labkit.host.engine import client
from labkit.workshop import names

MEMORY = Path("/sys/fs/cgroup/memory")
MIB = 2**20

# One learner at work, run inside their JupyterLab container (DOCKER_HOST is their own engine): open the exercise's
# notebook lab (reset to the exercise's section if it has steps), run the exercise's solution cell as the course's
# own CI does (a `%%node` cell's body on that node; a board cell as Python), then the course's real check. Prints one
# JSON line with the seconds of each part.
LEARNER_SCRIPT = r"""
import contextlib, io, json, sys, time
from labkit.course import check, open_lab, reset
from labkit.course.catalog import check_by_id, plan_of
ex = check_by_id(sys.argv[1])
out = {"exercise": ex.id}
t0 = time.monotonic()
try:
    with contextlib.redirect_stdout(io.StringIO()):
        steps = plan_of(ex.notebook).section(ex.section).steps
        lab = reset(ex.notebook, section=ex.section) if steps else open_lab(ex.notebook)
        out["open"] = time.monotonic() - t0
        head, body = ex.solution.split("\n", 1)
        t1 = time.monotonic()
        if head.startswith("%%node"):
            lab.node(head.split()[1]).sh(body)
        else:
            exec(ex.solution, {"lab": lab})
        t2 = time.monotonic()
        out["solution"] = t2 - t1
        result = check(ex.id)
        out["check"] = time.monotonic() - t2
        out["ok"] = result.ok
        out["text"] = result.text
except BaseException as exc:
    out["ok"] = False
    out["error"] = f"{type(exc).__name__}: {exc}"[-500:]
out["total"] = time.monotonic() - t0
print(json.dumps(out))
"""


def as_learner(learner: str, code: str, *args: str, timeout: float = 900, env: dict[str, str] | None = None) -> str:
    """Run `python -c code args` as the learner (uid 1000) in their JupyterLab container; its stdout (and stderr's
    tail if it failed)."""
    extra = [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
    argv = ["docker", "exec", "-u", "1000", *extra, names.server_name(learner), "python", "-c", code, *args]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return json.dumps({"ok": False, "error": f"timed out after {timeout:.0f} s", "total": timeout})
    return r.stdout if r.returncode == 0 else r.stdout + r.stderr[-800:]


def last_json(text: str) -> dict:
    """The last JSON object line of a learner script's output ({"ok": False, "error": ...} if there is none)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except ValueError:
                break
    return {"ok": False, "error": text.strip()[-500:] or "no output"}


def cgroup_mib(path: str) -> float:
    """A memory cgroup's usage minus its page cache, children included; 0 if it is gone."""
    try:
        usage = int((MEMORY / path.strip("/") / "memory.usage_in_bytes").read_text())
        stat = dict(line.split() for line in (MEMORY / path.strip("/") / "memory.stat").read_text().splitlines())
    except OSError:
        return 0.0
    return (usage - int(stat.get("total_cache", 0))) / MIB


def container_mib(name_or_id: str) -> float:
    """A host container's memory (its nested containers included, since they live in cgroups under its own)."""
    cid = client().api.inspect_container(name_or_id)["Id"]
    return cgroup_mib(f"docker/{cid}")


def tasks_mib(lab: str) -> float:
    """The memory of a lab's swarm tasks that restricted nodes put under /labkit/<lab>-<node>/ (0 for other labs)."""
    return sum(cgroup_mib(f"labkit/{p.name}") for p in (MEMORY / "labkit").glob(f"{lab}-*") if p.is_dir())


def lab_ids(lab: str, engine: str | None = None) -> list[str]:
    """Full ids of a lab's node containers and of the lab registry, on the host (engine None) or inside a learner's
    engine container."""
    docker = ["docker"] if engine is None else ["docker", "exec", engine, "docker"]
    ids = []
    for label in (f"{LABEL_LAB}={lab}", f"{LABEL_KIND}={KIND_REGISTRY}"):
        r = subprocess.run(
            [*docker, "ps", "-q", "--no-trunc", "--filter", f"label={label}"], capture_output=True, text=True
        )
        ids += r.stdout.split()
    return ids


def lab_mib(lab: str, engine: str | None = None) -> float:
    """A lab's memory: its nodes, the lab registry and the nodes' tasks, wherever their cgroups are (a learner
    engine's containers are under /docker/<engine>/labs/)."""
    total = tasks_mib(lab)
    for cid in lab_ids(lab, engine):
        found = [*MEMORY.glob(f"docker/{cid}"), *MEMORY.glob(f"docker/*/labs/{cid}")]
        total += cgroup_mib(str(found[0].relative_to(MEMORY))) if found else 0.0
    return total


def host_used_mib() -> float:
    """The host's memory in use: MemTotal - MemAvailable (what a new process could not have)."""
    info = {
        k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    }
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def cpu_busy_s() -> float:
    """CPU-seconds the whole host has spent busy since boot (all cores; /proc/stat, idle and iowait excluded)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The host's 1- and 5-minute load averages."""
    one, five = os.getloadavg()[:2]
    return f"{one:.1f}/{five:.1f}"


def disk_mib(volume: str) -> float:
    """A volume's size on disk (du)."""
    path = client().api.inspect_volume(volume)["Mountpoint"]
    out = subprocess.run(["du", "-sm", path], capture_output=True, text=True).stdout.split()
    return float(out[0]) if out else 0.0
