"""The widgets' Python side on a real swarm: the watcher follows a kill, the board's controls act.

No browser and no kernel here (traits update all the same); the browser side is tests/e2e.
"""

from __future__ import annotations

import time

import pytest

from labkit.widgets import board, timeline, traffic, watcher_for

from ..support import wait_until

pytestmark = pytest.mark.integration


def nodes(b):
    return {n["hostname"]: n for n in b.swarm["nodes"]}


def running(b, service):
    return [t for t in b.swarm["tasks"] if t["service"] == service and t["current"] and t["state"] == "running"]


def test_kill_shows_down_and_tasks_move_then_controls_repair(fresh_lab):
    lab = fresh_lab
    lab.manager.sh("docker service create --detach --no-resolve-image --name web --replicas 3 labkit/whoami:latest")
    lab.wait_service("web", 3, timeout=120)
    b, tl = board(lab), timeline(lab)
    w = watcher_for(lab)
    try:
        wait_until(lambda: len(running(b, "web")) == 3, 10, "the board to show 3 running web tasks")
        assert w.alive and w.interval <= 1.0

        t0 = time.monotonic()
        lab.node("worker2").kill()
        wait_until(lambda: nodes(b)["worker2"]["fault"] == "killed", 5, "the board to show worker2 killed")
        assert nodes(b)["worker2"]["down"]
        # Heartbeat 2 s (the lab default): Down within ~3x the period, plus one watcher tick.
        wait_until(lambda: nodes(b)["worker2"]["state"] == "down", 30, "the swarm to declare worker2 down")
        t_down = time.monotonic() - t0
        wait_until(
            lambda: len(running(b, "web")) == 3 and all(t["node"] != "worker2" for t in running(b, "web")),
            60,
            "web's tasks rescheduled off worker2",
        )
        t_moved = time.monotonic() - t0
        print(f"worker2 Down on the board after {t_down:.1f} s, tasks moved after {t_moved:.1f} s")
        assert "worker2 is down" in tl.text(kinds=["node"])
        assert any(e["kind"] == "task" and "worker2" in e["text"] and "shutdown" in e["text"] for e in tl.events)

        # Repair from the board: start the node, then drain and re-activate worker1.
        b.act("start", "worker2")
        assert b.wait(90) and b.log[-1]["status"] == "ok", b.log[-1]
        wait_until(
            lambda: nodes(b)["worker2"]["state"] == "ready" and not nodes(b)["worker2"]["fault"],
            60,
            "worker2 ready again",
        )
        b.act("drain", "worker1")
        assert b.wait(30) and b.log[-1]["status"] == "ok", b.log[-1]
        assert lab.snapshot().node("worker1").availability == "drain"  # the real swarm changed
        wait_until(
            lambda: all(t["node"] != "worker1" for t in running(b, "web")) and len(running(b, "web")) == 3,
            60,
            "web's tasks moved off the drained worker1",
        )
        b.act("scale", "web", 5)
        assert b.wait(30) and b.log[-1]["command"] == "docker service scale --detach web=5"
        wait_until(lambda: len(running(b, "web")) == 5, 60, "5 running web tasks after scaling from the board")
        b.act("demote", "manager1")  # the only manager: the swarm refuses, the board says why
        assert b.wait(30) and b.log[-1]["status"] == "error" and b.log[-1]["output"]
    finally:
        b.close()
        tl.close()
    assert not w.alive  # the last widget closed: the watcher stopped


def test_traffic_to_a_host_mode_port(fresh_lab):
    lab = fresh_lab
    lab.manager.sh(
        "docker service create --detach --no-resolve-image --name hello --mode global "
        "--publish mode=host,published=8080,target=80 labkit/whoami:latest"
    )
    lab.wait_service("hello", 3, timeout=120)
    p = traffic(lab, "hello", 8080, count=9)
    assert p.mode == "host" and p.error == ""
    if not lab.capabilities.routing_mesh:
        assert "No routing mesh" in p.notice and "mode=host" in p.notice
    r = p.send()
    assert r["ok"] == 9 and r["failed"] == 0
    assert sorted(b["label"] for b in r["bars"]) == ["hello@manager1", "hello@worker1", "hello@worker2"]


def test_watcher_stops_when_the_lab_stops(fresh_lab):
    lab = fresh_lab
    b = board(lab)
    w = watcher_for(lab)
    assert w.alive
    lab.stop()
    wait_until(lambda: not w.alive, 15, "the watcher to stop")
    assert w.stopped_reason == "lab stopped" and b.status["stopped"] == "lab stopped"
    assert w.events[-1]["kind"] == "lab"
    b.close()


@pytest.mark.shape(3, 0)
def test_board_survives_losing_the_leader_then_shows_no_quorum(fresh_lab):
    lab = fresh_lab
    b = board(lab)
    try:
        assert nodes(b)["manager1"]["leader"]
        lab.node("manager1").kill()
        # The watcher reads another manager: the board keeps moving and shows the new leader (Raft needs
        # ~10 s to notice the lost leader and elect another; requests may time out meanwhile).
        wait_until(
            lambda: b.status["manager"] in ("manager2", "manager3") and not b.status["error"],
            60,
            "the board to read from another manager",
        )
        wait_until(lambda: any(n["leader"] for h, n in nodes(b).items() if h != "manager1"), 60, "a new leader")
        lab.node("manager2").kill()
        # 1 of 3 managers: no quorum. The board says so, keeps the last state, and its clock keeps ticking.
        wait_until(lambda: b.status["error"] and b.status["quorum"] is False, 60, "the board to say 'no quorum'")
        assert b.status["stale"] and len(b.swarm["nodes"]) == 3
        first = b.status["time"]
        wait_until(lambda: b.status["time"] != first, 5, "the board's clock to keep ticking (not frozen)")
        lab.node("manager1").start()
        wait_until(lambda: not b.status["error"], 90, "quorum back with 2 of 3 managers")
    finally:
        b.close()
