"""The controls behind the board's buttons: what each runs and the command a learner would type.

Node faults (kill, stop, pause, disconnect) are done to the node's container
from the host, so the command shown is the host-side `docker ...` on the
container. Swarm changes (drain, promote, scale, rm) are the real CLI run on
a manager. Actions run on one daemon thread per board, one at a time, so the
kernel stays free; results are reported through a callback, never printed.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..base.errors import InvalidInput, WaitTimeout
from ..base.faults import FAULT_NAMES, fault_named
from ..base.i18n import tr
from ..base.poll import poll
from ..host.exec import CommandResult
from ._protocol import LabView

__all__ = ["NODE_ACTIONS", "SERVICE_ACTIONS", "Action", "plan_action", "ActionRunner"]

# Node action -> swarm CLI command template, run on a manager, and what the learner should watch for.
_SWARM_NODE_ACTIONS = {
    "drain": (
        "docker node update --availability drain {node}",
        "its tasks move to other nodes; the node keeps running",
    ),
    "activate": (
        "docker node update --availability active {node}",
        "it accepts new tasks again; running tasks do not move back by themselves",
    ),
    "promote": ("docker node promote {node}", "it becomes a manager and joins the Raft quorum"),
    "demote": ("docker node demote {node}", "it leaves the Raft quorum and becomes a worker"),
}
_SERVICE_NOTES = {
    "scale": "--detach returns at once: watch the board converge",
    "remove": "every task of the service is shut down",
}
NODE_ACTIONS = FAULT_NAMES + tuple(_SWARM_NODE_ACTIONS)
SERVICE_ACTIONS = ("scale", "remove")

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # names we put into a shell command


@dataclass(frozen=True)
class Action:
    """A planned action: what will be shown and how to run it."""

    name: str
    target: str
    command: str  # the command a learner would type
    where: str  # "host" or "manager"
    note: str
    run: Callable[[], CommandResult | None]  # a manager's command returns what it printed; a host fault nothing


def plan_action(lab: LabView, name: str, target: str, value: Any = None) -> Action:
    """Resolve an action request from the front end; ValueError if it makes no sense."""
    if not isinstance(target, str) or not _NAME_OK.match(target):
        raise InvalidInput(f"invalid target {target!r}")
    if name in FAULT_NAMES:
        node = lab.node(target)
        return Action(name, target, node.host_command(name), "host", fault_named(name).note, partial(node.do, name))
    if name in _SWARM_NODE_ACTIONS:
        lab.node(target)  # unknown node -> the core's UnknownNode, shown in the widget
        template, note = _SWARM_NODE_ACTIONS[name]
        return _swarm_action(lab, name, target, template.format(node=target), note)
    if name == "scale":
        try:
            replicas = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"scale needs a number of replicas, got {value!r}") from None
        if not 0 <= replicas <= 100:
            raise InvalidInput(f"replicas must be between 0 and 100, got {replicas}")
        # --detach: return once the manager accepted it; the board shows the convergence live.
        return _swarm_action(
            lab, name, target, f"docker service scale --detach {target}={replicas}", _SERVICE_NOTES["scale"]
        )
    if name == "remove":
        return _swarm_action(lab, name, target, f"docker service rm {target}", _SERVICE_NOTES["remove"])
    raise InvalidInput(f"unknown action {name!r}; known: {', '.join(NODE_ACTIONS + SERVICE_ACTIONS)}")


def _swarm_action(lab: LabView, name: str, target: str, command: str, note: str) -> Action:
    def run() -> CommandResult:
        manager = lab.manager  # resolved at run time: the manager that answers now
        return manager.sh(command)

    return Action(name, target, command, "manager", note, run)


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-6:])[-800:]


class ActionRunner:
    """Runs actions one at a time on a daemon thread and reports each step.

    `report(entry)` is called with a JSON-able dict when an action is queued,
    and again when it finished (status "ok" or "error").
    """

    def __init__(self, lab: LabView, report: Callable[[dict], None]):
        self._lab = lab
        self._report = report
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counter = 0

    def submit(self, name: str, target: str, value: Any = None) -> dict:
        """Plan and queue an action; returns the log entry (status "running" or "error")."""
        with self._lock:
            self._counter += 1
            entry: dict[str, Any] = {
                "id": self._counter,
                "t": round(time.time(), 3),
                "action": name,
                "target": target,
                "command": "",
                "where": "",
                "note": "",
                "status": "running",
                "output": "",
            }
        entry["time"] = time.strftime("%H:%M:%S", time.localtime(entry["t"]))
        try:
            action = plan_action(self._lab, name, target, value)
        except Exception as exc:  # bad request or unknown node: say so in the widget
            entry.update(status="error", output=tr(_short_error(exc)), command=f"{name} {target}")
            self._safe_report(entry)
            return entry
        entry.update(command=action.command, where=action.where, note=tr(action.note))
        self._safe_report(dict(entry))
        self._queue.put((action, entry))
        self._ensure_thread()
        return entry

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until every queued action finished (for tests and scripts)."""
        try:
            poll(
                lambda: self._queue.unfinished_tasks,
                lambda n: n == 0,
                timeout=timeout,
                interval=0.02,
                what="the board's actions to finish",
                show=lambda n: f"{n} still running",
            )
            return True
        except WaitTimeout:
            return False

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="labkit-actions", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            try:
                action, entry = self._queue.get(timeout=30)
            except queue.Empty:
                return  # idle: let the thread end, a new one starts on the next action
            started = time.monotonic()
            try:
                result = action.run()
                out = result.stdout.strip() if result is not None else ""
                # `docker node update` and `docker service rm` just echo the name: not worth a line.
                entry = dict(entry, status="ok", output="" if out == action.target else out[-800:])
                if result is not None and result.node:
                    entry["ran_on"] = result.node  # the prompt shows which manager ran it
            except Exception as exc:  # CommandError, LabNotRunning, engine errors: all shown, none raised
                entry = dict(entry, status="error", output=_short_error(exc))
            entry["seconds"] = round(time.monotonic() - started, 2)
            self._safe_report(entry)
            self._queue.task_done()

    def _safe_report(self, entry: dict) -> None:
        try:
            self._report(entry)
        except Exception:  # a report failing (closed widget) must not stop the queue
            pass
