"""Breaking a real swarm: crashes, clean stops, partitions and pauses, and how it heals."""

from __future__ import annotations

import pytest

import labkit


def on(snap, service):
    return snap.placement(service)


def test_killing_a_worker_moves_its_replicas(fresh_lab):
    lab = fresh_lab
    lab.node("manager1").sh("docker service create --detach --name web --replicas 6 labkit/whoami")
    snap = lab.wait_service("web", running=6)
    assert on(snap, "web").get("worker2") == 2
    lab.node("worker2").kill()
    assert lab.node("worker2").fault == "killed"
    snap = lab.wait(lambda s: s.node("worker2").state == "down", timeout=30, what="worker2 Down")
    assert snap.node("worker2").fault == "killed"
    snap = lab.wait(lambda s: len(s.running("web")) == 6 and "worker2" not in on(s, "web"), timeout=60,
                    what="6 replicas running without worker2")
    assert sum(on(snap, "web").values()) == 6
    with pytest.raises(labkit.LabkitError, match="killed"):
        lab.node("worker2").sh("true")


def test_a_stopped_node_restarts_and_rejoins(lab):
    lab.node("worker1").stop()
    assert lab.node("worker1").fault == "stopped"
    lab.wait(lambda s: s.node("worker1").state == "down", timeout=30, what="worker1 Down")
    lab.node("worker1").start()
    snap = lab.wait(lambda s: s.node("worker1").state == "ready", timeout=60, what="worker1 Ready again")
    assert snap.node("worker1").fault is None
    assert "Swarm: active" in lab.node("worker1").sh("docker info").stdout


def test_a_partitioned_node_goes_down_and_comes_back(lab):
    ip = lab.node("worker2").ip
    lab.node("worker2").disconnect()
    assert lab.node("worker2").fault == "disconnected"
    snap = lab.wait(lambda s: s.node("worker2").state == "down", timeout=30, what="worker2 Down")
    assert snap.node("worker2").fault == "disconnected"
    lab.node("worker2").reconnect()
    lab.wait(lambda s: s.node("worker2").state == "ready", timeout=60, what="worker2 Ready again")
    assert lab.node("worker2").sh("hostname -i").stdout.split()[0] == ip


def test_a_paused_node_is_marked_and_resumes(lab):
    lab.node("worker1").pause()
    assert lab.node("worker1").fault == "paused"
    assert lab.snapshot().node("worker1").fault == "paused"
    lab.node("worker1").unpause()
    assert lab.node("worker1").fault is None
    lab.wait(lambda s: s.node("worker1").state == "ready", timeout=60, what="worker1 Ready")
