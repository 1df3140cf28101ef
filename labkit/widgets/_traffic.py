"""`lab.traffic(service, port)`: send requests to a published port and chart who answered.

It teaches load balancing, so it must never pretend: where the kernel has no
IPVS the ingress routing mesh (and VIP balancing) cannot work, and the panel
says so, while still working for ports published with `mode=host`.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anywidget
import traitlets

from ..base.i18n import tr
from ..swarm.http import HttpReply
from ..swarm.state import SwarmSnapshot
from ._assets import css, esm
from ._labels import labels
from ._protocol import LabView

__all__ = ["TrafficPanel", "traffic", "summarize", "answer_label", "split_count"]

# Task names are web.2.<task id> or, for global services, agent.<node id>.<task id>: ids are 25 chars.
_ID_SUFFIX = re.compile(r"\.[a-z0-9]{25}$")
_FIELD = re.compile(r"^(task|node):[ \t]*(\S+)[ \t]*$", re.M)


def answer_label(reply: HttpReply, containers: dict[str, str] | None = None) -> str:
    """Who answered one request, best effort: `web.2 @ worker1`, else the container hostname or the status.

    labkit's whoami image answers `hostname: <container hostname>`, which is the
    short container id unless the service sets --hostname: `containers` maps
    short ids to task labels (from a snapshot). `task:`/`node:` lines are used
    when a server sends them.
    """
    fields = dict(_FIELD.findall(reply.body))
    task, node = fields.get("task"), fields.get("node")
    if not task:
        task = reply.served_by
        if task and containers and task[:12] in containers:
            return containers[task[:12]]
    if task:
        task = _ID_SUFFIX.sub("", task)
        task = _ID_SUFFIX.sub("", task) if node else task  # global: `agent @ worker1` says it all
        return f"{task} @ {node}" if node else task
    return tr(f"HTTP {reply.status or '?'} (answer does not say who)")


def summarize(
    replies: Iterable[HttpReply], seconds: float = 0.0, containers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Count answers per responder and failures per reason (the panel's chart data)."""
    replies = list(replies)
    answers: Counter = Counter()
    failures: Counter = Counter()
    per_node: dict[str, dict[str, int]] = {}
    for r in replies:
        asked = r.node or "?"
        stats = per_node.setdefault(asked, {"sent": 0, "ok": 0})
        stats["sent"] += 1
        if r.ok:
            stats["ok"] += 1
            answers[answer_label(r, containers)] += 1
        else:
            err = r.error or f"HTTP {r.status or '?'}"
            failures[tr(f"via {asked}: {(err.splitlines() or [''])[0][:120]}")] += 1
    ok = sum(answers.values())
    return {
        "total": len(replies),
        "ok": ok,
        "failed": len(replies) - ok,
        "seconds": round(seconds, 2),
        "bars": [{"label": k, "count": v} for k, v in sorted(answers.items())],
        "failures": [{"label": k, "count": v} for k, v in sorted(failures.items())],
        "by_node": [{"node": k, **v} for k, v in sorted(per_node.items())],
    }


def split_count(count: int, targets: list[str]) -> list[tuple[str, int]]:
    """Spread `count` requests over targets round-robin (first ones get the remainder)."""
    if not targets:
        return []
    q, r = divmod(count, len(targets))
    return [(t, q + (1 if i < r else 0)) for i, t in enumerate(targets) if q + (1 if i < r else 0)]


