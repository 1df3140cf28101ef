"""What the widgets need from a lab: a typed protocol, so they never guess with getattr.

`labkit.Lab` and `labkit.Node` satisfy these; the widgets' unit tests pass
small stand-ins that do too.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from ..swarm.state import SwarmSnapshot

__all__ = ["LabView", "NodeView", "CapabilitiesView"]


@runtime_checkable
class NodeView(Protocol):
    """One node: its name, its container, its shell, and the host command each fault stands for."""

    name: str

    @property
    def container_name(self) -> str: ...  # noqa: D102

    def sh(self, script: str, *, check: bool = True) -> Any: ...  # noqa: D102
    def host_command(self, action: str) -> str: ...  # noqa: D102
    def kill(self) -> None: ...  # noqa: D102
    def stop(self) -> None: ...  # noqa: D102
    def start(self) -> None: ...  # noqa: D102
    def pause(self) -> None: ...  # noqa: D102
    def unpause(self) -> None: ...  # noqa: D102
    def disconnect(self) -> None: ...  # noqa: D102
    def reconnect(self) -> None: ...  # noqa: D102


class CapabilitiesView(Protocol):
    """What the host allows: the traffic panel needs to know about the routing mesh."""

    routing_mesh: bool
    reason: dict[str, str]


@runtime_checkable
class LabView(Protocol):
    """A running lab as the widgets see it."""

    @property
    def name(self) -> str: ...  # noqa: D102

    @property
    def network_name(self) -> str: ...  # noqa: D102

    @property
    def running(self) -> bool: ...  # noqa: D102

    @property
    def nodes(self) -> Sequence[NodeView]: ...  # noqa: D102

    @property
    def manager(self) -> NodeView: ...  # noqa: D102

    @property
    def capabilities(self) -> CapabilitiesView: ...  # noqa: D102

    def node(self, name: str) -> NodeView: ...  # noqa: D102
    def snapshot(self) -> SwarmSnapshot: ...  # noqa: D102
    def http(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list: ...  # noqa: D102
    def follow_events(self, on_event: Callable[[str, dict], None]) -> Any: ...  # noqa: D102 (returns: has stop())
