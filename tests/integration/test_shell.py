"""`labkit shell LAB NODE`: a real interactive terminal in a node, driven through a pseudo-terminal as a person
types: a command's output, Ctrl-C stopping a running command, and the shell's exit code."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

import labkit
from labkit.base.poll import poll

from ..support import HANG
from .conftest import unique


@pytest.fixture(scope="module")
def lab():
    with labkit.Lab(managers=1, workers=0, name=unique("sh"), quiet=True) as lab:
        yield lab


class Terminal:
    """A process on a pseudo-terminal: type into it, read what the screen shows."""

    def __init__(self, argv: list[str]):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.screen = ""
        self.closed = False  # the process ended and closed the terminal

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read(self) -> str:
        """The screen after reading what arrived within half a second."""
        ready, _, _ = select.select([self.master], [], [], 0.5)
        if ready and not self.closed:
            try:
                self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                self.closed = True
        return self.screen

    def expect(self, text: str, timeout: float = HANG) -> str:
        """The screen once `text` is on it (or the terminal closed); WaitTimeout showing the screen otherwise."""
        # interval=0: read() itself waits for output.
        return poll(
            self.read,
            lambda screen: text in screen or self.closed,
            timeout=timeout,
            interval=0,
            what=f"{text!r} on the screen",
            show=lambda screen: "the screen shows:\n" + screen[-2000:],
        )

    def close(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_an_interactive_shell_runs_commands_stops_on_ctrl_c_and_returns_the_exit_code(lab):
    term = Terminal([sys.executable, "-m", "labkit.cli", "shell", lab.name, "manager1"])
    try:
        term.expect("#")  # the node's root prompt
        term.type("docker node ls --format '{{.Hostname}} is {{.Status}}'\r")
        term.expect("manager1 is Ready")
        term.type("sleep 100; echo finished-sleeping\r")
        time.sleep(1)
        term.type("\x03")  # Ctrl-C reaches the node's shell, not labkit
        term.type("echo still-here-$((40+2))\r")
        screen = term.expect("still-here-42")
        assert "finished-sleeping" not in screen.split("still-here")[0].replace("echo finished-sleeping", "")
        term.type("exit 3\r")
    finally:
        code = term.close()
    assert code == 3


def test_without_a_terminal_it_points_to_exec(lab):
    res = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "shell", lab.name, "manager1"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "labkit exec" in res.stderr and "Traceback" not in res.stderr
