"""Values lesson cells read from the lab when they run, instead of Python variables set earlier.

They work in `%%node` cells too, where `{...}` expands: `docker swarm join --token {join_token('worker')}
{ip('manager1')}:2377`. Each reads the lab at that moment and keeps nothing.
"""

from __future__ import annotations

from ..base.errors import InvalidInput, UnexpectedState, UnknownNode
from ..front.lab import Lab, current_lab
from ..swarm.answers import instant

__all__ = [
    "endpoint_mode",
    "ip",
    "join_token",
    "node_id",
    "service_id",
    "leader",
    "node_with",
    "node_without",
    "faulted",
    "all_faulted",
    "survivor",
    "node_running",
    "task",
    "engine_log",
    "down_after",
]


def _lab(lab: Lab | None) -> Lab:
    return lab if lab is not None else current_lab()


def _off_track(found: str, lab: Lab) -> UnexpectedState:
    """What a helper found, and how a learner gets the lab back to where the lesson expects it."""
    from .catalog import PLANS  # the notebooks' plans import these helpers

    fix = "run the cells above again, in order"
    number = next((p.number for p in PLANS.values() if p.lab_name == lab.name), None)
    if number is not None:
        fix += f', or start the notebook over with reset("{number}")'
    return UnexpectedState(f"{found}; the lab is not where this lesson expects it: {fix}")


def ip(host: str, lab: Lab | None = None) -> str:
    """A node's address on the lab network."""
    return _lab(lab).node(host).ip


def join_token(role: str, lab: Lab | None = None) -> str:
    """The swarm's current join token for "worker" or "manager"."""
    if role not in ("worker", "manager"):
        raise InvalidInput(f"join_token takes 'worker' or 'manager', not {role!r}")
    tokens = _lab(lab).api("swarm")["swarm"].get("JoinTokens") or {}
    return tokens["Worker" if role == "worker" else "Manager"]


def node_id(host: str, state: str | None = None, lab: Lab | None = None) -> str:
    """The swarm's ID of the node with this hostname (state="down" picks the Down entry of a re-joined host)."""
    listed = _lab(lab).snapshot().nodes
    nodes = [n for n in listed if n.hostname == host and (state is None or n.state == state)]
    if not nodes:
        raise UnknownNode(
            f"the swarm lists no node {host!r}"
            + (f" in state {state}" if state else "")
            + f"; it lists: {', '.join(f'{n.hostname} ({n.state})' for n in listed) or 'no nodes'}"
        )
    return nodes[0].id


def service_id(name: str, lab: Lab | None = None) -> str:
    """A service's ID."""
    return _lab(lab).snapshot().service(name).id


def leader(lab: Lab | None = None) -> str:
    """The current Raft leader's hostname."""
    snap = _lab(lab).snapshot()
    if snap.leader is None:
        raise UnexpectedState(
            f"no leader right now: {snap.describe()}; managers without a quorum elect none: start "
            "the killed managers again, or wait a few seconds for an election to end"
        )
    return snap.leader.hostname


def node_with(service: str, lab: Lab | None = None) -> str:
    """The first node (by name) running a task of the service."""
    lab = _lab(lab)
    placement = lab.snapshot().placement(service)
    if not placement:
        raise _off_track(f"no node runs a task of {service}", lab)
    return sorted(placement)[0]


def node_without(service: str, lab: Lab | None = None) -> str:
    """The one Ready node that runs no task of the service."""
    lab = _lab(lab)
    snap = lab.snapshot()
    idle = [n.hostname for n in snap.nodes if n.state == "ready" and n.hostname not in snap.placement(service)]
    if len(idle) != 1:
        raise _off_track(f"expected exactly one Ready node without {service}, found: {', '.join(idle) or 'none'}", lab)
    return idle[0]


def all_faulted(kind: str, lab: Lab | None = None) -> str:
    """Space-separated hostnames whose container has this fault (killed, stopped, paused, disconnected)."""
    lab = _lab(lab)
    return " ".join(n.name for n in lab.nodes if n.fault == kind)


def faulted(kind: str, lab: Lab | None = None) -> str:
    """The one node whose container has this fault."""
    lab = _lab(lab)
    names = all_faulted(kind, lab).split()
    if len(names) != 1:
        raise _off_track(f"expected exactly one {kind} node, found: {', '.join(names) or 'none'}", lab)
    return names[0]


def survivor(lab: Lab | None = None) -> str:
    """The one manager whose container runs (usable while quorum is lost)."""
    lab = _lab(lab)
    alive = [n.name for n in lab.nodes if n.fault is None and n.role == "manager"]
    if len(alive) != 1:
        raise _off_track(f"expected exactly one running manager, found: {', '.join(alive) or 'none'}", lab)
    return alive[0]


def node_running(service: str, lab: Lab | None = None) -> str:
    """A node whose own engine runs a container of the service, workers first. It asks each node's engine, not
    the managers, so it answers while quorum is lost (`%%node {node_running('web')}`)."""
    lab = _lab(lab)
    alive = sorted((n for n in lab.nodes if n.fault is None), key=lambda n: (n.role != "worker", n.name))
    for node in alive:
        found = node.sh(f"docker ps -q --filter label=com.docker.swarm.service.name={service}", check=False)
        if found.stdout.strip():
            return node.name
    raise _off_track(f"no running node has a container of {service}", lab)


def task(service: str, slot: int, lab: Lab | None = None):
    """The current task in one slot of a replicated service (`.node_hostname`, `.container_id`, `.id`): the
    running one if there is one. `%%node {task('web', 1).node_hostname}` runs a cell where web.1 runs."""
    lab = _lab(lab)
    tasks = [t for t in lab.snapshot().tasks_of(service) if t.slot == slot]
    if not tasks:
        raise _off_track(f"{service} has no current task in slot {slot}", lab)
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
    down = [
        n
        for n in lab.api("nodes")["nodes"]
        if n.get("Description", {}).get("Hostname") == host and n.get("Status", {}).get("State") == "down"
    ]
    if not down:
        raise UnexpectedState(
            f"the swarm does not list {host} as Down; after a crash it takes the swarm a few "
            "heartbeats to mark a node Down: wait until `docker node ls` shows it Down"
        )
    marked, ended = instant(down[0]["UpdatedAt"]), instant(lab.node(host).ended_at())
    if marked is None or ended is None:
        raise UnexpectedState(f"{host} has no crash time or no Down time to compare (was it killed, not stopped?)")
    return round(marked - ended, 1)


def endpoint_mode(lab: Lab | None = None) -> str:
    """The endpoint mode a service should use on this host: "vip" (the default) where IPVS exists, else "dnsrr"."""
    return "vip" if _lab(lab).capabilities.routing_mesh else "dnsrr"
