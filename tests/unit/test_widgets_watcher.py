"""The shared per-lab watcher (labkit/widgets/_watcher.py), with a stub lab: no Docker."""

from __future__ import annotations

import pytest

from labkit.base.errors import LabNotRunning
from labkit.swarm.state import SwarmSnapshot
from labkit.widgets._watcher import Watcher, watcher_for

from ..support import wait_until
from .widgets_support import FakeClock, StubLab, web_snapshot


def lost(t):
    return SwarmSnapshot(lab="t", taken_at=t, manager=None, error="no quorum: the swarm has no leader", quorum=False)


def test_one_watcher_per_lab():
    a, b = StubLab([web_snapshot()]), StubLab([web_snapshot()])
    assert watcher_for(a) is watcher_for(a)
    assert watcher_for(a) is not watcher_for(b)


def test_tick_diffs_and_keeps_history():
    killed = web_snapshot(2, faults={"worker2": "killed"})
    w = Watcher(StubLab([web_snapshot(1), killed]))
    _, first = w.tick()
    assert [e["kind"] for e in first] == ["lab"] and "3 node(s)" in first[0]["text"]
    snap, events = w.tick()
    assert snap is killed and w.last_good is killed
    assert [e["subject"] for e in events] == ["worker2"]
    assert list(w.events) == first + events


def test_no_quorum_keeps_the_last_good_snapshot_and_says_it_once():
    w = Watcher(StubLab([web_snapshot(1), lost(2), lost(2.5), lost(3), web_snapshot(4)]))
    w.RETRY_DELAY = 0
    w.tick()
    good = w.last_good
    _, ev = w.tick()
    assert ev[0]["kind"] == "quorum" and w.last_good is good and w.latest.error
    assert w.tick()[1] == []
    assert w.tick()[1][0]["level"] == "ok"


def test_one_slow_answer_is_retried_before_the_board_turns_red():
    lab = StubLab([web_snapshot(1), lost(2), web_snapshot(3)])
    clock = FakeClock()
    w = Watcher(lab, clock=clock, sleep=clock.sleep)
    w.tick()
    snap, events = w.tick()
    assert snap.error is None and events == [] and lab.snapshot_calls == 3
    assert clock() == 1_000.0 + w.RETRY_DELAY, "it paused RETRY_DELAY before asking again"


def test_a_raising_snapshot_becomes_an_error_snapshot(capfd):
    w = Watcher(StubLab([web_snapshot(1), RuntimeError("engine went away\ntraceback details")]))
    w.RETRY_DELAY = 0
    w.tick()
    snap, events = w.tick()
    assert snap.error == "engine went away" and not snap.quorum
    assert events[0]["kind"] == "quorum" and "RuntimeError" in w.errors[-1]
    assert capfd.readouterr() == ("", "")


def test_a_broken_subscriber_does_not_stop_the_others():
    w = Watcher(StubLab([web_snapshot(1)]))
    got = []
    w.subscribe(lambda s, e: 1 / 0, start=False)
    w.subscribe(lambda s, e: got.append(s), start=False)
    w.tick()
    assert got and "ZeroDivisionError" in w.errors[-1]


def test_record_notifies_without_a_snapshot():
    w = Watcher(StubLab([web_snapshot(1)]))
    got = []
    w.subscribe(lambda s, e: got.append((s, e)), start=False)
    ev = w.record("✓ docker node update --availability drain worker1", subject="worker1")
    assert got == [(None, [ev])] and ev["kind"] == "action" and w.events[-1] is ev


def test_thread_ticks_at_least_once_per_interval_and_stops_with_its_last_widget(capfd):
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=0.05)
    seen = []

    def cb(s, e):
        seen.append(s)

    w.subscribe(cb)
    assert w.alive
    wait_until(lambda: len(seen) >= 5, 3, "five ticks")
    w.unsubscribe(cb)
    assert not w.alive and w.stopped_reason == "no widget left"  # joined: no thread is left to take a snapshot
    assert capfd.readouterr() == ("", "")  # the thread never prints


