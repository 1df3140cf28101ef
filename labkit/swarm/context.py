"""LabState: everything one lab knows about itself, passed explicitly to every step.

Like kind's ActionContext, one object carries the lab's identity, its plan,
what has been created so far, what the swarm last said about roles, and where
progress goes. Steps and operations receive it; only its own methods change it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from ..base.facts import LAB_HEARTBEAT, container_name, network_name, node_hostname
from ..host.containers import NodeMode
from ..host.networks import LabNetwork, node_ip
from .state import SwarmSnapshot

__all__ = ["LabState", "NodeRecord", "SwarmView", "Reporter", "Waiting", "SILENT"]


class Waiting(Protocol):
    """The progress of one wait."""

    def tick(self) -> None: ...  # noqa: D102 - called on every unsuccessful look
    def done(self) -> None: ...  # noqa: D102
    def fail(self) -> None: ...  # noqa: D102


class Reporter(Protocol):
    """Where a lab tells the learner what it does (the front ends print; tests and threads stay silent)."""

    def title(self, text: str) -> None: ...  # noqa: D102
    def begin(self, step: str, index: int, total: int) -> None: ...  # noqa: D102
    def line(self, text: str) -> None: ...  # noqa: D102
    def step(self, text: str) -> None: ...  # noqa: D102
    def command(self, node: str, cmd: str) -> None: ...  # noqa: D102
    def done(self, text: str, seconds: float) -> None: ...  # noqa: D102
    def waiting(self, what: str, timeout: float) -> Waiting: ...  # noqa: D102


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

    def waiting(self, what: str, timeout: float) -> "_SilentWait":
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


@dataclass(eq=False)
class LabState:
    """One lab: identity and plan, what exists, what the swarm last said, and where progress goes."""

    name: str
    managers: int = 1
    workers: int = 2
    heartbeat: str | None = LAB_HEARTBEAT
    swarm: bool = True
    node_image: str = ""
    report: Reporter = SILENT
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    phase: str = "new"  # new → starting → running → stopped
    mode: NodeMode | None = None
    network: LabNetwork | None = None
    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    view: SwarmView = SwarmView()
    ip_index: int = 0  # IPs are never reused within a lab, even after a node is removed

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
            numbers = [int(h[len(role):]) for h in self.nodes if h.startswith(role) and h[len(role):].isdigit()]
            index = 1 + max(numbers, default=0)  # after removing worker2 of 1..3 the next is worker4
        self.ip_index += 1
        assert self.network is not None, "plan nodes after the network exists"
        return NodeRecord(node_hostname(role, index), role, node_ip(self.network.subnet, self.ip_index))

    def add_node(self, record: NodeRecord) -> None:
        """Count a node as part of the lab (before its container exists, so cleanup can find it)."""
        self.nodes[record.hostname] = record

    def drop_node(self, hostname: str) -> None:
        """Forget a removed node."""
        self.nodes.pop(hostname, None)
        self.view = SwarmView(tuple((h, r) for h, r in self.view.roles if h != hostname), self.view.answered)

    def created_roles(self) -> dict[str, str]:
        """Every node's role as created (its label), by hostname."""
        return {h: rec.created_role for h, rec in self.nodes.items()}

    def role_of(self, hostname: str) -> str:
        """A node's role: what the swarm said last, else the role it was created with. The one answer."""
        return dict(self.view.roles).get(hostname) or self.nodes[hostname].created_role

    def note(self, snap: SwarmSnapshot) -> None:
        """Remember what a manager just said: every node's role, and that this manager answers."""
        if snap.error is None and snap.manager:
            self.view = SwarmView(tuple((n.hostname, n.role) for n in snap.nodes), snap.manager)
