"""Start an exec and read what it prints, without losing the bytes that arrive with the engine's reply.

docker-py's `exec_start(stream=True)` reads the exec's output from the raw socket under http.client's buffered
reader (docker/api/client.py, `_get_raw_response_socket`). http.client reads the reply's headers through that
buffer, so output that reached us in the same packet as the headers sits in the buffer and is never read: a quick
command (`echo`, `docker info`) then seems to print nothing and exit 0. That happened in full test runs under load.
Here the frames are read through the same buffered reader, which hands out the buffered bytes first.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

__all__ = ["buffered_bytes", "exec_frames", "read_frames", "start_attached"]

_STDOUT, _STDERR = 1, 2


def read_frames(fp: Any, tty: bool) -> Iterator[tuple[bytes | None, bytes | None]]:
    """(stdout, stderr) payloads from a buffered reader over an exec's stream, until it ends.

    Without a terminal the engine multiplexes: each frame is an 8-byte header (stream id, 3 zero bytes, payload
    length, big-endian) then the payload. With a terminal the stream is the terminal's raw output. ValueError
    if a header names no stream (the stream is garbled).
    """
    if tty:
        while chunk := fp.read1(4096):
            yield chunk, None
        return
    while len(header := fp.read(8)) == 8:
        stream, size = struct.unpack(">BxxxL", header)
        if stream not in (0, _STDOUT, _STDERR):
            raise ValueError(f"{header!r} is no frame header")
        payload = fp.read(size) if size else b""
        yield (None, payload) if stream == _STDERR else (payload, None)


def start_attached(api: Any, exec_id: str, tty: bool) -> tuple[Any, Any]:
    """Start a created exec attached, as docker-py's exec_start does; return the buffered reader its reply's headers
    were read through (read the output from it, or take `buffered_bytes` first) and the response (close it when
    done)."""
    response = api._post_json(  # docker-py's own request for exec_start (its private helpers: same URL, headers)
        api._url("/exec/{0}/start", exec_id),
        headers={"Connection": "Upgrade", "Upgrade": "tcp"},
        data={"Tty": tty, "Detach": False},
        stream=True,
    )
    api._raise_for_status(response)
    fp = response.raw._fp.fp
    # A command may print nothing for minutes (a `docker service create` converging): no read timeout.
    api._disable_socket_timeout(fp.raw)
    return fp, response


def buffered_bytes(fp: Any) -> bytes:
    """What the reader holds already (it came with the reply's headers), without waiting for more; for a caller
    that goes on with the raw socket (a terminal selects on it)."""
    sock = fp.raw._sock
    sock.setblocking(False)  # read1 then hands out the buffer, or b"" at once when it is empty
    try:
        return bytes(fp.read1(65536) or b"")
    except BlockingIOError:
        return b""
    finally:
        sock.setblocking(True)


def exec_frames(api: Any, exec_id: str, tty: bool) -> tuple[Iterator[tuple[bytes | None, bytes | None]], Any]:
    """Start a created exec attached and return its (stdout, stderr) payloads and the response (close it when
    done)."""
    fp, response = start_attached(api, exec_id, tty)
    return read_frames(fp, tty), response
