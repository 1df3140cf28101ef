"""The board widget's traits and controls (labkit/widgets/_board.py, _actions.py), with a stub lab."""

from __future__ import annotations

import pytest

from labkit.base.errors import CommandError
from labkit.swarm.state import SwarmSnapshot
from labkit.widgets import SwarmBoard, board
from labkit.widgets._actions import NODE_ACTIONS, plan_action
from labkit.widgets._watcher import Watcher

from .widgets_support import FakeClock, StubLab, big_snapshot, web_snapshot


def make(snapshots, clock=None, **kw):
    lab = StubLab(snapshots)
    w = Watcher(lab, interval=3600, clock=clock or FakeClock())  # ticks by hand: the test decides when things change
    b = SwarmBoard(lab, watcher=w, **kw)
    return lab, w, b


def test_first_paint_and_stable_repr():
    lab, w, b = make([web_snapshot(1)])
    assert repr(b) == "SwarmBoard(lab='t', nodes=3)"
    assert [n["hostname"] for n in b.swarm["nodes"]] == ["manager1", "worker1", "worker2"]
    assert len(b.swarm["tasks"]) == 3 and b.status["manager"] == "manager1"
    assert b._repr_mimebundle_()[0]["text/plain"] == "SwarmBoard(lab='t', nodes=3)"
    b.close()


def test_swarm_trait_is_only_reassigned_when_the_swarm_changes():
    lab, w, b = make([web_snapshot(1), web_snapshot(2), web_snapshot(3, faults={"worker2": "killed"})])
    changes = []
    b.observe(lambda c: changes.append(c["name"]), names=["swarm", "status"])
    w.tick()  # same swarm, new clock
    assert changes == ["status"]
    w.tick()
    assert "swarm" in changes and b.swarm["nodes"][2]["down"]
    b.close()


def test_no_quorum_shows_the_last_swarm_as_stale():
    lost = SwarmSnapshot(lab="t", taken_at=2, manager=None, error="no quorum: no leader", quorum=False)
    lab, w, b = make([web_snapshot(1), lost])
    w.tick()
    assert b.status["error"].startswith("no quorum") and b.status["stale"] and b.status["quorum"] is False
    assert len(b.swarm["nodes"]) == 3  # not emptied: the learner still sees the last known state
    b.close()


def test_node_actions_run_the_real_operation_and_show_the_command():
    lab, w, b = make([web_snapshot(1)])
    entry = b.act("kill", "worker2")
    assert b.wait(5)
    assert ("kill", "worker2") in lab.calls
    assert entry["command"] == "docker kill t-worker2" and entry["where"] == "host"
    done = b.log[-1]
    assert done["status"] == "ok" and "from outside" in done["note"]
    b.act("drain", "worker2")
    b.wait(5)
    assert ("sh", "manager1", "docker node update --availability drain worker2") in lab.calls
    assert b.log[-1]["command"] == "docker node update --availability drain worker2"
    assert b.log[-1]["where"] == "manager" and b.log[-1]["ran_on"] == "manager1"
    assert "tasks move to other nodes" in b.log[-1]["note"]
    actions = [e for e in w.events if e["kind"] == "action"]
    assert actions[-1]["text"] == "✓ docker node update --availability drain worker2"
    b.close()


@pytest.mark.parametrize("action", NODE_ACTIONS)
def test_every_node_action_has_a_command(action):
    lab = StubLab([web_snapshot(1)])
    a = plan_action(lab, action, "worker1")
    assert a.command.startswith("docker ") and ("worker1" in a.command)
    if action in ("disconnect", "reconnect"):
        assert "t-net" in a.command


def test_service_actions():
    lab, w, b = make([web_snapshot(1)])
    b.act("scale", "web", 5)
    b.act("remove", "web")
    b.wait(5)
    assert [c[2] for c in lab.calls if c[0] == "sh"] == ["docker service scale --detach web=5", "docker service rm web"]
    b.close()


def test_errors_show_in_the_log_never_raise(capfd):
    lab, w, b = make([web_snapshot(1)])
    lab.sh_error = CommandError(
        ["sh", "-c", "docker node demote manager1"],
        1,
        "",
        "Error response from daemon: rpc error: cannot demote the last manager",
        "manager1",
    )
    b.act("demote", "manager1")
    b.wait(5)
    assert b.log[-1]["status"] == "error" and "cannot demote the last manager" in b.log[-1]["output"]
    assert [e for e in w.events if e["level"] == "error"][-1]["text"].endswith("cannot demote the last manager")
    for bad in [
        ("explode", "worker1", None),
        ("kill", "worker9", None),
        ("drain", "w1; rm -rf /", None),
        ("scale", "web", "many"),
        ("scale", "web", 1000),
    ]:
        entry = b.act(*bad)
        assert entry["status"] == "error" and entry["output"]
    assert capfd.readouterr() == ("", "")
    b.close()


