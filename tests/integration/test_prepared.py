"""Labs started in advance (issue 9 §1): the next start of the name takes the prepared lab (no start step runs); only
that name can; `labkit status` shows it and `labkit down` frees it; LABKIT_POOL bounds and can turn it off."""

from __future__ import annotations

import subprocess
import sys

import labkit
from labkit.host.engine import client
from labkit.swarm.prepared import prepared_nodes
from labkit.swarm.waits import all_ready

from ..support import HANG
from .conftest import unique


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **(env or {})},
    )


def node_ids(name: str) -> dict[str, str]:
    return {
        c["Labels"]["labkit.node"]: c["Id"]
        for c in client().api.containers(all=True, filters={"label": [f"labkit.lab={name}", "labkit.kind=node"]})
    }


def test_a_prepared_lab_is_taken_by_the_next_start_of_its_name_only():
    name = unique("warm")
    try:
        res = cli("prepare", name, "--workers", "2", env={"LABKIT_POOL": str(prepared_nodes() + 3)})
        assert res.returncode == 0, res.stderr
        row = next(line for line in cli("status").stdout.splitlines() if line.startswith(name))
        assert "prepared" in row, row
        before = node_ids(name)
        other = labkit.Lab(managers=1, workers=2, name=unique("warm"), quiet=True)
        try:
            other.start()
            assert set(node_ids(other.name).values()).isdisjoint(before.values()), "never another name's nodes"
        finally:
            other.stop()
        lab = labkit.Lab(managers=1, workers=2, name=name, quiet=True).start()
        # Taken: the same node containers, and no start step ran. How much faster that is than a cold start,
        # benchmarks/bench_lab.py measures ("warm start").
        assert node_ids(name) == before and lab.timings == [], f"the prepared lab was not taken: ran {lab.timings}"
        snap = lab.wait(all_ready(["manager1", "worker1", "worker2"]), timeout=HANG, what="every node Ready")
        assert [(n.hostname, n.state) for n in snap.nodes] == [
            ("manager1", "ready"),
            ("worker1", "ready"),
            ("worker2", "ready"),
        ]
        assert [n.ip for n in lab.nodes] == [f"{lab.nodes[0].ip.rsplit('.', 1)[0]}.{i}" for i in (11, 12, 13)]
        row = next(line for line in cli("status").stdout.splitlines() if line.startswith(name))
        assert "running" in row, row
    finally:
        cli("down", name)


def test_a_different_shape_is_not_taken_and_the_pool_can_be_bounded_or_off():
    name = unique("warm")
    try:
        room = str(prepared_nodes() + 2)  # other prepared labs (a learner's next notebook) count too
        assert cli("prepare", name, "--workers", "1", env={"LABKIT_POOL": "0"}).returncode == 1
        assert cli("prepare", name, "--workers", "1", env={"LABKIT_POOL": room}).returncode == 0
        assert cli("prepare", unique("warm"), "--workers", "1", env={"LABKIT_POOL": room}).returncode == 1, (
            "the budget is counted in nodes over every prepared lab"
        )
        res = cli("up", "--name", name, "--workers", "2")
        assert res.returncode == 1 and "already exists" in res.stderr, "a 1+1 prepared lab is no 1+2 lab"
        assert cli("down", name).returncode == 0 and node_ids(name) == {}
    finally:
        cli("down", name)
