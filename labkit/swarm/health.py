"""Is a lab whole? Judged from its labelled objects alone, so `labkit status` can say it for any lab.

A lab is "running" when its start finished and every node container runs;
"starting" while its creating process still works on it; "half-built" when
that process is gone before the end; "degraded" when nodes are down or their
containers were removed. Each verdict comes with the one command that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..base.facts import LABEL_HOST, LABEL_MODE, LABEL_PID, container_name, network_name
from ..host.inventory import LabObjects
from .decide import node_faults

__all__ = ["LabHealth", "lab_health"]


@dataclass(frozen=True)
class LabHealth:
    """A lab's state in one word, what is wrong, and the command that recovers it."""

    name: str
    state: str  # running | prepared | starting | half-built | degraded
    nodes: int
    mode: str
    note: str = ""
    faults: tuple[tuple[str, str], ...] = ()  # (hostname, fault) for every node that is not healthy


def lab_health(objs: LabObjects, exit_codes: Mapping[str, int], this_host: str,
               pid_alive: Callable[[int], bool]) -> LabHealth:
    """The verdict on one lab, from its objects (see module doc)."""
    first = objs.containers[0].get("Labels", {}) if objs.containers else {}
    mode = first.get(LABEL_MODE, "-")
    expected = objs.node_names()
    faults = node_faults(objs.containers, exit_codes, network_name(objs.name), expected)
    bad = tuple((h, f) for h, f in faults.items() if f)
    count = len(objs.containers)
    if objs.prepared and not objs.ready:
        return LabHealth(objs.name, "prepared", count, mode, "started in advance: the next start of this name takes "
                         f"it at once (labkit down {objs.name} frees its memory)", bad)
    if not objs.ready:
        pid = int(objs.labels.get(LABEL_PID, "0") or 0)
        host = objs.labels.get(LABEL_HOST, "")
        if host == this_host and pid and pid_alive(pid):
            return LabHealth(objs.name, "starting", count, mode, f"process {pid} is starting it", bad)
        who = f"process {pid} on {host}" if host and host != this_host else f"process {pid}"
        return LabHealth(objs.name, "half-built", count, mode,
                         f"stale: its start never finished ({who} is gone); remove it: labkit down {objs.name}", bad)
    removed = [h for h, f in bad if f == "removed"]
    if removed:
        return LabHealth(objs.name, "degraded", count, mode,
                         f"node container(s) removed outside labkit: {', '.join(removed)}; the lab cannot get them "
                         f"back: labkit down {objs.name}, then start it again", bad)
    down = [h for h, f in bad if f in ("killed", "stopped")]
    if down:
        containers = " ".join(container_name(objs.name, h) for h in down)
        return LabHealth(objs.name, "degraded", count, mode,
                         f"{', '.join(f'{h} {f}' for h, f in bad if h in down)}; start again: docker start {containers}",
                         bad)
    if bad:
        return LabHealth(objs.name, "degraded", count, mode,
                         ", ".join(f"{h} {f}" for h, f in bad) + " (a fault injected in the lab: see the lesson)", bad)
    return LabHealth(objs.name, "running", count, mode)


