"""The event timeline widget (labkit/widgets/_timeline.py)."""

from __future__ import annotations

from labkit.widgets import timeline
from labkit.widgets._timeline import format_events
from labkit.widgets._watcher import Watcher

from .widgets_support import StubLab, web_snapshot


def test_timeline_starts_with_history_and_follows_the_watcher():
    lab = StubLab([web_snapshot(1), web_snapshot(2, faults={"worker2": "killed"})])
    w = Watcher(lab, interval=3600)
    w.tick()
    tl = timeline(lab, watcher=w)
    assert repr(tl) == "Timeline(lab='t')"
    assert [e["kind"] for e in tl.events] == ["lab"]
    w.tick()
    assert tl.events[-1]["subject"] == "worker2"
    w.record("✓ docker kill t-worker2")
    assert tl.events[-1]["kind"] == "action"
    assert "worker2: its container was killed from the host" in tl.text(kinds=["node"])
    assert tl.text(kinds=["task"]) == ""
    tl.close()


def test_limit_and_clear():
    lab = StubLab([web_snapshot(1)])
    w = Watcher(lab, interval=3600)
    w.tick()  # a fresh snapshot: the thread then waits an interval before its own first tick
    tl = timeline(lab, watcher=w, limit=5)
    for i in range(12):
        w.record(f"event {i}")
    assert [e["text"] for e in tl.events] == [f"event {i}" for i in range(7, 12)]
    assert tl.clear().events == [] and len(w.events) >= 12  # the watcher keeps its own history
    tl.close()


def test_format_events():
    ev = [{"time": "10:00:01", "kind": "node", "text": "worker2 is down"}]
    assert format_events(ev) == "10:00:01  node     worker2 is down"
