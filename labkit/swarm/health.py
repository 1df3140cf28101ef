"""Is a lab whole? Judged from its labelled objects alone, so `labkit status` can say it for any lab.

A lab is "running" when its start finished and every node container runs;
"starting" while its creating process still works on it; "half-built" when
that process is gone before the end; "degraded" when nodes are down or their
containers were removed. Each verdict comes with the one command that fixes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..base.facts import (
    LABEL_HOST,
    LABEL_MODE,
    LABEL_PID,
    container_name,
    half_built,
    network_name,
    nodes_down,
    nodes_faulted,
    nodes_removed,
    prepared_note,
)
from ..base.faults import fault_leaving
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


def lab_health(
    objs: LabObjects, exit_codes: Mapping[str, int], this_host: str, pid_alive: Callable[[int], bool]
) -> LabHealth:
    """The verdict on one lab, from its objects (see module doc)."""
    first = objs.containers[0].get("Labels", {}) if objs.containers else {}
    mode = first.get(LABEL_MODE, "-")
    expected = objs.node_names()
    faults = node_faults(objs.containers, exit_codes, network_name(objs.name), expected)
    bad = tuple((h, f) for h, f in faults.items() if f)
    count = len(objs.containers)
    if objs.prepared and not objs.ready:
        return LabHealth(objs.name, "prepared", count, mode, prepared_note(objs.name), bad)
    if not objs.ready:
        pid = int(objs.labels.get(LABEL_PID, "0") or 0)
        host = objs.labels.get(LABEL_HOST, "")
        if host == this_host and pid and pid_alive(pid):
            return LabHealth(objs.name, "starting", count, mode, f"process {pid} is starting it", bad)
        who = f"process {pid} on {host}" if host and host != this_host else f"process {pid}"
        return LabHealth(objs.name, "half-built", count, mode, half_built(objs.name, who), bad)
    removed = [h for h, f in bad if f == "removed"]
    if removed:
        return LabHealth(objs.name, "degraded", count, mode, nodes_removed(objs.name, removed), bad)
    # Killed and stopped nodes come back with a start; the other faults are a lesson's, undone by its own repair.
    down = [(h, f) for h, f in bad if (cause := fault_leaving(f)) is not None and cause.repair == "start"]
    if down:
        return LabHealth(
            objs.name, "degraded", count, mode, nodes_down(down, [container_name(objs.name, h) for h, _ in down]), bad
        )
    if bad:
        return LabHealth(objs.name, "degraded", count, mode, nodes_faulted(list(bad)), bad)
    return LabHealth(objs.name, "running", count, mode)
