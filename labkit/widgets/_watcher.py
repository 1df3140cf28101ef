"""One background watcher per lab: snapshots the swarm and feeds every widget.

Rules learned the hard way (see shared/reference/jupyter.md §2): the thread
only assigns traits (through subscriber callbacks); it never prints or
displays, because since ipykernel 7.1 thread output lands in whatever cell
runs last. Errors are kept in `errors`, never raised out of the thread.

What the thread asks the lab (a snapshot, whether it runs) is in _lab_link.py.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

from ..swarm.state import SwarmSnapshot
from ._diff import diff_snapshots, make_event, quorum_events
from ._lab_link import error_snapshot, hold, is_running, snapshot_of
from ._protocol import Follower, LabView

__all__ = ["Watcher", "watcher_for"]

Callback = Callable[[SwarmSnapshot | None, list], None]

_REGISTRY: dict[int, Watcher] = {}
_REGISTRY_LOCK = threading.Lock()


def watcher_for(lab: LabView, interval: float = 1.0) -> Watcher:
    """The shared watcher of a lab, created on first use (not started until a widget subscribes)."""
    with _REGISTRY_LOCK:
        w = _REGISTRY.get(id(lab))
        if w is None or w.lab is not lab:  # id() can be reused once a lab is garbage
            w = Watcher(lab, interval=interval)
            _REGISTRY[id(lab)] = w
        return w


def _first_event(snap: SwarmSnapshot) -> dict:
    running = sum(1 for t in snap.tasks if t.state == "running" and t.desired_state == "running")
    text = (
        f"watching lab {snap.lab}: {len(snap.nodes)} node(s), {len(snap.services)} service(s), "
        f"{running} running task(s); leader {snap.leader.hostname if snap.leader else 'unknown'}"
    )
    return make_event(snap.taken_at, "lab", text, "info", snap.lab)


class Watcher:
    """Takes a snapshot at least every `interval` seconds and notifies subscribers.

    Subscribers are callables `callback(snapshot, events)`; `snapshot` is None
    when only events arrived (an action recorded by a widget).
    """

    RETRY_DELAY = 0.3  # seconds before asking again when a good swarm suddenly fails to answer
    SLOW = 2.0  # a snapshot taking longer than this is reported to widgets while it is pending
    FOLLOW_UP = 0.25  # after an engine event, look again this much later: the manager learns a task's state late

    def __init__(
        self,
        lab: LabView,
        interval: float = 1.0,
        history: int = 500,
        follow_events: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._lab = hold(lab)
        self.clock, self._sleep = clock, sleep  # every duration is read from clock(): unit tests pass a fake one
        self.lab_name = str(lab.name)
        self.interval = interval
        self.latest: SwarmSnapshot | None = None  # the last snapshot, good or not
        self.last_good: SwarmSnapshot | None = None  # the last snapshot a manager answered
        self.events: collections.deque = collections.deque(maxlen=history)
        self.errors: collections.deque = collections.deque(maxlen=20)  # subscriber/snapshot failures
        self.ticks = 0
        self._last_tick = float("-inf")  # clock() of the last snapshot
        self.waiting_since: float | None = None  # clock() when the pending snapshot started
        self.stopped_reason: str | None = None
        self._subscribers: list[Callback] = []
        self._widgets: dict[tuple, Any] = {}  # see shared()
        self._lock = threading.RLock()  # guards the subscriber list and thread start
        self._tick_lock = threading.Lock()  # one snapshot at a time (thread or a widget's first paint)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._follower: Follower | None = None  # the lab's engine-event follower while the thread runs
        self.follows_events = follow_events  # False: polling only
        self._follow_up: float | None = None  # clock() of a look due after an event
        self.engine_events = 0  # how many engine events arrived (a benchmark reads it)

    @property
    def lab(self) -> LabView | None:
        """The watched lab, or None once it was garbage-collected."""
        return self._lab()

    @property
    def alive(self) -> bool:
        """True while the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    # -- subscribers -----------------------------------------------------
    def subscribe(self, callback: Callback, start: bool = True) -> None:
        """Add a subscriber and (re)start the thread."""
        with self._lock:
            if callback not in self._subscribers:
                self._subscribers.append(callback)
        if start:
            self.start()

    def unsubscribe(self, callback: Callback) -> None:
        """Remove a subscriber; the thread stops when the last one leaves."""
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
            empty = not self._subscribers
        if empty:
            self.stop(join=threading.current_thread() is not self._thread, reason="no widget left")

    def _notify(self, snapshot: SwarmSnapshot | None, events: list) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for cb in subscribers:
            try:
                cb(snapshot, events)
            except Exception as exc:  # a broken widget must not kill the others or print
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def shared(self, key: tuple, factory: Callable[[], Any]) -> Any:
        """The open widget made for `key` on this lab, else a new one from factory().

        Re-running `lab.board()` in a cell then shows the same widget again
        instead of leaving the old one subscribed, sending updates nobody sees.
        """
        with self._lock:
            widget = self._widgets.get(key)
            if widget is None or widget.comm is None:  # never made, or closed
                widget = self._widgets[key] = factory()
            return widget

    # -- events from widgets ---------------------------------------------
    def record(self, text: str, kind: str = "action", level: str = "info", subject: str = "") -> dict:
        """Add an event that no snapshot can show (e.g. an action a widget ran) and notify."""
        event = make_event(time.time(), kind, text, level, subject)
        self.events.append(event)
        self._notify(None, [event])
        return event

    def poke(self) -> None:
        """Take the next snapshot now rather than at the end of the interval."""
        self._wake.set()

    # -- snapshots -------------------------------------------------------
    def tick(self) -> tuple[SwarmSnapshot, list]:
        """Take one snapshot, diff it against the previous ones and notify subscribers."""
        with self._tick_lock:
            snap = self._take()
            events = quorum_events(self.latest, snap)
            if snap.error is None:
                events += diff_snapshots(self.last_good, snap) if self.last_good else [_first_event(snap)]
                self.last_good = snap
            self.latest = snap
            self.ticks += 1
            self._last_tick = self.clock()
            self.events.extend(events)
            self._notify(snap, events)
            return snap, events

    def _take(self) -> SwarmSnapshot:
        started = self.waiting_since = self.clock()
        try:
            snap = snapshot_of(self.lab, self.lab_name, self.errors)
            quick = self.clock() - started < self.SLOW
            if (
                snap.error is not None
                and quick
                and (self.latest is None or self.latest.error is None)
                and is_running(self.lab)
            ):
                # One failed answer on a loaded machine is not an outage: ask again once before
                # turning the board red, so a learner does not see a false "no manager answered".
                self._sleep(self.RETRY_DELAY)
                snap = snapshot_of(self.lab, self.lab_name, self.errors)
            return snap
        finally:
            self.waiting_since = None

    # -- thread ----------------------------------------------------------
    def start(self) -> None:
        """Start the background thread if it is not running."""
        with self._lock:
            if self.alive and not self._stop.is_set():
                return
            # A fresh stop event per thread: a thread still finishing after stop() exits on its
            # own event and cannot take the new one down with it.
            self._stop = threading.Event()
            self.stopped_reason = None
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), daemon=True, name=f"labkit-watch-{self.lab_name}"
            )
            self._thread.start()
            self._follow_events()

    def _follow_events(self) -> None:
        lab = self.lab
        if lab is None or self._follower is not None or not self.follows_events:
            return
        try:
            self._follower = lab.follow_events(self._on_engine_event)
        except Exception as exc:  # a stopped lab, an engine hiccup: polling alone still works
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _on_engine_event(self, node: str, event: dict) -> None:
        """An engine said something changed: look now, and once more a moment later."""
        if str(event.get("Action") or event.get("status") or "").startswith("exec_"):
            return  # a command run in a container (our own snapshots among them) changes nothing on the board
        self.engine_events += 1
        self._follow_up = self.clock() + self.FOLLOW_UP
        self._wake.set()

    def stop(self, join: bool = True, reason: str = "stopped", timeout: float = 10.0) -> None:
        """Ask the thread to stop (and wait for it unless join=False)."""
        with self._lock:
            self.stopped_reason = reason
            self._stop.set()
            self._wake.set()
            thread = self._thread
            follower, self._follower = self._follower, None
        if follower is not None:
            follower.stop()
        if join and thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def waiting(self) -> float:
        """Seconds the current snapshot has been pending if that is longer than SLOW, else 0."""
        since = self.waiting_since
        waited = self.clock() - since if since is not None else 0.0
        return waited if waited >= self.SLOW else 0.0

    def pulse(self) -> None:
        """Notify the widgets (no snapshot) if the pending one is slow: they show "waiting" instead of freezing."""
        if self.waiting():
            self._notify(None, [])

    def _clock(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):  # e.g. just after quorum is lost each request times out: see pulse()
            self.pulse()

    def _run(self, stop: threading.Event) -> None:
        threading.Thread(target=self._clock, args=(stop,), name=f"labkit-clock-{self.lab_name}", daemon=True).start()
        # A widget may have just taken a snapshot to paint itself: do not take another at once.
        self._wake.wait(max(0.0, self.interval - (self.clock() - self._last_tick)))
        while not stop.is_set():
            self._wake.clear()
            started = self.clock()
            try:
                self.tick()
            except Exception as exc:  # never let the thread die with a traceback on stderr
                self.errors.append(f"{type(exc).__name__}: {exc}")
            if not is_running(self.lab):
                self._lab_stopped(stop)
                return
            if self._follower is not None:
                self._follower.start()  # nodes added since are followed too
            self._wake.wait(self._next_wait(started))

    def _next_wait(self, started: float) -> float:
        """Seconds until the next look: what is left of the poll interval, or a follow-up that is due sooner."""
        now = self.clock()
        wait = self.interval - (now - started)
        if self._follow_up is not None:
            if self._follow_up <= now:
                self._follow_up = None
                return 0.0
            wait = min(wait, self._follow_up - now)
        return max(0.02, wait)

    def _lab_stopped(self, stop: threading.Event) -> None:
        self.stopped_reason = "lab stopped"
        self.latest = error_snapshot(self.lab_name, "the lab is stopped (start a new one to watch it)")
        event = make_event(time.time(), "lab", f"lab {self.lab_name} stopped: the widgets no longer update", "warn")
        self.events.append(event)
        self._notify(self.latest, [event])
        stop.set()
