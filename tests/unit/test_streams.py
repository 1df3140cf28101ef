"""LineStream over docker-py's own exec stream: Docker's multiplexed frames (an 8-byte header, then the payload)
become whole lines, and stop() from another thread ends a blocked read. A socket pair stands in for the engine's
hijacked connection, wrapped exactly as docker-py's exec_start(stream=True) wraps it. No engine."""

from __future__ import annotations

import socket
import struct
import threading
from types import SimpleNamespace

import docker.errors
import pytest
from docker.types import CancellableStream
from docker.utils.socket import STDOUT, frames_iter

from labkit.host import streams
from labkit.host.exec import ContainerNotRunning


def frame(payload: bytes, stream: int = STDOUT) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


class Engine:
    """One exec whose output the test writes into `self.peer`, the engine's end of the connection."""

    def __init__(self, refuse: Exception | None = None):
        ours, self.peer = socket.socketpair()
        self._fp = ours.makefile("rb")  # as http.client holds the response: a reader over the socket
        self._refuse = refuse
        self.api = self

    def exec_create(self, container: str, argv: list[str], **_: object) -> dict:
        if self._refuse is not None:
            raise self._refuse
        return {"Id": "exec1"}

    def exec_start(self, exec_id: str, stream: bool = False) -> CancellableStream:
        assert stream
        # What docker-py's exec_start(stream=True) returns on a unix socket: its frame parser over the connection,
        # cancellable through the response (response.raw._fp.fp is the reader above).
        response = SimpleNamespace(raw=SimpleNamespace(closed=False, _fp=SimpleNamespace(fp=self._fp)))
        return CancellableStream((data for _, data in frames_iter(self._fp.raw, tty=False)), response)


def follow(monkeypatch, engine: Engine, on_line) -> streams.LineStream:
    monkeypatch.setattr(streams, "client", lambda: engine)
    return streams.LineStream("lab-manager1", ["curl", "-sN", "http://d/events"], on_line)


def test_frames_become_whole_lines_whatever_the_frame_boundaries(monkeypatch):
    engine, lines = Engine(), []
    engine.peer.sendall(frame(b'{"a":') + frame(b'1}\n\n{"b"') + frame(b':2}\n{"c":3}\n') + frame(b"no newline yet"))
    engine.peer.close()  # the command ended
    follow(monkeypatch, engine, lines.append).run()
    assert lines == ['{"a":1}', '{"b":2}', '{"c":3}']  # blank lines skipped, an unfinished last line not passed on


def test_stop_from_another_thread_ends_a_read_that_waits_for_output(monkeypatch):
    engine, lines, first = Engine(), [], threading.Event()

    def on_line(line: str) -> None:
        lines.append(line)
        first.set()

    stream = follow(monkeypatch, engine, on_line)
    reader = threading.Thread(target=stream.run, daemon=True)
    reader.start()
    engine.peer.sendall(frame(b"one\n"))
    assert first.wait(10), "the line never arrived"
    stream.stop()  # the engine's end stays open: only stop() can end the read
    reader.join(10)
    assert not reader.is_alive() and lines == ["one"]
    assert engine.peer.recv(1) == b""  # the engine sees the connection closed: the command ends at its next write


def test_stop_before_the_exec_started_ends_run_at_once(monkeypatch):
    engine, lines = Engine(), []
    stream = follow(monkeypatch, engine, lines.append)
    stream.stop()
    engine.peer.sendall(frame(b"never read\n"))
    stream.run()  # returns although the engine's end is still open
    assert lines == []


@pytest.mark.parametrize(
    "message,state",
    [
        ("Container abc is paused, unpause the container before exec", "paused"),
        ("Container abc is not running", "not-running"),
    ],
)
def test_a_container_that_cannot_run_commands_says_so(monkeypatch, message, state):
    refusal = docker.errors.APIError(message, response=None, explanation=message)
    with pytest.raises(ContainerNotRunning) as info:
        follow(monkeypatch, Engine(refuse=refusal), lambda line: None).run()
    assert info.value.state == state
