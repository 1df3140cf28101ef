"""What the widgets need from a lab: a typed protocol, so they never guess with getattr.

`labkit.Lab` and `labkit.Node` satisfy these; the widgets' unit tests pass
small stand-ins that do too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from ..host.exec import CommandResult
from ..swarm.http import HttpReply
from ..swarm.state import SwarmSnapshot

__all__ = ["LabView", "NodeView", "CapabilitiesView", "Follower"]


@runtime_checkable
class NodeView(Protocol):
    """One node: its name, its container, its shell, and the host command each fault stands for."""

    name: str

    @property
    def container_name(self) -> str: ...

    def sh(self, script: str, *, check: bool = True) -> CommandResult: ...
    def host_command(self, action: str) -> str: ...
    def do(self, action: str) -> None: ...  # one of base.faults.NODE_FAULTS, by name (what the buttons call)


class Follower(Protocol):
    """The lab's engine-event follower: (re)started after each look, so nodes added since are followed too."""

    def start(self) -> object: ...
    def stop(self) -> None: ...


class CapabilitiesView(Protocol):
    """What the host allows: the traffic panel needs to know about the routing mesh."""

    # Read-only, so a frozen dataclass (swarm.capabilities.Capabilities) conforms.
    @property
    def routing_mesh(self) -> bool: ...

    @property
    def reason(self) -> dict[str, str]: ...


@runtime_checkable
class LabView(Protocol):
    """A running lab as the widgets see it."""

    @property
    def name(self) -> str: ...

    @property
    def network_name(self) -> str: ...

    @property
    def running(self) -> bool: ...

    @property
    def nodes(self) -> Sequence[NodeView]: ...

    @property
    def manager(self) -> NodeView: ...

    @property
    def capabilities(self) -> CapabilitiesView: ...

    def node(self, name: str) -> NodeView: ...
    def snapshot(self) -> SwarmSnapshot: ...
    def http(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list[HttpReply]: ...
    def follow_events(self, on_event: Callable[[str, dict], None]) -> Follower: ...
