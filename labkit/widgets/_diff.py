"""Turn two consecutive swarm snapshots into timeline events.

The engine emits no task events (and node events only on managers, without a
"heartbeat lost" reason), so the timeline is derived by comparing what two
snapshots say. Everything here is pure: snapshots in, JSON-able dicts out.
"""

from __future__ import annotations

import time
from typing import Any

from ..base.faults import fault_leaving
from ..base.i18n import tr
from ..swarm.state import NodeState, ServiceState, SwarmSnapshot, TaskState

__all__ = ["make_event", "diff_snapshots", "quorum_events"]

Event = dict[str, Any]

# How a task's new state reads in the timeline (anything else is "info").
_STATE_LEVEL = {"running": "ok", "failed": "error", "rejected": "error", "orphaned": "warn", "remove": "warn"}


def make_event(t: float, kind: str, text: str, level: str = "info", subject: str = "", detail: str = "") -> Event:
    """One timeline entry: epoch time, local clock text, kind, level and a sentence, in the notebook's language
    (base/i18n.py); `detail`, Docker's own words, follows it after a colon, untranslated."""
    text = tr(text) + (f": {detail}" if detail else "")
    return {
        "t": round(t, 3),
        "time": time.strftime("%H:%M:%S", time.localtime(t)),
        "kind": kind,  # node | leader | task | service | action | quorum | lab
        "level": level,  # info | ok | warn | error
        "subject": subject,
        "text": text,
    }


def quorum_events(prev: SwarmSnapshot | None, cur: SwarmSnapshot) -> list[Event]:
    """Events for losing or regaining an answering manager, or switching to another one."""
    t = cur.taken_at
    was_ok = prev is not None and prev.error is None
    if cur.error is not None:
        if prev is None or was_ok:
            return [make_event(t, "quorum", cur.error, "error", "swarm")]
        return []
    if prev is not None and not was_ok:
        return [make_event(t, "quorum", f"managers answer again (read from {cur.manager})", "ok", "swarm")]
    if prev is not None and prev.manager and cur.manager and prev.manager != cur.manager:
        return [
            make_event(
                t,
                "quorum",
                f"now reading the swarm from {cur.manager} ({prev.manager} no longer answers)",
                "warn",
                cur.manager,
            )
        ]
    return []


def diff_snapshots(prev: SwarmSnapshot | None, cur: SwarmSnapshot) -> list[Event]:
    """Everything that changed between two good snapshots, as timeline events.

    With no previous snapshot there is nothing to compare: no events (the
    board shows the initial state itself).
    """
    if prev is None or cur.error is not None:
        return []
    t = cur.taken_at
    events = _node_events(prev, cur, t)
    events += _leader_events(prev, cur, t)
    events += _service_events(prev, cur, t)
    events += _task_events(prev, cur, t)
    return events


def _membership(before: dict, after: dict, joined, changed, left) -> list[Event]:
    """Events for items that appeared, changed or disappeared between two snapshots (nodes or services)."""
    events: list[Event] = []
    for key, item in after.items():
        old = before.get(key)
        events += [joined(item)] if old is None else changed(old, item)
    return events + [left(old) for key, old in before.items() if key not in after]


def _node_events(prev: SwarmSnapshot, cur: SwarmSnapshot, t: float) -> list[Event]:
    return _membership(
        {n.id: n for n in prev.nodes},
        {n.id: n for n in cur.nodes},
        lambda n: make_event(t, "node", f"{n.hostname} joined the swarm as a {n.role}", "ok", n.hostname),
        lambda old, n: _one_node_changes(old, n, t),
        lambda old: make_event(t, "node", f"{old.hostname} left the swarm (node removed)", "warn", old.hostname),
    )


