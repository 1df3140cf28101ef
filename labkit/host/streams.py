"""Following a command's output line by line as it comes (an event stream), and stopping from another thread.

Built on the exec API's raw socket: reading blocks until the command writes, and `stop()` shuts the socket
down so the reader returns at once (the command itself ends at its next write or its own time limit).
"""

from __future__ import annotations

import socket
import threading
from typing import Callable, Sequence

import docker.errors

from .api_errors import reason
from .engine import client
from .exec import ContainerNotRunning

__all__ = ["LineStream", "HostEvents"]


class LineStream:
    """Run argv in a container and call `on_line(line)` for every line it prints, until it ends or stop()."""

    def __init__(self, container: str, argv: Sequence[str], on_line: Callable[[str], None]):
        self._container, self._argv, self._on_line = container, list(argv), on_line
        self._sock: socket.socket | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        """Follow the output (blocks); ContainerNotRunning if the container cannot run commands now."""
        api = client().api
        try:
            exec_id = api.exec_create(self._container, self._argv, stdout=True, stderr=False)["Id"]
            raw = api.exec_start(exec_id, socket=True)
        except docker.errors.APIError as exc:
            if reason(exc) in ("paused", "not-running", "not-found"):
                raise ContainerNotRunning(reason(exc), str(exc)) from None
            raise
        self._sock = getattr(raw, "_sock", raw)
        if self._stopped.is_set():
            self.stop()
        pending = b""
        try:
            while not self._stopped.is_set():
                header = self._recv_exact(8)  # the exec stream is multiplexed: 8-byte header, then the payload
                if header is None:
                    return
                size = int.from_bytes(header[4:8], "big")
                payload = self._recv_exact(size)
                if payload is None:
                    return
                pending += payload
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        self._on_line(line.decode("utf-8", "replace"))
        finally:
            self._close()

    def _recv_exact(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            try:
                chunk = self._sock.recv(size - len(data)) if self._sock else b""
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def stop(self) -> None:
        """Make run() return now (from any thread)."""
        self._stopped.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass


class HostEvents:
    """Follow the host engine's events for labelled objects (a lab's node containers), until stop()."""

    def __init__(self, filters: dict, on_event: Callable[[dict], None]):
        self._filters, self._on_event = filters, on_event
        self._stream = None
        self._stopped = threading.Event()

    def run(self) -> None:
        """Follow (blocks) until stop() or the engine closes the stream."""
        self._stream = client().api.events(filters=self._filters, decode=True)
        if self._stopped.is_set():
            self.stop()
        try:
            for event in self._stream:
                self._on_event(event)
        except Exception:  # closed by stop(), or the engine went away
            return

    def stop(self) -> None:
        """Make run() return now (from any thread)."""
        self._stopped.set()
        if self._stream is not None:
            try:
                self._stream.close()
            except Exception:  # already closed
                pass
