"""Following a lab's engine events: the host engine's events for its node containers (a kill, a pause, a
network cut), every node's container events, and the managers' node and service events.

The live widgets take a snapshot the moment something happens instead of waiting for their next poll. Each
node's engine is followed by one long-lived `curl` of its `/events` (over the node's unix socket), read on a
thread of its own; a node that is down is retried every second. Nothing here prints.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable

from ..base.facts import KIND_NODE, label_filter
from ..host.exec import ContainerNotRunning
from ..host.streams import HostEvents, LineStream
from .answers import API_VERSION
from .context import LabState

__all__ = ["EventFollower", "EVENT_TYPES"]

EVENT_TYPES = ("container", "node", "service")
_FILTERS = urllib.parse.quote(json.dumps({"type": list(EVENT_TYPES)}))
# --max-time: a stream that nobody stops (its reader gone) still ends; the follower starts a new one.
_ARGV = [
    "curl",
    "-sN",
    "--max-time",
    "600",
    "--unix-socket",
    "/var/run/docker.sock",
    f"http://d/{API_VERSION}/events?filters={_FILTERS}",
]
RETRY = 1.0  # seconds between attempts to follow a node that cannot run commands (down, paused)


class EventFollower:
    """Calls `on_event(source, event)` for every engine event of a lab (source: a node, or "host"), until stop()."""

    def __init__(self, state: LabState, on_event: Callable[[str, dict], None]):
        self._state, self._on_event = state, on_event
        self._streams: dict[str, LineStream | HostEvents | None] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> EventFollower:
        """Follow every node the lab has now (call again after nodes were added: new ones are followed too)."""
        with self._lock:
            if "host" not in self._threads:
                t = threading.Thread(target=self._follow_host, daemon=True, name=f"labkit-events-{self._state.name}")
                self._threads["host"] = t
                t.start()
            for host in list(self._state.nodes):
                if host not in self._threads or not self._threads[host].is_alive():
                    t = threading.Thread(
                        target=self._follow, args=(host,), daemon=True, name=f"labkit-events-{self._state.name}-{host}"
                    )
                    self._threads[host] = t
                    t.start()
        return self

    def stop(self) -> None:
        """Stop following (the threads end at once)."""
        self._stop.set()
        with self._lock:
            for stream in self._streams.values():
                if stream is not None:
                    stream.stop()

    @property
    def following(self) -> list[str]:
        """Nodes followed right now ("host": the host engine's events for the lab's containers)."""
        return sorted(h for h, t in self._threads.items() if t.is_alive())

    def _follow_host(self) -> None:
        while not self._stop.is_set():
            stream = HostEvents(label_filter(KIND_NODE, self._state.name), lambda ev: self._deliver("host", ev))
            with self._lock:
                self._streams["host"] = stream
            if self._stop.is_set():
                return
            stream.run()
            self._stop.wait(RETRY)

    def _follow(self, host: str) -> None:
        while not self._stop.is_set() and host in self._state.nodes:
            stream = LineStream(self._state.container_of(host), _ARGV, lambda line: self._line(host, line))
            with self._lock:
                self._streams[host] = stream
            if self._stop.is_set():
                return
            try:
                stream.run()
            except ContainerNotRunning:
                pass  # down or paused: try again in a moment
            except Exception:  # the engine restarted, the node was removed ...: never let the thread die loudly
                pass
            self._stop.wait(RETRY)

    def _line(self, host: str, line: str) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        self._deliver(host, event)

    def _deliver(self, source: str, event: dict) -> None:
        try:
            self._on_event(source, event)
        except Exception:  # a subscriber's failure must not stop the stream
            pass
