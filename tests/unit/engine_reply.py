"""The engine's side of an attached exec, for unit tests of labkit/host/exec_frames.py and its callers: the reply
to `POST /exec/{id}/start` and Docker's multiplexed frames, over a socket pair, read as docker-py reads them."""

from __future__ import annotations

import http.client
import socket
import struct

__all__ = ["REPLY", "frame", "reply_with"]

REPLY = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)
STDOUT, STDERR = 1, 2


def frame(payload: bytes, stream: int = STDOUT) -> bytes:
    """One frame: an 8-byte header (stream id, 3 zero bytes, payload length, big-endian), then the payload."""
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def reply_with(body: bytes, *, close: bool = True) -> tuple[socket.socket, http.client.HTTPResponse]:
    """The engine's end and the reply it sent at once with `body`, its headers parsed (as docker-py's request leaves
    it); `close` ends the engine's side (the command ended)."""
    engine, us = socket.socketpair()
    engine.sendall(REPLY + body)
    if close:
        engine.close()
    response = http.client.HTTPResponse(us)
    response.begin()
    return engine, response