class TrafficPanel(anywidget.AnyWidget):
    """A bar chart of which task answered each of N requests to `service:port`, plus failures."""

    _esm = esm("traffic")
    _css = css("traffic")

    lab_name = traitlets.Unicode("").tag(sync=True)
    service = traitlets.Unicode("").tag(sync=True)
    port = traitlets.Int(0).tag(sync=True)
    count = traitlets.Int(30).tag(sync=True)
    via = traitlets.Unicode("all").tag(sync=True)  # "all" or a node hostname
    nodes: traitlets.List[str] = traitlets.List().tag(sync=True)  # hostnames offered in the "via" menu
    mode = traitlets.Unicode("").tag(sync=True)  # how the port is published: ingress | host | "" (unknown)
    notice = traitlets.Unicode("").tag(sync=True)  # routing mesh warning / explanation
    targets: traitlets.List[str] = traitlets.List().tag(sync=True)  # nodes the last run asked
    result = traitlets.Dict().tag(sync=True)  # see summarize()
    running = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)  # its words in the notebook's language (_labels.py)

    def __init__(
        self,
        lab: LabView,
        service: str,
        port: int,
        *,
        count: int = 30,
        via: str = "all",
        path: str = "/",
        timeout: float = 2.0,
        **kwargs: Any,
    ):
        super().__init__(
            lab_name=str(lab.name), service=service, port=int(port), count=count, via=via, labels=labels(), **kwargs
        )
        self._lab, self._path, self._timeout = lab, path, timeout
        self._busy = threading.Lock()
        self.nodes = [n.name for n in lab.nodes]
        self._inspect()
        self.on_msg(self._on_front_msg)

    def __repr__(self) -> str:
        return f"TrafficPanel(lab={self.lab_name!r}, service={self.service!r}, port={self.port})"

    def _inspect(self) -> SwarmSnapshot | None:
        """Read how the port is published and whether the mesh can work; set `mode` and `notice`."""
        snap = None
        try:
            snap = self._lab.snapshot()
            svc = snap.service(self.service) if snap.error is None else None
        except KeyError as exc:
            self.error, svc = str(exc).strip("'\""), None
        except Exception as exc:  # no quorum etc.: the panel still sends, just knows less
            self.error, svc = tr(f"could not read the service: {exc}"), None
        port = next((p for p in (svc.ports if svc else ()) if p.published == self.port), None)
        self.mode = port.mode if port else ""
        if svc is not None and port is None:
            self.error = tr(
                f"service {self.service} publishes no port {self.port} (it publishes: "
                f"{', '.join(str(p) for p in svc.ports) or 'none'})"
            )
        self.notice = self._mesh_notice()
        return snap

    def _mesh_notice(self) -> str:
        caps = self._lab.capabilities
        if caps.routing_mesh:
            return ""
        reason = str(caps.reason.get("routing_mesh", "")).rstrip(".")
        text = (
            f"No routing mesh in this lab: {reason}. "
            if reason
            else "No routing mesh in this lab: the kernel has no IPVS, so Swarm's ingress routing mesh and "
            "VIP load balancing cannot work here. "
        )
        if self.mode == "host":
            return tr(text) + tr(
                f"Port {self.port} is published with mode=host, which needs no mesh: each node running "
                f"a {self.service} task answers on it itself, so requests go to those nodes."
            )
        return tr(text) + tr(
            f"Requests to port {self.port} through the ingress mesh are expected to fail. Publish with "
            f"`--publish mode=host,published={self.port},target=<container port>` to try host mode."
        )

    def _targets(self, snap: SwarmSnapshot | None, via: str) -> list[str]:
        if via != "all":
            return [via]
        if snap is None or snap.error is not None:
            return list(self.nodes)
        if self.mode == "host":  # only nodes running a task listen on a host-mode port
            hosting = sorted(snap.placement(self.service))
            if hosting:
                return hosting
        return [n.hostname for n in snap.nodes if n.state == "ready" and not n.fault] or list(self.nodes)

    def send(self, count: int | None = None, via: str | None = None) -> dict[str, Any]:
        """Send the requests now (blocking) and return the summary shown in the chart."""
        if not self._busy.acquire(blocking=False):
            return self.result  # a run is in progress: do not double the load
        try:
            self.running, self.error = True, ""
            count = int(self.count if count is None else count)
            via = self.via if via is None else via
            snap = self._inspect()
            plan = split_count(count, self._targets(snap, via))
            self.targets = [t for t, _ in plan]
            started = time.monotonic()
            # All target nodes at once (lab.http uses its own temporary files per call), so one node
            # that times out does not hold up the others.
            with ThreadPoolExecutor(max_workers=max(1, len(plan))) as pool:
                replies = [r for rs in pool.map(lambda p: self._ask(*p), plan) for r in rs]
            seconds = time.monotonic() - started
            self.result = summarize(replies, seconds, _containers(self._lab, snap))
            self._record()
            return self.result
        except Exception as exc:  # shown in the panel, never raised from the button's thread
            self.error = f"{type(exc).__name__}: {exc}"
            return self.result
        finally:
            self.running = False
            self._busy.release()

    def _ask(self, node: str, n: int) -> list[HttpReply]:
        try:
            return list(self._lab.http(node, self.port, path=self._path, count=n, timeout=self._timeout))
        except Exception as exc:  # the whole call failed: count each request as failed, with the reason
            failed = HttpReply(node, self.port, ok=False, status=None, body="", error=str(exc) or type(exc).__name__)
            return [failed] * n

    def _record(self) -> None:
        from ._watcher import watcher_for

        r = self.result
        level = "info" if not r["failed"] else ("warn" if r["ok"] else "error")
        watcher_for(self._lab).record(
            f"sent {r['total']} requests to {self.service}:{self.port}: {r['ok']} answered, "
            f"{r['failed']} failed, by {len(r['bars'])} task(s)",
            "traffic",
            level,
            self.service,
        )

    def _on_front_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "send":
            count, via = content.get("count"), content.get("via")
            threading.Thread(target=self.send, args=(count, via), name="labkit-traffic", daemon=True).start()


def _containers(lab: LabView, snap: SwarmSnapshot | None) -> dict[str, str]:
    """Short container id -> `web.2 @ worker1`, from a fresh snapshot (tasks may have just started)."""
    try:
        fresh = lab.snapshot()
        snap = fresh if fresh.error is None else snap
    except Exception:  # keep the snapshot taken before sending
        pass
    if snap is None or snap.error is not None:
        return {}
    return {
        t.container_id[:12]: f"{t.label} @ {t.node_hostname}" if t.slot is not None else t.label
        for t in snap.tasks
        if t.container_id
    }


def traffic(lab: LabView, service: str, port: int, **kwargs: Any) -> TrafficPanel:
    """The load-balancing panel: `traffic(lab, "web", 8080, count=30, via="all")`."""
    return TrafficPanel(lab, service, port, **kwargs)
