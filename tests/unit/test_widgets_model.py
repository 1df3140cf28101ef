"""The board's view model built from snapshots (labkit/widgets/_model.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from labkit.swarm.state import SwarmSnapshot
from labkit.widgets._model import ColorBook, MarkTracker, board_model, status_model

from .widgets_support import (
    big_snapshot,
    load_recorded,
    raw_service,
    raw_task,
    recorded_payloads,
    snapshot,
    three_nodes,
    web_snapshot,
    web_tasks,
)


def by_label(model):
    return {t["label"]: t for t in model["tasks"]}


def test_nodes_columns_carry_everything_the_header_shows():
    model = board_model(web_snapshot())
    assert [n["hostname"] for n in model["nodes"]] == ["manager1", "worker1", "worker2"]
    m1 = model["nodes"][0]
    assert (m1["role"], m1["leader"], m1["availability"], m1["state"], m1["fault"], m1["down"]) == (
        "manager",
        True,
        "active",
        "ready",
        "",
        False,
    )
    json.dumps(model)  # it crosses the comm as JSON


def test_killed_node_is_down_before_the_swarm_notices_and_its_tasks_are_stranded():
    model = board_model(web_snapshot(faults={"worker2": "killed"}))
    w2 = model["nodes"][2]
    assert w2["state"] == "ready" and w2["fault"] == "killed" and w2["down"] is True
    cards = by_label(model)
    assert cards["web.3"]["stranded"] is True and cards["web.1"]["stranded"] is False
    paused = board_model(web_snapshot(faults={"worker2": "paused"}))
    assert paused["nodes"][2]["down"] is False  # paused: the swarm decides when it is down


def test_task_cards():
    cards = by_label(board_model(web_snapshot()))
    assert cards["web.2"]["node"] == "worker1" and cards["web.2"]["state"] == "running"
    assert cards["web.2"]["current"] is True and cards["web.2"]["mark"] == ""
    assert len({c["color"] for c in cards.values()}) == 1  # one colour per service


def test_history_tasks_are_sent_but_not_current():
    tasks = web_tasks() + [raw_task("old", "s1", 2, "n3", state="failed", desired="shutdown", err="boom")]
    model = board_model(snapshot(three_nodes(), [raw_service("s1", "web")], tasks))
    old = [t for t in model["tasks"] if t["id"] == "old"][0]
    assert old["current"] is False and old["detail"] == "boom"


def test_unassigned_tasks_have_no_node():
    tasks = web_tasks() + [raw_task("p", "s1", 4, None, state="pending")]
    model = board_model(snapshot(three_nodes(), [raw_service("s1", "web", replicas=4)], tasks))
    assert by_label(model)["web.4"]["node"] == ""


def test_service_summary_lines():
    svcs = [
        raw_service("s1", "web", replicas=4, ports=((8080, 80, "host"),), update_state="updating"),
        raw_service("g", "agent", replicas=None, ports=()),
    ]
    tasks = web_tasks(web2="preparing") + [raw_task(f"g{i}", "g", None, f"n{i}") for i in (1, 2, 3)]
    model = board_model(snapshot(three_nodes(), svcs, tasks))
    agent, web = model["services"]
    assert (web["mode"], web["running"], web["desired"], web["scalable"]) == ("replicated", 2, 4, True)
    assert web["ports"] == ["8080:80/tcp,mode=host"] and web["host_ports"] == [8080] and web["update"] == "updating"
    assert (agent["mode"], agent["running"], agent["desired"], agent["scalable"]) == ("global", 3, 3, False)
    assert by_label(model)["agent@worker1"]["slot"] is None


def test_colours_stay_with_a_service_when_others_appear():
    book = ColorBook()
    assert book.color("web") == 0 and book.color("db") == 1
    assert book.color("api") == 2 and book.color("web") == 0
    many = ColorBook()
    assert [many.color(f"s{i}") for i in range(14)][-2:] == [0, 1]  # wraps around the 12-colour palette


def test_marks_arriving_and_leaving_then_expiring():
    marks = MarkTracker(hold=4)
    first = web_snapshot(1)
    marks.update(first, now=1)
    assert all(t["mark"] == "" for t in board_model(first, marks)["tasks"])  # no marks on the first paint
    # web.3 leaves worker2 (shut down) and a new web.3 arrives on worker1.
    tasks = [
        raw_task("t1", "s1", 1, "n1"),
        raw_task("t2", "s1", 2, "n2"),
        raw_task("t3", "s1", 3, "n3", state="shutdown", desired="shutdown"),
        raw_task("t9", "s1", 3, "n2", state="assigned"),
    ]
    second = snapshot(three_nodes(), [raw_service("s1", "web")], tasks, t=2)
    marks.update(second, now=2)
    cards = {t["id"]: t for t in board_model(second, marks)["tasks"]}
    assert cards["t3"]["mark"] == "leaving" and cards["t9"]["mark"] == "arriving" and cards["t1"]["mark"] == ""
    marks.expire(now=5.9)
    assert marks.mark("t9") == "arriving"
    marks.expire(now=6.1)
    assert marks.mark("t9") == "" and marks.mark("t3") == ""


def test_a_vanished_task_stays_as_a_ghost_for_a_moment():
    marks = MarkTracker(hold=4)
    marks.update(web_snapshot(1), now=1)
    gone = snapshot(three_nodes(), [raw_service("s1", "web", replicas=2)], web_tasks()[:2], t=2)
    marks.update(gone, now=2)
    ghost = [t for t in board_model(gone, marks)["tasks"] if t["id"] == "t3"]
    assert ghost and ghost[0]["mark"] == "leaving" and ghost[0]["current"] is False and ghost[0]["node"] == "worker2"
    marks.update(dataclasses.replace(gone, taken_at=7), now=7)
    assert not [t for t in board_model(gone, marks)["tasks"] if t["id"] == "t3"]


def test_status_model_good_stale_and_no_quorum():
    good = web_snapshot(1_000)
    ok = status_model(good, good)
    assert ok["manager"] == "manager1" and ok["error"] == "" and ok["quorum"] is True and not ok["stale"]
    lost = SwarmSnapshot(lab="t", taken_at=1_005, manager=None, error="no quorum: x", quorum=False)
    st = status_model(lost, good)
    assert st["quorum"] is False and st["stale"] is True and st["error"] == "no quorum: x" and st["stale_since"]
    assert status_model(None, None)["error"].startswith("waiting")
    assert status_model(lost, good, stopped="lab stopped")["stopped"] == "lab stopped"


def test_status_does_not_carry_the_swarm_so_the_big_trait_changes_only_with_the_swarm():
    a, b = board_model(web_snapshot(1)), board_model(web_snapshot(2))
    assert a == b  # the taken_at change alone must not resend 100 task cards


def test_ten_nodes_hundred_tasks_stays_small():
    model = board_model(big_snapshot(10, 100))
    assert len(model["nodes"]) == 10 and len(model["tasks"]) == 100
    assert len(json.dumps(model)) < 60_000  # one comm message per change, well under a websocket frame limit


@pytest.mark.parametrize("path", recorded_payloads(), ids=lambda p: p.stem)
def test_recorded_payloads_build_a_model(path):
    snap = load_recorded(path)
    model = board_model(snap)
    assert len(model["nodes"]) == len(snap.nodes) and len(model["tasks"]) == len(snap.tasks)
    hosts = {n["hostname"] for n in model["nodes"]}
    assert all(t["node"] in hosts or t["node"] == "" for t in model["tasks"])
    json.dumps(model)


def test_a_task_left_on_a_dead_node_leaves_the_board():
    # Recorded on a real lab: after worker2 is Down its old task keeps state "running" (the node cannot
    # report) while the orchestrator already wants it shut down and has started a replacement.
    marks = MarkTracker(hold=4)
    first = web_snapshot(1)
    marks.update(first, 1)
    tasks = web_tasks()[:2] + [
        raw_task("t3", "s1", 3, "n3", state="running", desired="shutdown"),
        raw_task("t9", "s1", 3, "n1", state="ready", desired="ready"),
    ]
    down = snapshot(
        three_nodes(worker2={"state": "down"}), [raw_service("s1", "web")], tasks, t=2, faults={"worker2": "killed"}
    )
    marks.update(down, 2)
    cards = {t["id"]: t for t in board_model(down, marks)["tasks"]}
    assert cards["t3"]["current"] is False and cards["t3"]["mark"] == "leaving"
    assert cards["t9"]["current"] is True and cards["t9"]["mark"] == "arriving"
    assert board_model(down)["services"][0]["running"] == 2
