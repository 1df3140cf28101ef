"""An interactive terminal in a container (`labkit shell`): a TTY over the exec API, as `docker exec -it` does.

The local terminal goes into raw mode, so every key (Ctrl-C included) reaches the
process in the container; the container's TTY follows the local window size; the
exit code is the shell's.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import tty
from typing import Sequence

from .engine import client

__all__ = ["interactive"]


def _window(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
        return size.lines, size.columns
    except OSError:
        return 24, 80


def interactive(container: str, argv: Sequence[str], env: dict[str, str] | None = None) -> int:
    """Run argv in the container on a TTY wired to this process's terminal; return its exit code."""
    api = client().api
    exec_id = api.exec_create(container, list(argv), stdin=True, tty=True, environment=env)["Id"]
    sock = api.exec_start(exec_id, tty=True, socket=True)
    raw = getattr(sock, "_sock", sock)  # docker-py hands out a SocketIO over the real socket
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    is_tty = os.isatty(stdin)
    saved = termios.tcgetattr(stdin) if is_tty else None

    def resize(*_):
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
        _pump(raw, stdin, stdout)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)
        raw.close()
    code = api.exec_inspect(exec_id).get("ExitCode")
    return 0 if code is None else code


def _pump(raw, stdin: int, stdout: int) -> None:
    """Copy keys to the container and its output to the terminal until the container side closes."""
    stdin_open = True
    while True:
        readable, _, _ = select.select([raw] + ([stdin] if stdin_open else []), [], [])
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
