"""The `labkit` command as a new user runs it: up, exec, status, down; and what it must not touch."""

from __future__ import annotations

import json
import subprocess
import sys

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
