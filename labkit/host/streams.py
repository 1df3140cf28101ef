"""Following a command's output line by line as it comes (an event stream), and stopping from another thread.

Both streams are docker-py's cancellable streams: `close()` from another thread shuts the connection down so the
reader returns at once (the command itself ends at its next write or its own time limit). A command's frames are
read by exec_frames, which keeps the first lines that came with the engine's reply (docker-py's exec_start lost
them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import docker.errors
from docker.types import CancellableStream

from .api_errors import reason
from .engine import client
from .exec import ContainerNotRunning
from .exec_frames import exec_frames

__all__ = ["LineStream", "HostEvents"]


def _cancel(stream: CancellableStream[Any]) -> None:
    try:
        stream.close()
    except Exception:  # closed already, or the engine went away: nothing is left to stop
        pass


class LineStream:
    """Run argv in a container and call `on_line(line)` for every line it prints, until it ends or stop()."""

    def __init__(self, container: str, argv: Sequence[str], on_line: Callable[[str], None]):
        self._container, self._argv, self._on_line = container, list(argv), on_line
        self._stream: CancellableStream[bytes] | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()  # stop() and run() may hand the stream over at the same moment

    def run(self) -> None:
        """Follow the output (blocks); ContainerNotRunning if the container cannot run commands now."""
        api = client().api
        try:
            exec_id = api.exec_create(self._container, self._argv, stdout=True, stderr=False)["Id"]
            frames, response = exec_frames(api, exec_id, tty=False)
        except docker.errors.APIError as exc:
            if reason(exc) in ("paused", "not-running", "not-found"):
                raise ContainerNotRunning(reason(exc), str(exc)) from None
            raise
        stream = CancellableStream((out for out, _ in frames if out), response)
        with self._lock:
            self._stream = stream
            stopped = self._stopped.is_set()
        if stopped:  # stop() came while the exec was starting
            _cancel(stream)
        pending = b""
        try:
            # Ends at the command's end, when stop() shuts the connection, or when it breaks (CancellableStream turns
            # a broken connection, an OSError, into its end).
            for chunk in stream:
                if self._stopped.is_set():
                    return
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        self._on_line(line.decode("utf-8", "replace"))
        except ValueError:  # a read on the reader stop() closed; otherwise a garbled stream, which is a bug
            if not self._stopped.is_set():
                raise
        finally:
            _cancel(stream)

    def stop(self) -> None:
        """Make run() return now (from any thread)."""
        with self._lock:
            self._stopped.set()
            stream = self._stream
        if stream is not None:
            _cancel(stream)


class HostEvents:
    """Follow the host engine's events for labelled objects (a lab's node containers), until stop()."""

    def __init__(self, filters: dict, on_event: Callable[[dict], None]):
        self._filters, self._on_event = filters, on_event
        self._stream: CancellableStream[dict[str, Any]] | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        """Follow (blocks) until stop() or the engine closes the stream."""
        self._stream = stream = client().api.events(filters=self._filters, decode=True)
        if self._stopped.is_set():
            self.stop()
        try:
            for event in stream:
                self._on_event(event)
        except Exception:  # closed by stop(), or the engine went away
            return

    def stop(self) -> None:
        """Make run() return now (from any thread)."""
        self._stopped.set()
        if self._stream is not None:
            _cancel(self._stream)
