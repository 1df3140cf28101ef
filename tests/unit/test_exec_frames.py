"""An exec's output that arrives in the same packet as the engine's reply headers is read, not lost
(labkit/host/exec_frames.py): the frames are read through http.client's buffered reader, as a real reply gives it."""

from __future__ import annotations

import http.client
import socket
import struct

import pytest

from labkit.host.exec_frames import buffered_bytes, read_frames

REPLY = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def reply_with(body: bytes) -> http.client.HTTPResponse:
    """The engine's upgrade reply and `body`, sent at once and read as docker-py reads it (headers parsed)."""
    engine, us = socket.socketpair()
    engine.sendall(REPLY + body)
    engine.close()
    response = http.client.HTTPResponse(us)
    response.begin()
    return response


def test_output_sent_with_the_headers_is_read_through_the_buffer():
    response = reply_with(frame(1, b"hello\n") + frame(2, b"oops\n") + frame(1, b""))
    assert list(read_frames(response.fp, tty=False)) == [(b"hello\n", None), (None, b"oops\n"), (b"", None)]


def test_the_raw_socket_under_the_buffer_has_lost_it():
    # What docker-py's exec_start(stream=True) reads (response.raw._fp.fp.raw): the bytes are in the buffer, not here.
    response = reply_with(frame(1, b"hello\n"))
    assert response.fp.raw.read(4096) == b""


def test_a_terminal_stream_is_read_as_it_comes():
    response = reply_with(b"a\r\nb")
    assert b"".join(out for out, _ in read_frames(response.fp, tty=True)) == b"a\r\nb"


def test_a_garbled_header_is_an_error():
    response = reply_with(b"not a frame header at all")
    with pytest.raises(ValueError, match="no frame header"):
        list(read_frames(response.fp, tty=False))


def test_a_terminal_takes_what_came_with_the_headers_then_reads_the_socket():
    # labkit shell selects on the raw socket; the prompt that came with the reply is handed over first.
    engine, us = socket.socketpair()
    engine.sendall(REPLY + b"/ # ")
    response = http.client.HTTPResponse(us)
    response.begin()
    assert buffered_bytes(response.fp) == b"/ # "
    assert buffered_bytes(response.fp) == b""  # nothing more yet: no wait
    engine.sendall(b"ls\r\n")
    assert response.fp.raw._sock.recv(64) == b"ls\r\n"
