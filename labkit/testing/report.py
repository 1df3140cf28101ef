"""What a failed test shows about its swarm: the snapshot, and every service's tasks with their errors.

The tasks come from `docker service ps --no-trunc`, the command a person would type, so the report reads as
it would in a terminal; it is gathered best-effort, since the swarm of a failed test may itself be broken.
"""

from __future__ import annotations

from ..base.errors import LabkitError
from ..swarm.context import LabState
from ..swarm.membership import a_manager
from ..swarm.snapshot import read_snapshot

__all__ = ["failure_report"]

_PS_FORMAT = "table {{.Name}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}"


def failure_report(state: LabState) -> str:
    """The swarm's snapshot (nodes, services, faults) and `docker service ps --no-trunc` of every service."""
    try:
        snap = read_snapshot(state)
    except Exception as exc:  # a report must not fail the way the test did
        return f"swarm {state.name}: no snapshot ({exc})"
    lines = [f"swarm {state.name}: {snap.describe()}"]
    for n in snap.nodes:
        lines.append(
            f"  node {n.hostname}: {n.role}{' (leader)' if n.leader else ''}, {n.state}/{n.availability}"
            + (f", container {n.fault}" if n.fault else "")
            + (f", {n.message}" if n.message else "")
        )
    if not snap.services:
        return "\n".join(lines)
    try:
        manager = a_manager(state)
    except LabkitError as exc:
        return "\n".join(lines + [f"(no `docker service ps`: {exc})"])
    for service in snap.services:
        r = manager.exec(["docker", "service", "ps", "--no-trunc", "--format", _PS_FORMAT, service.name], check=False)
        lines.append(f"$ docker service ps --no-trunc {service.name}   # on {manager.name}")
        lines += ["  " + line for line in (r.stdout or r.stderr).rstrip().splitlines()]
    return "\n".join(lines)
