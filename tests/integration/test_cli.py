"""The `labkit` command as a new user runs it: up, exec, status, down; and what it must not touch."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

import labkit
from labkit.base.facts import cli_lab_exists
from labkit.host.engine import client

from .conftest import unique


def labkit_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, timeout=timeout)


def test_up_exec_status_down():
    name = unique("cli")
    up = labkit_cli("up", "--name", name)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "docker swarm init --advertise-addr" in up.stdout and "3 nodes Ready" in up.stdout
    try:
        ex = labkit_cli("exec", name, "manager1", "--", "docker", "node", "ls")
        assert ex.returncode == 0 and ex.stdout.count("Ready") == 3, ex.stdout + ex.stderr
        bad = labkit_cli("exec", name, "worker1", "--", "docker", "node", "ls")
        assert bad.returncode != 0 and "not a swarm manager" in bad.stdout + bad.stderr
        st = labkit_cli("status", name, "--json")
        data = json.loads(st.stdout)
        assert [n["node"] for n in data["nodes"]] == ["manager1", "worker1", "worker2"]
        assert all(n["state"] == "ready" for n in data["nodes"])
        listing = labkit_cli("status")
        assert name in listing.stdout
        unknown = labkit_cli("exec", name, "worker9", "--", "true")
        assert unknown.returncode == 1 and "nodes are: manager1, worker1, worker2" in unknown.stderr
    finally:
        down = labkit_cli("down", name)
    assert down.returncode == 0 and "removed 3 container(s)" in down.stdout
    assert labkit_cli("down", name).returncode == 1


def test_bad_shapes_get_a_clear_error_and_create_nothing():
    name = unique("bad")
    res = labkit_cli("up", "--name", name, "--managers", "0")
    assert res.returncode == 1 and "managers must be an integer >= 1" in res.stderr
    assert not client().containers.list(all=True, filters={"label": f"labkit.lab={name}"})


def on_terminal(*args: str, rows: int = 30, cols: int = 100) -> tuple[int, str]:
    """Run `labkit ARGS` with its output on a pseudo-terminal of rows x cols, as in a person's terminal window."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", *args], stdout=follower, stderr=follower, stdin=subprocess.DEVNULL
    )
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process ended and closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    return proc.wait(timeout=120), screen.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def small_lab():
    with labkit.Lab(managers=1, workers=0, name=unique("clt"), quiet=True) as lab:
        yield lab


def test_exec_gives_the_command_a_terminal_only_when_labkit_has_one(small_lab):
    code, screen = on_terminal(
        "exec", small_lab.name, "manager1", "--", "sh", "-c", "test -t 1 && echo on-a-tty; sleep 1; stty size; exit 3"
    )
    assert code == 3 and "on-a-tty" in screen and "30 100" in screen, screen  # its terminal has our window's size
    piped = labkit_cli("exec", small_lab.name, "manager1", "--", "sh", "-c", "test -t 1 || echo no-tty; echo e >&2")
    assert piped.returncode == 0 and piped.stdout == "no-tty\n" and piped.stderr == "e\n"


def test_docker_progress_redraws_in_place_on_a_terminal_and_stays_lines_in_a_pipe(small_lab):
    create = [
        "exec",
        small_lab.name,
        "manager1",
        "--",
        "docker",
        "service",
        "create",
        "--name",
        "p1",
        "--replicas",
        "2",
        "nginx",
    ]
    code, screen = on_terminal(*create)
    assert code == 0 and "\x1b[" in screen and "overall progress" in screen, screen  # cursor moves: a redraw
    assert screen.count("\n") < 10, screen
    piped = labkit_cli(*[w if w != "p1" else "p2" for w in create])
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout + piped.stderr
    assert "overall progress" in piped.stdout + piped.stderr and "verify: Service" in piped.stdout + piped.stderr
    labkit_cli("exec", small_lab.name, "manager1", "--", "docker", "service", "rm", "p1", "p2")


def test_a_mistyped_lab_name_gets_the_closest_one_from_every_command(small_lab):
    typo = small_lab.name[:-1] + ("x" if small_lab.name[-1] != "x" else "y")
    expected = f"no lab named {typo!r} on this engine; did you mean {small_lab.name!r}? (see `labkit status`)"
    for args in (["status", typo], ["exec", typo, "manager1", "--", "true"], ["down", typo]):
        res = labkit_cli(*args)
        assert res.returncode == 1 and res.stderr.strip() == f"labkit: {expected}", (args, res.stderr)


def test_up_of_a_taken_name_is_refused_before_any_step_and_replace_starts_afresh(small_lab):
    res = labkit_cli("up", "--name", small_lab.name, "--workers", "0")
    assert res.returncode == 1 and res.stderr.strip() == f"labkit: {cli_lab_exists(small_lab.name)}", res.stderr
    assert "[1/" not in res.stdout and "Starting" not in res.stdout, res.stdout  # not one step ran
    assert small_lab.node("manager1").sh("docker node ls --format '{{.Status}}'").stdout.strip() == "Ready"
    before = client().containers.get(f"{small_lab.name}-manager1").id
    again = labkit_cli("up", "--name", small_lab.name, "--workers", "0", "--replace")
    assert again.returncode == 0 and "1 nodes Ready" in again.stdout, again.stdout + again.stderr
    assert client().containers.get(f"{small_lab.name}-manager1").id != before
