"""The board's view model: a snapshot turned into what the browser draws.

Pure functions and two small stateful helpers (arrival/departure marks,
service colours), so everything the board shows can be unit-tested from
snapshots without a browser or a swarm.
"""

from __future__ import annotations

import time
from typing import Any

from ..base.i18n import tr
from ..swarm.state import SwarmSnapshot, TaskState

__all__ = ["MarkTracker", "ColorBook", "board_model", "status_model", "PALETTE_SIZE"]

PALETTE_SIZE = 12  # matches --lk-svc-0 .. --lk-svc-11 in board.css
DOWN_FAULTS = ("killed", "stopped", "removed")


class ColorBook:
    """Gives each service a palette slot on first sight and keeps it for the widget's life.

    First-seen order (not a hash) keeps the first 12 services distinct and stops
    colours from jumping when a service whose name sorts earlier appears.
    """

    def __init__(self) -> None:
        self._slots: dict[str, int] = {}

    def color(self, service: str) -> int:
        """The palette slot of a service."""
        if service not in self._slots:
            used = set(self._slots.values())
            free = [i for i in range(PALETTE_SIZE) if i not in used]
            self._slots[service] = free[0] if free else len(self._slots) % PALETTE_SIZE
        return self._slots[service]


class MarkTracker:
    """Remembers which tasks just arrived or left so the board can mark them for `hold` seconds.

    A task "arrives" when it is wanted now but was not in the previous
    snapshot; it "leaves" when it was wanted and now is not (or vanished). A
    vanished task is kept as a ghost card until its mark expires, so a learner
    sees where it was.
    """

    def __init__(self, hold: float = 4.0) -> None:
        self.hold = hold
        self._prev: dict[str, TaskState] | None = None
        self._marks: dict[str, tuple[str, float]] = {}  # task id -> (mark, until)
        self._ghosts: dict[str, TaskState] = {}

    def update(self, snapshot: SwarmSnapshot, now: float) -> None:
        """Compare a good snapshot with the previous one and set marks."""
        cur = {t.id: t for t in snapshot.tasks}
        if self._prev is not None:
            for tid, task in cur.items():
                old = self._prev.get(tid)
                if task.is_current and (old is None or not old.is_current):
                    self._marks[tid] = ("arriving", now + self.hold)
                elif old is not None and old.is_current and not task.is_current:
                    self._marks[tid] = ("leaving", now + self.hold)
            for tid, old in self._prev.items():
                if tid not in cur and old.is_current:
                    self._marks[tid] = ("leaving", now + self.hold)
                    self._ghosts[tid] = old
        self._prev = cur
        self.expire(now)

    def expire(self, now: float) -> None:
        """Forget marks (and ghosts) whose moment has passed."""
        for tid in [tid for tid, (_, until) in self._marks.items() if until <= now]:
            del self._marks[tid]
            self._ghosts.pop(tid, None)

    def mark(self, task_id: str) -> str:
        """ "arriving", "leaving" or ""."""
        return self._marks.get(task_id, ("", 0.0))[0]

    def ghosts(self) -> list[TaskState]:
        """Tasks gone from the snapshot but still shown as leaving."""
        return list(self._ghosts.values())


def _node_down(state: str, fault: str | None) -> bool:
    return state != "ready" or fault in DOWN_FAULTS


def board_model(
    snapshot: SwarmSnapshot, marks: MarkTracker | None = None, colors: ColorBook | None = None
) -> dict[str, Any]:
    """The nodes, services and task cards of a snapshot, ready to draw (no timestamps: it only
    changes when the swarm does, so the browser only redraws then)."""
    marks = marks or MarkTracker()
    colors = colors or ColorBook()
    nodes = [
        {
            "id": n.id,
            "hostname": n.hostname,
            "role": n.role,
            "leader": n.leader,
            "availability": n.availability,
            "state": n.state,
            "reachability": n.reachability or "",
            "fault": n.fault or "",
            "message": n.message,
            "addr": n.addr,
            "down": _node_down(n.state, n.fault),
        }
        for n in snapshot.nodes
    ]
    down_hosts = {n["hostname"] for n in nodes if n["down"]}
    known_hosts = {n["hostname"] for n in nodes}
    tasks = [_task_card(t, marks.mark(t.id), colors, down_hosts, known_hosts) for t in snapshot.tasks]
    seen = {t.id for t in snapshot.tasks}
    tasks += [
        _task_card(g, "leaving", colors, down_hosts, known_hosts, ghost=True)
        for g in marks.ghosts()
        if g.id not in seen
    ]
    services = [_service_line(s, snapshot, colors) for s in snapshot.services]
    return {"lab": snapshot.lab, "nodes": nodes, "services": services, "tasks": tasks}


def _task_card(
    t: TaskState, mark: str, colors: ColorBook, down_hosts: set, known_hosts: set, ghost: bool = False
) -> dict[str, Any]:
    host = t.node_hostname or ""
    current = t.is_current and not ghost
    return {
        "id": t.id,
        "label": t.label,
        "service": t.service_name,
        "slot": t.slot,
        "node": host if host in known_hosts else "",
        "state": t.state,
        "desired": t.desired_state,
        "current": current,
        "mark": mark,
        "color": colors.color(t.service_name),
        # A task still "running" on a node the swarm has not yet declared down: it is lost
        # but the orchestrator does not know yet. Learners should see that gap.
        "stranded": current and host in down_hosts,
        "detail": (t.error or t.message or "").strip()[:200],
        "image": t.image,
    }


def _service_line(s: Any, snapshot: SwarmSnapshot, colors: ColorBook) -> dict[str, Any]:
    running = len(snapshot.running(s.name))
    if s.replicas is not None:
        desired = s.replicas
    else:  # global: one task per eligible node; the orchestrator's current tasks say how many
        desired = sum(1 for t in snapshot.tasks_of(s.name) if t.desired_state == "running")
    return {
        "name": s.name,
        "mode": s.mode,
        "running": running,
        "desired": desired,
        "replicas": s.replicas,
        "scalable": s.mode == "replicated",
        "image": s.image,
        "ports": [str(p) for p in s.ports],
        "host_ports": [p.published for p in s.ports if p.mode == "host"],
        "update": s.update_state or "",
        "color": colors.color(s.name),
    }


def status_model(
    snapshot: SwarmSnapshot | None, last_good: SwarmSnapshot | None, stopped: str | None = None
) -> dict[str, Any]:
    """The small, fast-changing part: clock, answering manager, errors, quorum."""
    if snapshot is None:
        return {
            "time": "",
            "manager": "",
            "error": tr("waiting for the first snapshot…"),
            "quorum": True,
            "stale": False,
            "stale_since": "",
            "stopped": stopped or "",
            "waiting": 0,
        }
    stale = snapshot.error is not None and last_good is not None
    return {
        "time": time.strftime("%H:%M:%S", time.localtime(snapshot.taken_at)),
        "manager": snapshot.manager or "",
        "error": tr(snapshot.error or ""),  # the board shows it after "No quorum: "
        "quorum": bool(snapshot.quorum) and snapshot.error is None,
        "stale": stale,
        "stale_since": time.strftime("%H:%M:%S", time.localtime(last_good.taken_at)) if stale and last_good else "",
        "stopped": stopped or "",
        "waiting": 0,  # seconds the next snapshot has been pending (set by the board while it waits)
    }