def test_the_next_look_is_due_an_interval_after_the_last_one_started():
    clock = FakeClock()
    w = Watcher(StubLab([web_snapshot(1)]), interval=5.0, clock=clock)
    started = clock()
    clock.advance(1.5)  # the snapshot took 1.5 s
    assert w._next_wait(started) == pytest.approx(3.5)
    clock.advance(10)  # far slower than the interval: look again at once (after a breath)
    assert w._next_wait(started) == pytest.approx(0.02)


def test_poke_takes_a_snapshot_now():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=30)
    w.subscribe(lambda s, e: None)
    wait_until(lambda: w.ticks >= 1, 3, "the first tick")  # done: the thread waits out its 30 s interval
    before = lab.snapshot_calls
    w.poke()
    wait_until(lambda: lab.snapshot_calls > before, 3, "a snapshot right after poke()")
    w.stop()


def test_stops_when_the_lab_stops_and_tells_the_widgets():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=0.05)
    got = []
    w.subscribe(lambda s, e: got.append((s, e)))
    wait_until(lambda: len(got) >= 2, 3, "two ticks")
    lab.running = False
    lab._snapshots = [LabNotRunning("lab t has been stopped")]
    wait_until(lambda: not w.alive, 3, "the watcher to stop")
    assert w.stopped_reason == "lab stopped"
    last_snap, last_events = got[-1]
    assert last_snap.error and last_events[0]["kind"] == "lab"


def test_survives_a_manager_going_down_and_coming_back():
    lab = StubLab([web_snapshot(1), lost(2), lost(2.5), lost(3), web_snapshot(4)])
    w = Watcher(lab, interval=0.02)
    w.RETRY_DELAY = 0
    got = []
    w.subscribe(lambda s, e: got.append(s))
    wait_until(lambda: w.ticks >= 6, 3, "six ticks")
    w.stop()
    errors = [s for s in got if s is not None and s.error]
    assert len(errors) == 2 and got[-1].error is None  # kept ticking through the outage


def test_a_new_widget_right_after_the_last_one_closed_restarts_the_watcher():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=0.05)
    first, second = (lambda s, e: None), []
    w.subscribe(first)
    w._subscribers.remove(first)
    w.stop(join=False, reason="no widget left")  # as unsubscribe does from another thread
    w.subscribe(lambda s, e: second.append(s))
    wait_until(lambda: len(second) >= 3, 3, "three ticks for the new widget")
    assert w.alive
    w.stop()


def test_an_engine_event_asks_for_a_look_now_and_a_follow_up_but_an_exec_event_does_not():
    clock = FakeClock()
    w = Watcher(StubLab([web_snapshot(1)]), interval=5.0, clock=clock)
    assert not w._wake.is_set() and w._next_wait(clock()) == 5.0, "without an event: the whole interval"
    w._on_engine_event("worker1", {"Type": "container", "Action": "die"})
    assert w._wake.is_set() and w.engine_events == 1, "a look now"
    w._wake.clear()  # as the thread does when it wakes
    assert w._next_wait(clock()) == pytest.approx(w.FOLLOW_UP), "and a follow-up shortly after"
    clock.advance(w.FOLLOW_UP)
    assert w._next_wait(clock()) == 0.0 and w._next_wait(clock()) == 5.0, "the follow-up is due once, then the interval"
    w._on_engine_event("host", {"Type": "container", "Action": "exec_start: sh -c curl"})
    assert not w._wake.is_set() and w.engine_events == 1 and w._next_wait(clock()) == 5.0, (
        "exec events (the watcher's own snapshots) never trigger a look"
    )


def test_the_thread_looks_when_an_engine_event_arrives():
    lab = StubLab([web_snapshot(t) for t in range(1, 40)])
    w = Watcher(lab, interval=3600)  # only events can explain a second tick
    w.subscribe(lambda s, e: None)
    wait_until(lambda: w.ticks >= 1, 3, "the first tick")
    ticks = w.ticks
    lab.engine_event("worker1", {"Type": "container", "Action": "die"})
    wait_until(lambda: w.ticks >= ticks + 2, 3, "a look at once and the follow-up")
    w.stop()
