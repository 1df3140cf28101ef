"""LabState: everything one lab knows about itself, passed explicitly to every step.

Like kind's ActionContext, one object carries the lab's identity, its plan,
what has been created so far, what the swarm last said about roles, and where
progress goes. Steps and operations receive it and read its fields; only its
own methods change it (it is frozen and its node table read-only, so a write from
anywhere else fails), and its phase (a LabPhase) changes in one place, `LabState.enter`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Protocol

from ..base.errors import LabkitError
from ..base.facts import LAB_HEARTBEAT, container_name, network_name, node_hostname
from ..host.containers import NodeMode
from ..host.networks import LabNetwork, node_ip
from .state import SwarmSnapshot

__all__ = ["LabState", "LabPhase", "NodeRecord", "SwarmView", "Reporter", "Waiting", "SILENT", "new_instance"]


class LabPhase(Enum):
    """Where a lab is in its life: new → starting → running → stopped. The value is the word people see."""

    NEW = "new"
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"


# The moves a lab's life allows. A start that fails ends stopped; stopping is allowed from anywhere, and twice.
_MOVES: dict[LabPhase, frozenset[LabPhase]] = {
    LabPhase.NEW: frozenset({LabPhase.STARTING, LabPhase.STOPPED}),
    LabPhase.STARTING: frozenset({LabPhase.RUNNING, LabPhase.STOPPED}),
    LabPhase.RUNNING: frozenset({LabPhase.STOPPED}),
    LabPhase.STOPPED: frozenset({LabPhase.STOPPED}),
}


class Waiting(Protocol):
    """The progress of one wait."""

    def tick(self) -> None: ...  # noqa: D102 (Protocol stub: called on every failed look)
    def done(self) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def fail(self) -> None: ...  # noqa: D102 (Protocol stub; see the class)


class Reporter(Protocol):
    """Where a lab tells the learner what it does (the front ends print; tests and threads stay silent)."""

    def title(self, text: str) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def begin(self, step: str, index: int, total: int) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def line(self, text: str) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def step(self, text: str) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def command(self, node: str, cmd: str) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def done(self, text: str, seconds: float) -> None: ...  # noqa: D102 (Protocol stub; see the class)
    def waiting(self, what: str, timeout: float) -> Waiting: ...  # noqa: D102 (Protocol stub; see the class)


class _Silent:
    """A Reporter that says nothing."""

    def title(self, text: str) -> None:
        """Nothing."""

    line = step = title

    def begin(self, step: str, index: int, total: int) -> None:
        """Nothing."""

    def command(self, node: str, cmd: str) -> None:
        """Nothing."""

    def done(self, text: str, seconds: float) -> None:
        """Nothing."""

    def waiting(self, what: str, timeout: float) -> _SilentWait:
        """A wait that shows nothing."""
        return _SilentWait()

    def __call__(self, *args) -> None:
        """Nothing (usable as a `log` callable)."""


class _SilentWait:
    """A Waiting that shows nothing."""

    def tick(self) -> None:
        """Nothing."""

    done = fail = tick


SILENT = _Silent()


def new_instance() -> str:
    """A fresh instance id: the label that tells what one start() created from what an earlier one left."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class NodeRecord:
    """A node as created: hostname, the role it joined as (its label), and its fixed IP."""

    hostname: str
    created_role: str
    ip: str


@dataclass(frozen=True)
class SwarmView:
    """What the swarm said last: the managers it listed, every node's role, and which manager answered."""

    roles: tuple[tuple[str, str], ...] = ()
    answered: str | None = None

    @property
    def managers(self) -> list[str]:
        """Hostnames the swarm listed as managers."""
        return [h for h, role in self.roles if role == "manager"]


@dataclass(eq=False, frozen=True)
class LabState:
    """One lab: identity and plan, what exists, what the swarm last said, and where progress goes.

    The constructor makes it whole (attach.py rebuilds a running lab's state in one call); after that
    only the methods below change it.
    """

    name: str
    managers: int = 1
    workers: int = 2
    heartbeat: str | None = LAB_HEARTBEAT
    swarm: bool = True
    node_image: str = ""
    report: Reporter = SILENT
    instance: str = field(default_factory=new_instance)
    phase: LabPhase = LabPhase.NEW  # changed only by enter()
    mode: NodeMode | None = None
    network: LabNetwork | None = None
    nodes: Mapping[str, NodeRecord] = field(default_factory=dict)  # read-only: add_node and drop_node replace it
    view: SwarmView = SwarmView()
    ip_index: int = 0  # IPs are never reused within a lab, even after a node is removed

    def __post_init__(self) -> None:
        self._set(nodes=MappingProxyType(dict(self.nodes)))

    def _set(self, **changes: Any) -> None:
        # The one way a field changes: frozen keeps every other writer out.
        for name, value in changes.items():
            object.__setattr__(self, name, value)

    def enter(self, phase: LabPhase) -> None:
        """Move the lab to another phase of its life; LabkitError for a move that life does not allow."""
        if phase not in _MOVES[self.phase]:
            raise LabkitError(f"lab {self.name!r} is {self.phase.value}; it cannot become {phase.value}")
        self._set(phase=phase)

    def choose_runtime(self, image: str, mode: NodeMode) -> None:
        """Record the image the nodes run and how they run on this engine (privileged or restricted)."""
        self._set(node_image=image, mode=mode)

    def use_network(self, network: LabNetwork) -> None:
        """Record the lab's network once it exists: it claims the name, and nodes get addresses in its subnet."""
        self._set(network=network)

    @property
    def network_name(self) -> str:
        """The lab's private network."""
        return network_name(self.name)

    def container_of(self, hostname: str) -> str:
        """A node's container name."""
        return container_name(self.name, hostname)

    def plan_node(self, role: str, index: int | None = None) -> NodeRecord:
        """Name and address one new node of a role (the next free number unless given); not yet created."""
        if index is None:
            numbers = [int(h[len(role) :]) for h in self.nodes if h.startswith(role) and h[len(role) :].isdigit()]
            index = 1 + max(numbers, default=0)  # after removing worker2 of 1..3 the next is worker4
        assert self.network is not None, "plan nodes after the network exists"
        self._set(ip_index=self.ip_index + 1)
        return NodeRecord(node_hostname(role, index), role, node_ip(self.network.subnet, self.ip_index))

    def add_node(self, record: NodeRecord) -> None:
        """Count a node as part of the lab (before its container exists, so cleanup can find it)."""
        self._set(nodes=MappingProxyType({**self.nodes, record.hostname: record}))

    def drop_node(self, hostname: str) -> None:
        """Forget a removed node."""
        self._set(nodes=MappingProxyType({h: rec for h, rec in self.nodes.items() if h != hostname}))
        self._set(view=SwarmView(tuple((h, r) for h, r in self.view.roles if h != hostname), self.view.answered))

    def created_roles(self) -> dict[str, str]:
        """Every node's role as created (its label), by hostname."""
        return {h: rec.created_role for h, rec in self.nodes.items()}

    def role_of(self, hostname: str) -> str:
        """A node's role: what the swarm said last, else the role it was created with. The one answer."""
        return dict(self.view.roles).get(hostname) or self.nodes[hostname].created_role

    def note(self, snap: SwarmSnapshot) -> None:
        """Remember what a manager just said: every node's role, and that this manager answers."""
        if snap.error is None and snap.manager:
            self._set(view=SwarmView(tuple((n.hostname, n.role) for n in snap.nodes), snap.manager))
