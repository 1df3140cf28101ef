"""LineStream over an exec's stream: Docker's multiplexed frames (an 8-byte header, then the payload) become whole
lines, a line that came with the engine's reply headers is kept, and stop() from another thread ends a blocked read.
A socket pair stands in for the engine's hijacked connection, read as docker-py's request reads it (http.client
parses the reply's headers through its buffered reader). No engine."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import docker.errors
import pytest

from labkit.host import streams
from labkit.host.exec import ContainerNotRunning

from .engine_reply import frame, reply_with


class Engine:
    """One exec whose output the test writes into `self.peer`, the engine's end of the connection. Its methods are
    the docker-py API that labkit.host.exec_frames calls (docker-py's own request helpers)."""

    def __init__(self, refuse: Exception | None = None, with_reply: bytes = b""):
        # The reply to exec start, and any output sent in the same write; the test writes the rest into `peer`.
        self.peer, self._reply = reply_with(with_reply, close=False)
        self._refuse = refuse
        self.api = self

    def exec_create(self, container: str, argv: list[str], **_: object) -> dict:
        if self._refuse is not None:
            raise self._refuse
        return {"Id": "exec1"}

    def _url(self, path: str, *args: str) -> str:
        return path.format(*args)

    def _post_json(self, url: str, headers: dict, data: dict, stream: bool) -> SimpleNamespace:
        assert url == "/exec/exec1/start" and stream and data == {"Tty": False, "Detach": False}
        # As requests hands it back: response.raw (urllib3) -> ._fp (http.client) -> .fp (the buffered reader).
        return SimpleNamespace(raw=SimpleNamespace(closed=False, _fp=self._reply), close=lambda: None)

    def _raise_for_status(self, response: object) -> None:
        pass

    def _disable_socket_timeout(self, raw: object) -> None:
        pass


def follow(monkeypatch, engine: Engine, on_line) -> streams.LineStream:
    monkeypatch.setattr(streams, "client", lambda: engine)
    return streams.LineStream("lab-manager1", ["curl", "-sN", "http://d/events"], on_line)


def test_frames_become_whole_lines_whatever_the_frame_boundaries(monkeypatch):
    engine, lines = Engine(), []
    engine.peer.sendall(frame(b'{"a":') + frame(b'1}\n\n{"b"') + frame(b':2}\n{"c":3}\n') + frame(b"no newline yet"))
    engine.peer.close()  # the command ended
    follow(monkeypatch, engine, lines.append).run()
    assert lines == ['{"a":1}', '{"b":2}', '{"c":3}']  # blank lines skipped, an unfinished last line not passed on


def test_a_line_that_came_with_the_reply_headers_is_kept(monkeypatch):
    # docker-py's exec_start read past the buffer these bytes sit in: the board lost a stream's first event.
    engine, lines = Engine(with_reply=frame(b"first\n")), []
    engine.peer.sendall(frame(b"second\n"))
    engine.peer.close()
    follow(monkeypatch, engine, lines.append).run()
    assert lines == ["first", "second"]


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
