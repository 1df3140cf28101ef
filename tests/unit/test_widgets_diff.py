"""Snapshot diffing -> timeline events (labkit/widgets/_diff.py)."""

from __future__ import annotations

import dataclasses

from labkit.swarm.state import SwarmSnapshot
from labkit.widgets._diff import diff_snapshots, make_event, quorum_events

from .widgets_support import raw_node, raw_service, raw_task, snapshot, three_nodes, web_snapshot, web_tasks


def texts(events):
    return [e["text"] for e in events]


def test_first_snapshot_has_nothing_to_compare():
    assert diff_snapshots(None, web_snapshot()) == []


def test_identical_snapshots_give_no_events():
    assert diff_snapshots(web_snapshot(1), web_snapshot(2)) == []


def test_event_shape_is_json_ready():
    e = make_event(1_000.5, "node", "x", "warn", "worker1")
    assert set(e) == {"t", "time", "kind", "level", "subject", "text"}
    assert len(e["time"]) == 8 and e["time"].count(":") == 2


def test_killed_worker_then_down():
    before = web_snapshot(1)
    killed = web_snapshot(2, faults={"worker2": "killed"})
    [ev] = diff_snapshots(before, killed)
    assert ev["kind"] == "node" and ev["level"] == "warn" and "worker2" in ev["text"] and "killed" in ev["text"]
    down = snapshot(
        three_nodes(worker2={"state": "down", "message": "heartbeat failure"}),
        [raw_service("s1", "web")],
        web_tasks(),
        t=3,
        faults={"worker2": "killed"},
    )
    [ev] = diff_snapshots(killed, down)
    assert ev["level"] == "error"
    assert ev["text"] == "worker2 is down (heartbeat failure) (was ready)"


def test_availability_role_and_reachability():
    before = web_snapshot(1)
    after = snapshot(
        three_nodes(worker1={"availability": "drain"}, manager1={"reachability": "unreachable"}),
        [raw_service("s1", "web")],
        web_tasks(),
        t=2,
    )
    got = texts(diff_snapshots(before, after))
    assert "worker1 availability active → drain" in got
    assert "manager manager1 is unreachable" in got
    promoted = snapshot(three_nodes(worker2={"role": "manager"}), [raw_service("s1", "web")], web_tasks(), t=3)
    assert "worker2 promoted to manager" in texts(diff_snapshots(before, promoted))


def test_leader_change_and_loss():
    nodes = three_nodes(worker1={"role": "manager"})
    before = snapshot(nodes, [], [], t=1)
    nodes2 = three_nodes(manager1={"leader": False}, worker1={"role": "manager", "leader": True})
    after = snapshot(nodes2, [], [], t=2)
    leader = [e for e in diff_snapshots(before, after) if e["kind"] == "leader"]
    assert texts(leader) == ["worker1 is the leader (was manager1)"]
    none = snapshot(three_nodes(manager1={"leader": False}), [], [], t=3)
    assert any("no leader (was manager1)" in t for t in texts(diff_snapshots(before, none)))


def test_nodes_joining_and_leaving():
    before = web_snapshot(1)
    more = snapshot(three_nodes() + [raw_node("n4", "worker3")], [raw_service("s1", "web")], web_tasks(), t=2)
    assert texts(diff_snapshots(before, more)) == ["worker3 joined the swarm as a worker"]
    assert texts(diff_snapshots(more, before)) == ["worker3 left the swarm (node removed)"]


def test_service_created_scaled_updated_removed():
    empty = snapshot(three_nodes(), [], [], t=1)
    created = snapshot(three_nodes(), [raw_service("s1", "web", replicas=3)], [], t=2)
    assert texts(diff_snapshots(empty, created)) == ["service web created (3 replica(s), labkit/whoami:latest)"]
    scaled = snapshot(three_nodes(), [raw_service("s1", "web", replicas=5, update_state="updating")], [], t=3)
    got = texts(diff_snapshots(created, scaled))
    assert "web scaled 3 → 5" in got and "web update updating: update updating" in got
    rolled = snapshot(three_nodes(), [raw_service("s1", "web", replicas=5, update_state="rollback_started")], [], t=4)
    assert diff_snapshots(scaled, rolled)[0]["level"] == "error"
    assert texts(diff_snapshots(scaled, empty)) == ["service web removed"]


def test_task_transitions_and_rescheduling():
    before = web_snapshot(1)
    # worker2 (n3) is down: its task web.3 is shut down and a replacement is placed on worker1 (n2).
    tasks = [
        raw_task("t1", "s1", 1, "n1"),
        raw_task("t2", "s1", 2, "n2"),
        raw_task("t3", "s1", 3, "n3", state="shutdown", desired="shutdown"),
        raw_task("t9", "s1", 3, "n2", state="preparing"),
    ]
    after = snapshot(three_nodes(), [raw_service("s1", "web")], tasks, t=2)
    got = texts(e for e in diff_snapshots(before, after) if e["kind"] == "task")
    assert set(got) == {"web.3 on worker2: running → shutdown (desired shutdown)", "web.3 new on worker1: preparing"}
    later = snapshot(three_nodes(), [raw_service("s1", "web")], tasks[:3] + [raw_task("t9", "s1", 3, "n2")], t=3)
    [ev] = diff_snapshots(after, later)
    assert ev["text"] == "web.3 on worker1: preparing → running" and ev["level"] == "ok"


def test_failed_task_reports_error_and_history_is_not_news():
    before = web_snapshot(1)
    tasks = web_tasks(web3="failed")
    tasks[2]["Status"]["Err"] = "starting container failed: no such image"
    tasks.append(raw_task("old", "s1", 1, "n1", state="shutdown", desired="shutdown"))
    after = snapshot(three_nodes(), [raw_service("s1", "web")], tasks, t=2)
    [ev] = diff_snapshots(before, after)
    assert ev["level"] == "error" and ev["text"].endswith("no such image")


def test_global_task_label_names_the_node():
    snap = snapshot(three_nodes(), [raw_service("g", "agent", replicas=None)], [raw_task("a", "g", None, "n2")])
    assert snap.tasks[0].label == "agent@worker1"
    assert web_snapshot().tasks[0].label == "web.1"


def test_quorum_lost_regained_and_manager_switch():
    good = web_snapshot(1)
    lost = SwarmSnapshot(lab="t", taken_at=2, manager=None, error="no quorum: no leader", quorum=False)
    [ev] = quorum_events(good, lost)
    assert ev["level"] == "error" and ev["text"].startswith("no quorum")
    assert quorum_events(lost, dataclasses.replace(lost, taken_at=3)) == []  # said once, not every second
    [back] = quorum_events(lost, web_snapshot(4))
    assert back["level"] == "ok" and "manager1" in back["text"]
    other = dataclasses.replace(web_snapshot(5), manager="worker1")
    [switch] = quorum_events(good, other)
    assert "now reading the swarm from worker1" in switch["text"]
    unanswered = dataclasses.replace(lost, quorum=True, error="no manager answered: boom")
    assert quorum_events(None, unanswered)[0]["text"].startswith("no manager answered")
    assert diff_snapshots(good, lost) == []
