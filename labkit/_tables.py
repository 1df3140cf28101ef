"""Plain-text tables for the CLI: labs, nodes and tasks, readable in a terminal."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ._lab import Lab

__all__ = ["print_table", "lab_rows", "status_of_lab"]


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    """Print dict rows as aligned columns (header from the first row's keys)."""
    if not rows:
        return
    cols = list(rows[0])
    widths = {c: max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    print("  ".join(str(c).upper().ljust(widths[c]) for c in cols).rstrip())
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols).rstrip())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def lab_rows(labs: dict[str, list[dict]]) -> list[dict[str, str]]:
    """One row per lab: nodes, states, and whether it is stale (its creating process is gone)."""
    rows = []
    for name, containers in sorted(labs.items()):
        labels = containers[0]["Labels"] if containers else {}
        states = sorted({c.get("State", "?") for c in containers}) or ["no nodes"]
        note = ""
        if labels.get("labkit.reap") == "true" and labels.get("labkit.host") == socket.gethostname():
            pid = int(labels.get("labkit.pid", "0") or 0)
            if pid and not _pid_alive(pid):
                note = f"stale: process {pid} that started it is gone (labkit down {name})"
        elif not containers:
            note = f"stale: network without nodes (labkit down {name})"
        rows.append({"lab": name, "nodes": str(len(containers)), "state": ",".join(states),
                     "mode": labels.get("labkit.mode", "-"), "note": note})
    return rows


def status_of_lab(lab: "Lab") -> dict[str, Any]:
    """Nodes and current tasks of one lab, as JSON-able rows."""
    snap = lab.snapshot()
    nodes = [{"node": n.name, "role": n.role, "ip": n.ip, "container": n.container_name,
              "fault": n.fault or "-"} for n in lab.nodes]
    by_name = {n.hostname: n for n in snap.nodes}
    for row in nodes:
        s = by_name.get(row["node"])
        row.update(state=s.state if s else "?", availability=s.availability if s else "?",
                   manager=("leader" if s.leader else (s.reachability or "")) if s and s.role == "manager" else "")
    tasks = [{"task": t.name, "node": t.node_hostname or "-", "desired": t.desired_state, "state": t.state,
              "error": t.error[:60]} for t in snap.tasks if t.is_current]
    return {"lab": lab.name, "error": snap.error, "nodes": nodes, "tasks": tasks}