def test_browser_messages_dispatch_to_actions():
    lab, w, b = make([web_snapshot(1)])
    b._on_front_msg(b, {"type": "action", "action": "pause", "target": "worker1", "value": None}, [])
    b._on_front_msg(b, "not a dict", [])
    b.wait(5)
    assert ("pause", "worker1") in lab.calls
    b._on_front_msg(b, {"type": "refresh"}, [])  # only pokes the watcher
    b.close()


def test_log_keeps_one_entry_per_action_and_is_bounded():
    lab, w, b = make([web_snapshot(1)])
    for _ in range(40):
        b.act("activate", "worker1")
    b.wait(10)
    ids = [e["id"] for e in b.log]
    assert len(ids) == len(set(ids)) == 30 and all(e["status"] == "ok" for e in b.log)
    b.close()


def test_close_stops_the_watcher_thread():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=0.05)
    b = SwarmBoard(lab, watcher=w)
    assert w.alive
    b.close()
    assert not w.alive


def test_filters_are_synced_traits():
    lab, w, b = make([big_snapshot(10, 100)], history=True, service="svc1", controls=False)
    assert (b.history, b.service_filter, b.controls) == (True, "svc1", False)
    assert len(b.swarm["tasks"]) == 100 and len(b.swarm["nodes"]) == 10
    b.close()


def test_marks_reach_the_trait_and_expire_on_later_ticks():
    from .widgets_support import raw_service, raw_task, snapshot, three_nodes

    moved = snapshot(
        three_nodes(),
        [raw_service("s1", "web")],
        [raw_task("t1", "s1", 1, "n1"), raw_task("t2", "s1", 2, "n2"), raw_task("t9", "s1", 3, "n2")],
        t=2,
    )
    clock = FakeClock()
    lab, w, b = make([web_snapshot(1), moved], clock=clock, hold=4.0)
    w.tick()
    marks = {t["id"]: t["mark"] for t in b.swarm["tasks"]}
    assert marks["t9"] == "arriving" and marks["t3"] == "leaving"
    clock.advance(3.9)
    w.tick()
    assert {t["id"] for t in b.swarm["tasks"]} == {"t1", "t2", "t3", "t9"}, "still held: t3 shows where it was"
    clock.advance(0.1)
    w.tick()
    assert {t["id"] for t in b.swarm["tasks"]} == {"t1", "t2", "t9"}
    assert all(t["mark"] == "" for t in b.swarm["tasks"])
    b.close()


def test_a_slow_manager_shows_waiting_instead_of_freezing():
    clock, seen = FakeClock(), []

    def slow():  # the manager takes 2.6 s to answer; meanwhile the watcher's clock thread pulses
        for _ in range(2):
            clock.advance(1.3)
            w.pulse()
            seen.append(dict(b.status))
        return web_snapshot(2)

    lab = StubLab([web_snapshot(1), slow, web_snapshot(3)])
    w = Watcher(lab, interval=3600, clock=clock)
    b = board(lab, watcher=w)
    w.tick()
    assert [(s["waiting"], s["error"]) for s in seen] == [(0, ""), (3, "")], "quiet until SLOW (2 s), then waiting"
    assert seen[-1]["time"] and b.status["waiting"] == 0 and b.status["error"] == ""  # the answer clears it
    b.close()


def test_asking_again_returns_the_same_open_board():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=3600)
    first = board(lab, watcher=w)
    assert board(lab, watcher=w) is first  # re-running the cell: no second subscriber
    other = board(lab, watcher=w, history=True)
    assert other is not first and len(w._subscribers) == 2
    first.close()
    again = board(lab, watcher=w)
    assert again is not first and again.comm is not None
    other.close()
    again.close()


def test_side_docks_the_board_in_a_sidecar_panel_beside_the_notebook():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=3600, clock=FakeClock())
    docked = board(lab, side=True, watcher=w)
    b = docked.board
    panel = b._panel
    assert type(panel).__name__ == "Sidecar" and panel.title == "Swarm board: t" and panel.anchor == "split-right"
    # The panel holds the very board (its widget view), and the cell gets a line, not a second board.
    (shown,) = panel.outputs
    assert shown["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == b.model_id
    assert not hasattr(docked, "_repr_mimebundle_")
    assert repr(docked) == "SwarmBoard(lab='t', nodes=3) → docked beside the notebook, in the tab 'Swarm board: t'"
    assert docked.act is not None and docked.swarm == b.swarm  # the board's API works through it
    # Re-running the cell: the same board, a fresh panel, the old one closed.
    again = board(lab, side=True, watcher=w)
    assert again.board is b and b._panel is not panel and panel.comm is None
    b.close()
    assert b._panel is None


def test_without_side_the_board_shows_in_the_cell():
    lab = StubLab([web_snapshot(1)])
    b = board(lab, watcher=Watcher(lab, interval=3600, clock=FakeClock()))
    assert isinstance(b, SwarmBoard) and b._panel is None
    b.close()
