"""An interactive terminal in a container (`labkit shell`): a TTY over the exec API, as `docker exec -it` does.

The local terminal goes into raw mode, so every key (Ctrl-C included) reaches the
process in the container; the container's TTY follows the local window size; the
exit code is the shell's.

`termios` and `tty` exist on Unix only, so they are imported when a terminal is opened:
`import labkit` works on native Windows Python, where only `labkit shell` is missing.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any, cast

from ..base.errors import LabkitError
from .engine import client
from .exec_frames import buffered_bytes, start_attached

__all__ = ["interactive"]

NO_UNIX_TERMINAL = (
    "labkit shell needs a Unix terminal (Linux, macOS, or WSL 2 on Windows); "
    "here run one command at a time with: labkit exec LAB NODE -- COMMAND"
)


def _window(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
        return size.lines, size.columns
    except OSError:
        return 24, 80


def interactive(container: str, argv: Sequence[str], env: dict[str, str] | None = None) -> int:
    """Run argv in the container on a TTY wired to this process's terminal; return its exit code."""
    try:
        import termios
        import tty
    except ImportError:
        raise LabkitError(NO_UNIX_TERMINAL) from None
    api = client().api
    exec_id = api.exec_create(container, list(argv), stdin=True, tty=True, environment=env)["Id"]
    fp, _ = start_attached(api, exec_id, tty=True)  # the socket under fp stays open while `raw` holds it
    early = buffered_bytes(fp)  # the first output, if it came with the reply's headers (docker-py's socket lost it)
    raw = cast(socket.socket, fp.raw._sock)
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    is_tty = os.isatty(stdin)
    saved = termios.tcgetattr(stdin) if is_tty else None

    def resize(*_: Any) -> None:
        rows, cols = _window(stdin)
        try:
            api.exec_resize(exec_id, height=rows, width=cols)
        except Exception:  # the exec may have ended meanwhile
            pass

    previous = signal.signal(signal.SIGWINCH, resize) if is_tty else None
    try:
        if is_tty:
            tty.setraw(stdin)
            resize()
        if early:
            os.write(stdout, early)
        _pump(raw, stdin, stdout)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)
        raw.close()
    code = api.exec_inspect(exec_id).get("ExitCode")
    return 0 if code is None else int(code)


def _pump(raw: socket.socket, stdin: int, stdout: int) -> None:
    """Copy keys to the container and its output to the terminal until the container side closes."""
    stdin_open = True
    while True:
        watched: list[socket.socket | int] = [raw, stdin] if stdin_open else [raw]
        readable, _, _ = select.select(watched, [], [])
        if raw in readable:
            data = raw.recv(65536)
            if not data:
                return
            os.write(stdout, data)
        if stdin_open and stdin in readable:
            data = os.read(stdin, 65536)
            if data:
                raw.sendall(data)
            else:  # local end of input: tell the container, keep showing its output
                stdin_open = False
                try:
                    raw.shutdown(1)
                except OSError:
                    return
