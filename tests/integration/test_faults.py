"""Breaking a real swarm: crashes, clean stops, partitions and pauses, and how it heals.

Each test breaks a node of a swarm of its own (labkit.testing, `fresh=True`): a node left killed, stopped, cut off or
frozen by a failed test must not be the next test's problem, nor that of another file sharing this worker's swarm.
"""

from __future__ import annotations

import pytest

import labkit

from ..support import HANG

FRESH = pytest.mark.swarm(managers=1, workers=2, fresh=True)


def on(snap, service):
    return snap.placement(service)


@FRESH
def test_killing_a_worker_moves_its_replicas(swarm):
    swarm.node("manager1").sh("docker service create --detach --name web --replicas 6 labkit/whoami")
    snap = swarm.wait_service("web", running=6)
    assert on(snap, "web").get("worker2") == 2
    swarm.node("worker2").kill()
    assert swarm.node("worker2").fault == "killed"
    snap = swarm.wait(lambda s: s.node("worker2").state == "down", timeout=HANG, what="worker2 Down")
    assert snap.node("worker2").fault == "killed"
    snap = swarm.wait(
        lambda s: len(s.running("web")) == 6 and "worker2" not in on(s, "web"),
        timeout=60,
        what="6 replicas running without worker2",
    )
    assert sum(on(snap, "web").values()) == 6
    with pytest.raises(labkit.LabkitError, match="killed"):
        swarm.node("worker2").sh("true")


@FRESH
def test_a_stopped_node_restarts_and_rejoins(swarm):
    swarm.node("worker1").stop()
    assert swarm.node("worker1").fault == "stopped"
    swarm.wait(lambda s: s.node("worker1").state == "down", timeout=HANG, what="worker1 Down")
    swarm.node("worker1").start()
    snap = swarm.wait(lambda s: s.node("worker1").state == "ready", timeout=60, what="worker1 Ready again")
    assert snap.node("worker1").fault is None
    assert "Swarm: active" in swarm.node("worker1").sh("docker info").stdout


@FRESH
def test_a_partitioned_node_goes_down_and_comes_back(swarm):
    ip = swarm.node("worker2").ip
    swarm.node("worker2").disconnect()
    assert swarm.node("worker2").fault == "disconnected"
    snap = swarm.wait(lambda s: s.node("worker2").state == "down", timeout=HANG, what="worker2 Down")
    assert snap.node("worker2").fault == "disconnected"
    swarm.node("worker2").reconnect()
    swarm.wait(lambda s: s.node("worker2").state == "ready", timeout=60, what="worker2 Ready again")
    assert swarm.node("worker2").sh("hostname -i").stdout.split()[0] == ip


@FRESH
def test_a_paused_node_is_marked_and_resumes(swarm):
    swarm.node("worker1").pause()
    assert swarm.node("worker1").fault == "paused"
    assert swarm.snapshot().node("worker1").fault == "paused"
    swarm.node("worker1").unpause()
    assert swarm.node("worker1").fault is None
    swarm.wait(lambda s: s.node("worker1").state == "ready", timeout=60, what="worker1 Ready")