def _one_node_changes(old: NodeState, n: NodeState, t: float) -> list[Event]:
    h, out = n.hostname, []
    if old.fault != n.fault:
        if n.fault:
            cause = fault_leaving(n.fault)
            # The fault's words are a message of their own (base/faults.py); Docker's fault name is not.
            out.append(make_event(t, "node", f"{h}: {tr(cause.happened) if cause else n.fault}", "warn", h))
        else:
            out.append(make_event(t, "node", f"{h}: its container is running and connected again", "ok", h))
    if old.state != n.state:
        why = f" ({n.message})" if n.message and n.state != "ready" else ""
        level = "ok" if n.state == "ready" else "error"
        out.append(make_event(t, "node", f"{h} is {n.state}{why} (was {old.state})", level, h))
    if old.availability != n.availability:
        level = "ok" if n.availability == "active" else "warn"
        out.append(make_event(t, "node", f"{h} availability {old.availability} → {n.availability}", level, h))
    if old.role != n.role:
        text = f"{h} promoted to manager" if n.role == "manager" else f"{h} demoted to worker"
        out.append(make_event(t, "node", text, "info", h))
    elif n.role == "manager" and old.reachability != n.reachability and n.reachability:
        level = "ok" if n.reachability == "reachable" else "error"
        out.append(make_event(t, "node", f"manager {h} is {n.reachability}", level, h))
    return out


def _leader_events(prev: SwarmSnapshot, cur: SwarmSnapshot, t: float) -> list[Event]:
    old, new = prev.leader, cur.leader
    old_name, new_name = (old.hostname if old else None), (new.hostname if new else None)
    if old_name == new_name:
        return []
    if new_name is None:
        return [make_event(t, "leader", f"no leader (was {old_name}): managers are electing one", "error", "swarm")]
    was = f" (was {old_name})" if old_name else ""
    return [make_event(t, "leader", f"{new_name} is the leader{was}", "warn" if old_name else "ok", new_name)]


def _service_events(prev: SwarmSnapshot, cur: SwarmSnapshot, t: float) -> list[Event]:
    def created(s: ServiceState) -> Event:
        size = tr(f"{s.replicas} replica(s)") if s.replicas is not None else s.mode
        return make_event(t, "service", f"service {s.name} created ({size}, {s.image})", "ok", s.name)

    return _membership(
        {s.id: s for s in prev.services},
        {s.id: s for s in cur.services},
        created,
        lambda old, s: _one_service_changes(old, s, t),
        lambda old: make_event(t, "service", f"service {old.name} removed", "warn", old.name),
    )


def _one_service_changes(old: ServiceState, s: ServiceState, t: float) -> list[Event]:
    out = []
    if old.replicas != s.replicas and s.replicas is not None:
        out.append(make_event(t, "service", f"{s.name} scaled {old.replicas} → {s.replicas}", "info", s.name))
    if old.image != s.image:
        out.append(make_event(t, "service", f"{s.name} image {old.image} → {s.image}", "info", s.name))
    if old.update_state != s.update_state and s.update_state:
        level = "error" if "rollback" in s.update_state or s.update_state == "paused" else "info"
        if s.update_state == "completed":
            level = "ok"
        msg = f": {s.update_message}" if s.update_message else ""
        out.append(make_event(t, "service", f"{s.name} update {s.update_state}{msg}", level, s.name))
    return out


def _task_events(prev: SwarmSnapshot, cur: SwarmSnapshot, t: float) -> list[Event]:
    before = {x.id: x for x in prev.tasks}
    events: list[Event] = []
    for task in cur.tasks:
        old = before.get(task.id)
        label, host, level = task.label, task.node_hostname, _STATE_LEVEL.get(task.state, "info")
        if old is None:
            if not task.is_current:
                continue  # an old task we never saw alive: history, not news
            text = f"{label} new on {host}: {task.state}" if host else f"{label} new (no node yet): {task.state}"
            events.append(make_event(t, "task", text, level, label))
            continue
        if old.state == task.state and old.desired_state == task.desired_state:
            continue
        events.append(make_event(t, "task", _task_change(label, host, old, task), level, label, _task_detail(task)))
    return events


def _task_change(label: str, host: str | None, old: TaskState, task: TaskState) -> str:
    """Whole sentences, one per case, so that each is a message of its own to translate (i18n_extract.py)."""
    desired = task.desired_state
    if old.state == task.state:  # only the desired state changed
        return f"{label} on {host} (desired {desired})" if host else f"{label} (no node yet) (desired {desired})"
    moved = (  # tr(): "on" is too short a word for i18n_extract to take this for a sentence by itself
        tr(f"{label} on {host}: {old.state} → {task.state}")
        if host
        else f"{label} (no node yet): {old.state} → {task.state}"
    )
    return f"{moved} (desired {desired})" if old.desired_state != desired else moved


def _task_detail(task: TaskState) -> str:
    """Docker's own words on a task (its error, or why it failed), or ""."""
    return task.error or (task.message if task.state in ("failed", "rejected") else "")
