"""`labkit status`: every lab with its health and the command that fixes it, or one lab's nodes and tasks."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any

from ..host.inventory import exit_codes, find_labs
from ..swarm.health import LabHealth, lab_health

if TYPE_CHECKING:  # only a type here: `labkit status` without a name never loads the Lab facade
    from .lab import Lab

__all__ = ["all_labs", "lab_rows", "lab_detail"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def all_labs(name: str | None = None) -> list[LabHealth]:
    """The health of every lab on this engine (or of one), from their labels."""
    healths = []
    for objs in find_labs(name).values():
        healths.append(lab_health(objs, exit_codes(list(objs.containers)), socket.gethostname(), _pid_alive))
    return healths


def lab_rows(healths: list[LabHealth]) -> list[dict[str, str]]:
    """One table row per lab."""
    return [{"lab": h.name, "nodes": str(h.nodes), "state": h.state, "mode": h.mode, "note": h.note} for h in healths]


def lab_detail(lab: Lab, health: LabHealth | None = None) -> dict[str, Any]:
    """Nodes (role as the swarm says, fault as the host sees) and current tasks of one lab, as JSON-able rows."""
    snap = lab.snapshot()
    by_name = {n.hostname: n for n in snap.nodes}
    nodes = []
    for node in lab.nodes:
        s = by_name.get(node.name)
        fault = (s.fault if s else None) or ("removed" if node.name in snap.missing else None)
        nodes.append(
            {
                "node": node.name,
                "role": s.role if s else "-",
                "ip": node.ip,
                "container": node.container_name,
                "state": s.state if s else "?",
                "availability": s.availability if s else "?",
                "manager": ("leader" if s.leader else (s.reachability or "")) if s and s.role == "manager" else "",
                "fault": fault or "-",
            }
        )
    tasks = [
        {
            "task": t.label,
            "node": t.node_hostname or "-",
            "desired": t.desired_state,
            "state": t.state,
            "error": t.error[:60],
        }
        for t in snap.tasks
        if t.is_current
    ]
    return {
        "lab": lab.name,
        "state": health.state if health else "",
        "note": health.note if health else "",
        "error": snap.error,
        "nodes": nodes,
        "tasks": tasks,
    }
