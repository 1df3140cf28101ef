"""Immutable snapshots of a swarm, parsed from Engine API payloads.

A snapshot is read in one round (nodes, services, tasks) from one manager, so every widget and check sees one
consistent frame. Parsing is kept free of any Docker access so unit tests can feed it recorded payloads.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.errors import UnknownNode, UnknownService
from ..base.i18n import tr

__all__ = ["NodeState", "PortState", "ServiceState", "TaskState", "SwarmSnapshot", "parse_snapshot"]

# States in which a task counts as "up" for a learner.
RUNNING = "running"


@dataclass(frozen=True)
class NodeState:
    """One swarm node as a manager sees it, plus what labkit did to its container."""

    id: str
    hostname: str
    role: str  # "manager" | "worker"
    availability: str  # "active" | "pause" | "drain"
    state: str  # "ready" | "down" | "unknown" | "disconnected"
    addr: str
    leader: bool = False
    reachability: str | None = None  # managers only: "reachable" | "unreachable" | "unknown"
    engine_version: str = ""
    message: str = ""
    # Set by Lab.snapshot() from the node container, never by the swarm:
    # "killed" | "stopped" | "paused" | "disconnected" | "removed" | None.
    fault: str | None = None


@dataclass(frozen=True)
class PortState:
    """A published port of a service."""

    target: int
    published: int
    protocol: str = "tcp"
    mode: str = "ingress"  # "ingress" | "host"

    def __str__(self) -> str:
        host = "" if self.mode == "ingress" else ",mode=host"
        return f"{self.published}:{self.target}/{self.protocol}{host}"


@dataclass(frozen=True)
class ServiceState:
    """A service: its spec summary and update status."""

    id: str
    name: str
    mode: str  # "replicated" | "global" | "replicated-job" | "global-job"
    replicas: int | None  # desired replicas; None for global services
    image: str
    ports: tuple[PortState, ...] = ()
    update_state: str | None = None  # "updating", "paused", "completed", "rollback_started", ...
    update_message: str = ""
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class TaskState:
    """A task: the unit of scheduling, bound to one node for its whole life."""

    id: str
    service_id: str
    service_name: str
    slot: int | None  # None for global tasks
    node_id: str | None
    node_hostname: str | None
    desired_state: str
    state: str
    message: str = ""
    error: str = ""
    container_id: str = ""
    exit_code: int | None = None
    image: str = ""
    created_at: str = ""
    updated_at: str = ""

    @property
    def name(self) -> str:
        """The name `docker service ps` shows: `web.2`, or `agent.<nodeid>` for global tasks."""
        suffix = self.slot if self.slot is not None else (self.node_id or "")
        return f"{self.service_name}.{suffix}"

    @property
    def label(self) -> str:
        """How a learner names a task: `web.2`, or `agent@worker1` for a global task (it belongs to a node)."""
        if self.slot is not None:
            return f"{self.service_name}.{self.slot}"
        return f"{self.service_name}@{self.node_hostname or '?'}"

    @property
    def is_current(self) -> bool:
        """True for tasks the orchestrator still wants (not history)."""
        # A task left running on a dead node has desired state "shutdown": it is history, not current.
        return self.desired_state in ("running", "ready", "accepted", "complete")


@dataclass(frozen=True)
class SwarmSnapshot:
    """Everything a manager reported at one moment, or why it could not."""

    lab: str
    taken_at: float
    manager: str | None  # hostname of the manager that answered
    nodes: tuple[NodeState, ...] = ()
    services: tuple[ServiceState, ...] = ()
    tasks: tuple[TaskState, ...] = ()
    error: str | None = None  # set when no manager could answer (e.g. quorum lost)
    quorum: bool = True
    missing: tuple[str, ...] = ()  # lab nodes whose container is gone (removed outside labkit)

    def node(self, hostname: str) -> NodeState:
        """The node with this hostname; UnknownNode (a KeyError) listing the valid names otherwise."""
        if (found := next((n for n in self.nodes if n.hostname == hostname), None)) is None:
            raise UnknownNode(f"no node {hostname!r}; nodes are: {', '.join(n.hostname for n in self.nodes) or 'none'}")
        return found

    def service(self, name: str) -> ServiceState:
        """The service with this name; UnknownService (a KeyError) listing the services otherwise."""
        if (found := next((s for s in self.services if s.name == name), None)) is None:
            raise UnknownService(f"no service {name!r}; services: {', '.join(s.name for s in self.services) or 'none'}")
        return found

    def tasks_of(self, service: str, *, current: bool = True) -> tuple[TaskState, ...]:
        """Tasks of one service; only the ones still wanted unless current=False."""
        return tuple(t for t in self.tasks if t.service_name == service and (t.is_current or not current))

    def running(self, service: str) -> tuple[TaskState, ...]:
        """Tasks of one service that are running and meant to run."""
        return tuple(t for t in self.tasks_of(service) if t.state == RUNNING and t.desired_state == RUNNING)

    def placement(self, service: str) -> dict[str, int]:
        """How many running tasks of a service each node hosts, by hostname."""
        counts: dict[str, int] = {}
        for t in self.running(service):
            counts[t.node_hostname or "?"] = counts.get(t.node_hostname or "?", 0) + 1
        return counts

    @property
    def leader(self) -> NodeState | None:
        """The current Raft leader, if the answering manager knows one."""
        return next((n for n in self.nodes if n.leader), None)

    def describe(self) -> str:
        """One line a learner can read: node states and running/desired tasks per service."""
        gone = f"; missing node container(s): {', '.join(self.missing)}" if self.missing else ""
        if self.error:
            return tr(self.error) + gone  # the one line a learner reads when no manager answers
        nodes = ", ".join(
            f"{n.hostname}={n.state}/{n.availability}" + (f"({n.fault})" if n.fault else "") for n in self.nodes
        )
        desired = [(s.name, "global" if s.replicas is None else s.replicas) for s in self.services]
        services = ", ".join(f"{name} {len(self.running(name))}/{want}" for name, want in desired)
        return f"nodes: {nodes}; services: {services or 'none'}{gone}"

    def __repr__(self) -> str:  # a cell ending in `lab.wait(...)` shows this, not every field of every task
        return f"SwarmSnapshot({self.describe()})"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the form widgets receive)."""
        d = dataclasses.asdict(self)
        for t, task in zip(d["tasks"], self.tasks, strict=True):
            t["name"], t["label"] = task.name, task.label
        return d


