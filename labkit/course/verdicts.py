"""Small pure helpers the notebooks' verdicts share: what runs where, and the usual sentences."""

from __future__ import annotations

from ..swarm.state import SwarmSnapshot
from .model import Verdict, failed

__all__ = ["ready_nodes", "active_nodes", "placement_text", "missing_service", "one_per_node", "nodes_text"]


def ready_nodes(snap: SwarmSnapshot) -> list[str]:
    """Hostnames of the nodes the swarm reports Ready, in order."""
    return [n.hostname for n in snap.nodes if n.state == "ready"]


def active_nodes(snap: SwarmSnapshot) -> list[str]:
    """Ready nodes that accept tasks (availability active)."""
    return [n.hostname for n in snap.nodes if n.state == "ready" and n.availability == "active"]


def nodes_text(names: list[str]) -> str:
    """"manager1, worker1" or "none"."""
    return ", ".join(names) or "none"


def placement_text(snap: SwarmSnapshot, service: str) -> str:
    """Running tasks per node, e.g. "manager1 1, worker1 2" (or "no running task")."""
    placement = snap.placement(service)
    return ", ".join(f"{h} {n}" for h, n in sorted(placement.items())) or "no running task"


def missing_service(snap: SwarmSnapshot, name: str) -> Verdict | None:
    """A failed verdict if the service does not exist, else None."""
    if any(s.name == name for s in snap.services):
        return None
    names = ", ".join(s.name for s in snap.services) or "none"
    return failed(f"there is no service {name} (services: {names})")


def one_per_node(snap: SwarmSnapshot, service: str, nodes: list[str]) -> bool:
    """True if the service runs exactly one task on each of `nodes` and nowhere else."""
    return snap.placement(service) == {h: 1 for h in nodes}
