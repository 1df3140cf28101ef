"""Reading a lab: snapshots, Engine API lists, waits, capabilities, HTTP from inside, and its widgets.

`labkit.Lab` inherits these; they only read the lab (or, for the widgets, show it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..swarm.api import read_api
from ..swarm.capabilities import Capabilities, measure_capabilities
from ..swarm.context import LabState
from ..swarm.events import EventFollower
from ..swarm.http import HttpReply, http_requests
from ..swarm.snapshot import read_snapshot
from ..swarm.state import SwarmSnapshot
from ..swarm.waits import wait_for

if TYPE_CHECKING:
    from ..swarm.node import Node
    from ..widgets import LabView

__all__ = ["LabViews"]


class LabViews:
    """What a lab shows: the read side of `labkit.Lab` (it holds `_state`, `_capabilities`, `node()`)."""

    _state: LabState
    _capabilities: Capabilities | None  # measured on first use

    if TYPE_CHECKING:  # Lab defines these two; declared here so the methods below type-check

        def node(self, name: str) -> Node:
            """The node called `name`."""
            ...

        def _require_running(self) -> None: ...

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> SwarmSnapshot:
        """Nodes, services and tasks as one immutable snapshot, read from a reachable manager."""
        self._require_running()
        return read_snapshot(self._state)

    def api(self, *paths: str) -> dict:
        """Raw Engine API lists from a manager, e.g. `lab.api("services", "networks")` (GET only)."""
        self._require_running()
        return read_api(self._state, paths)

    def follow_events(self, on_event: Callable[[str, dict], None]) -> EventFollower:
        """Call `on_event(node, event)` for every engine event in the lab (containers, nodes, services) until the
        returned follower's `stop()`; the live widgets use it to redraw the moment something happens."""
        self._require_running()
        return EventFollower(self._state, on_event).start()

    def wait(
        self,
        predicate: Callable[[SwarmSnapshot], bool],
        timeout: float = 60,
        what: str = "condition",
        interval: float = 0.5,
        quiet: bool = False,
    ) -> SwarmSnapshot:
        """Poll snapshots until predicate(snapshot) is true; else WaitTimeout (a TimeoutError) with the last state."""
        self._require_running()
        return wait_for(self._state, predicate, timeout=timeout, what=what, interval=interval, quiet=quiet)

    def wait_service(self, service: str, running: int, timeout: float = 90) -> SwarmSnapshot:
        """Wait until `running` tasks of a service are running (e.g. after `docker service create`)."""
        return self.wait(
            lambda s: len(s.running(service)) == running,
            timeout=timeout,
            what=f"{running} running task(s) of {service}",
        )

    @property
    def capabilities(self) -> Capabilities:
        """What this host supports (routing mesh/IPVS, encrypted overlay/ESP, privileged), measured in a node."""
        self._require_running()
        if self._capabilities is None:
            self._capabilities = measure_capabilities(self._state)
        return self._capabilities

    def http(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list[HttpReply]:
        """Send HTTP requests from inside the lab network to node:port; report who answered each."""
        self.node(node)
        return http_requests(self._state, node, port, path=path, count=count, timeout=timeout)

    # -- widgets (labkit.widgets renders snapshots; it never calls Docker itself) -----------------
    def board(self: LabView, **kwargs):
        """The live task-placement board of this lab, with controls that act on it."""
        from ..widgets import board

        return board(self, **kwargs)

    def traffic(self: LabView, service: str, port: int, **kwargs):
        """A load-balancing panel: who answers requests sent to a published port."""
        from ..widgets import traffic

        return traffic(self, service, port, **kwargs)

    def timeline(self: LabView, **kwargs):
        """A scrolling timeline of node, leader and task changes in this lab."""
        from ..widgets import timeline

        return timeline(self, **kwargs)
