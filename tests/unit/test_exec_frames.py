"""An exec's output that arrives in the same packet as the engine's reply headers is read, not lost
(labkit/host/exec_frames.py): the frames are read through http.client's buffered reader, as a real reply gives it."""

from __future__ import annotations

import pytest

from labkit.host.exec_frames import buffered_bytes, read_frames

from .engine_reply import STDERR, STDOUT, frame, reply_with


def test_output_sent_with_the_headers_is_read_through_the_buffer():
    _, response = reply_with(frame(b"hello\n") + frame(b"oops\n", STDERR) + frame(b"", STDOUT))
    assert list(read_frames(response.fp, tty=False)) == [(b"hello\n", None), (None, b"oops\n"), (b"", None)]


def test_the_raw_socket_under_the_buffer_has_lost_it():
    # What docker-py's exec_start(stream=True) reads (response.raw._fp.fp.raw): the bytes are in the buffer, not here.
    _, response = reply_with(frame(b"hello\n"))
    assert response.fp.raw.read(4096) == b""


def test_a_terminal_stream_is_read_as_it_comes():
    _, response = reply_with(b"a\r\nb")
    assert b"".join(out for out, _ in read_frames(response.fp, tty=True)) == b"a\r\nb"


def test_a_garbled_header_is_an_error():
    _, response = reply_with(b"not a frame header at all")
    with pytest.raises(ValueError, match="no frame header"):
        list(read_frames(response.fp, tty=False))


def test_a_terminal_takes_what_came_with_the_headers_then_reads_the_socket():
    # labkit shell selects on the raw socket; the prompt that came with the reply is handed over first.
    engine, response = reply_with(b"/ # ", close=False)
    assert buffered_bytes(response.fp) == b"/ # "
    assert buffered_bytes(response.fp) == b""  # nothing more yet: no wait
    engine.sendall(b"ls\r\n")
    assert response.fp.raw._sock.recv(64) == b"ls\r\n"
