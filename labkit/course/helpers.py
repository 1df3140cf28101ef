"""Values lesson cells read from the lab when they run, instead of Python variables set earlier.

They work in `%%node` cells too, where `{...}` expands: `docker swarm join --token {join_token('worker')}
{ip('manager1')}:2377`. Each reads the lab at that moment and keeps nothing.
"""

from __future__ import annotations

from ..base.errors import LabkitError
from ..front.lab import Lab, current_lab
from ..swarm.answers import instant

__all__ = ["endpoint_mode", "ip", "join_token", "node_id", "service_id", "leader", "node_with", "node_without", "faulted",
           "all_faulted", "survivor", "task", "engine_log", "down_after"]


def _lab(lab: Lab | None) -> Lab:
    return lab if lab is not None else current_lab()


def ip(host: str, lab: Lab | None = None) -> str:
    """A node's address on the lab network."""
    return _lab(lab).node(host).ip


def join_token(role: str, lab: Lab | None = None) -> str:
    """The swarm's current join token for "worker" or "manager"."""
    if role not in ("worker", "manager"):
        raise LabkitError(f"join_token takes 'worker' or 'manager', not {role!r}")
    tokens = _lab(lab).api("swarm")["swarm"].get("JoinTokens") or {}
    return tokens["Worker" if role == "worker" else "Manager"]


def node_id(host: str, state: str | None = None, lab: Lab | None = None) -> str:
    """The swarm's ID of the node with this hostname (state="down" picks the Down entry of a re-joined host)."""
    nodes = [n for n in _lab(lab).snapshot().nodes if n.hostname == host and (state is None or n.state == state)]
    if not nodes:
        raise LabkitError(f"the swarm lists no node {host!r}" + (f" in state {state}" if state else ""))
    return nodes[0].id


def service_id(name: str, lab: Lab | None = None) -> str:
    """A service's ID."""
    return _lab(lab).snapshot().service(name).id


def leader(lab: Lab | None = None) -> str:
    """The current Raft leader's hostname."""
    snap = _lab(lab).snapshot()
    if snap.leader is None:
        raise LabkitError(f"no leader right now: {snap.describe()}")
    return snap.leader.hostname


def node_with(service: str, lab: Lab | None = None) -> str:
    """The first node (by name) running a task of the service."""
    placement = _lab(lab).snapshot().placement(service)
    if not placement:
        raise LabkitError(f"no node runs a task of {service}")
    return sorted(placement)[0]


def node_without(service: str, lab: Lab | None = None) -> str:
    """The one Ready node that runs no task of the service."""
    snap = _lab(lab).snapshot()
    idle = [n.hostname for n in snap.nodes if n.state == "ready" and n.hostname not in snap.placement(service)]
    if len(idle) != 1:
        raise LabkitError(f"expected exactly one Ready node without {service}, found: {', '.join(idle) or 'none'}")
    return idle[0]


def all_faulted(kind: str, lab: Lab | None = None) -> str:
    """Space-separated hostnames whose container has this fault (killed, stopped, paused, disconnected)."""
    lab = _lab(lab)
    return " ".join(n.name for n in lab.nodes if n.fault == kind)


def faulted(kind: str, lab: Lab | None = None) -> str:
    """The one node whose container has this fault."""
    names = all_faulted(kind, lab).split()
    if len(names) != 1:
        raise LabkitError(f"expected exactly one {kind} node, found: {', '.join(names) or 'none'}")
    return names[0]


def survivor(lab: Lab | None = None) -> str:
    """The one manager whose container runs (usable while quorum is lost)."""
    lab = _lab(lab)
    alive = [n.name for n in lab.nodes if n.fault is None and n.role == "manager"]
    if len(alive) != 1:
        raise LabkitError(f"expected exactly one running manager, found: {', '.join(alive) or 'none'}")
    return alive[0]


def task(service: str, slot: int, lab: Lab | None = None):
    """The current task in one slot of a replicated service (`.node_hostname`, `.container_id`, `.id`): the
    running one if there is one. `%%node {task('web', 1).node_hostname}` runs a cell where web.1 runs."""
    tasks = [t for t in _lab(lab).snapshot().tasks_of(service) if t.slot == slot]
    if not tasks:
        raise LabkitError(f"{service} has no current task in slot {slot}")
    return next((t for t in tasks if t.state == "running"), tasks[0])


def engine_log(host: str, word: str, lab: Lab | None = None) -> str:
    """The lines of a node's Docker engine log (its container's output) that mention `word`, case-insensitively.

    This is `docker logs <node container> 2>&1 | grep -i <word>` on the host."""
    lines = [ln for ln in _lab(lab).node(host).logs().splitlines() if word.lower() in ln.lower()]
    return "\n".join(lines) or f"(the Docker engine of {host} logged nothing about {word!r})"


def down_after(host: str, lab: Lab | None = None) -> float:
    """Seconds from a node's crash (its container's end, on the host) to the swarm marking it Down (its /nodes
    UpdatedAt)."""
    lab = _lab(lab)
    down = [n for n in lab.api("nodes")["nodes"]
            if n.get("Description", {}).get("Hostname") == host and n.get("Status", {}).get("State") == "down"]
    if not down:
        raise LabkitError(f"the swarm does not list {host} as Down")
    marked, ended = instant(down[0]["UpdatedAt"]), instant(lab.node(host).ended_at())
    if marked is None or ended is None:
        raise LabkitError(f"{host} has no crash time or no Down time to compare (was it killed, not stopped?)")
    return round(marked - ended, 1)


def endpoint_mode(lab: Lab | None = None) -> str:
    """The endpoint mode a service should use on this host: "vip" (the default) where IPVS exists, else "dnsrr"."""
    return "vip" if _lab(lab).capabilities.routing_mesh else "dnsrr"