def _ts(value: str | None) -> str:
    return value or ""


def parse_node(raw: Mapping[str, Any]) -> NodeState:
    """Build a NodeState from one GET /nodes item."""
    spec, status, desc = raw.get("Spec", {}), raw.get("Status", {}), raw.get("Description", {})
    mgr = raw.get("ManagerStatus") or {}
    return NodeState(
        id=raw["ID"],
        hostname=desc.get("Hostname", ""),
        role=spec.get("Role", "worker"),
        availability=spec.get("Availability", "active"),
        state=status.get("State", "unknown"),
        addr=status.get("Addr", ""),
        leader=bool(mgr.get("Leader", False)),
        reachability=mgr.get("Reachability") if mgr else None,
        engine_version=desc.get("Engine", {}).get("EngineVersion", ""),
        message=status.get("Message", ""),
    )


def parse_service(raw: Mapping[str, Any]) -> ServiceState:
    """Build a ServiceState from one GET /services item."""
    spec = raw.get("Spec", {})
    mode_spec = spec.get("Mode", {})
    if "Global" in mode_spec:
        mode, replicas = "global", None
    elif "ReplicatedJob" in mode_spec:
        mode, replicas = "replicated-job", mode_spec["ReplicatedJob"].get("TotalCompletions")
    elif "GlobalJob" in mode_spec:
        mode, replicas = "global-job", None
    else:
        mode, replicas = "replicated", mode_spec.get("Replicated", {}).get("Replicas", 1)
    ports = tuple(
        PortState(
            target=p.get("TargetPort", 0),
            published=p.get("PublishedPort", 0),
            protocol=p.get("Protocol", "tcp"),
            mode=p.get("PublishMode", "ingress"),
        )
        for p in (raw.get("Endpoint", {}).get("Ports") or spec.get("EndpointSpec", {}).get("Ports") or [])
    )
    image = spec.get("TaskTemplate", {}).get("ContainerSpec", {}).get("Image", "")
    update = raw.get("UpdateStatus") or {}
    return ServiceState(
        id=raw["ID"],
        name=spec.get("Name", ""),
        mode=mode,
        replicas=replicas,
        image=image.split("@sha256:")[0],
        ports=ports,
        update_state=update.get("State"),
        update_message=update.get("Message", ""),
        created_at=_ts(raw.get("CreatedAt")),
        updated_at=_ts(raw.get("UpdatedAt")),
    )


def parse_task(raw: Mapping[str, Any], services: Mapping[str, str], nodes: Mapping[str, str]) -> TaskState:
    """Build a TaskState from one GET /tasks item, naming its service and node."""
    status = raw.get("Status", {})
    cstatus = status.get("ContainerStatus") or {}
    node_id = raw.get("NodeID") or None
    image = raw.get("Spec", {}).get("ContainerSpec", {}).get("Image", "")
    return TaskState(
        id=raw["ID"],
        service_id=raw.get("ServiceID", ""),
        service_name=services.get(raw.get("ServiceID", ""), raw.get("ServiceID", "")[:12]),
        slot=raw.get("Slot") or None,
        node_id=node_id,
        node_hostname=nodes.get(node_id) if node_id else None,
        desired_state=raw.get("DesiredState", ""),
        state=status.get("State", ""),
        message=status.get("Message", ""),
        error=status.get("Err", ""),
        container_id=cstatus.get("ContainerID", ""),
        exit_code=cstatus.get("ExitCode"),
        image=image.split("@sha256:")[0],
        created_at=_ts(raw.get("CreatedAt")),
        updated_at=_ts(status.get("Timestamp")),
    )


def parse_snapshot(
    lab: str,
    manager: str | None,
    nodes: Sequence[Mapping[str, Any]],
    services: Sequence[Mapping[str, Any]],
    tasks: Sequence[Mapping[str, Any]],
    taken_at: float | None = None,
) -> SwarmSnapshot:
    """Turn the three Engine API lists into one SwarmSnapshot, sorted for stable display."""
    node_states = sorted((parse_node(n) for n in nodes), key=lambda n: node_order(n.hostname))
    service_states = sorted((parse_service(s) for s in services), key=lambda s: s.name)
    by_service = {s.id: s.name for s in service_states}
    by_node = {n.id: n.hostname for n in node_states}
    task_states = sorted(
        (parse_task(t, by_service, by_node) for t in tasks),
        key=lambda t: (t.service_name, t.slot or 0, t.node_hostname or "", t.created_at),
    )
    return SwarmSnapshot(
        lab=lab,
        taken_at=time.time() if taken_at is None else taken_at,
        manager=manager,
        nodes=tuple(node_states),
        services=tuple(service_states),
        tasks=tuple(task_states),
    )


def node_order(hostname: str) -> tuple[int, int, str]:
    """Managers first, then workers, each by number: manager1, manager2, worker1, worker10."""
    role_rank = 0 if hostname.startswith("manager") else 1
    digits = "".join(ch for ch in hostname if ch.isdigit())
    return (role_rank, int(digits) if digits else 0, hostname)
