"""Shared helpers for the widget tests and benchmark: Engine-API-shaped payloads, snapshots, a stub lab,
and a browser page that renders the widgets' ES modules with a minimal anywidget model.

Snapshots go through the real parser (`parse_snapshot`) from payloads shaped like GET /nodes,
/services and /tasks, so the tests exercise the same path as recorded payloads. The stub lab is only
for unit tests of the widgets' Python side (it records calls; there is no Docker behind it).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

from labkit.base.faults import FAULT_NAMES, host_command
from labkit.swarm.state import SwarmSnapshot, parse_snapshot

STATIC = Path(__file__).resolve().parents[2] / "labkit" / "widgets" / "static"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
CHROMIUM = "/usr/bin/chromium"


def raw_node(
    nid: str,
    hostname: str,
    role: str = "worker",
    state: str = "ready",
    availability: str = "active",
    leader: bool = False,
    reachability: str = "reachable",
    message: str = "",
) -> dict:
    """One GET /nodes item."""
    raw = {
        "ID": nid,
        "Spec": {"Role": role, "Availability": availability},
        "Description": {"Hostname": hostname, "Engine": {"EngineVersion": "26.1.5"}},
        "Status": {"State": state, "Addr": f"10.0.0.{len(hostname)}", "Message": message},
    }
    if role == "manager":
        raw["ManagerStatus"] = {"Leader": leader, "Reachability": reachability, "Addr": "10.0.0.2:2377"}
    return raw


def raw_service(
    sid: str,
    name: str,
    replicas: int | None = 3,
    ports: tuple = ((8080, 80, "ingress"),),
    image: str = "labkit/whoami:latest",
    update_state: str | None = None,
) -> dict:
    """One GET /services item (replicas=None makes a global service)."""
    mode = {"Global": {}} if replicas is None else {"Replicated": {"Replicas": replicas}}
    raw = {
        "ID": sid,
        "Spec": {"Name": name, "Mode": mode, "TaskTemplate": {"ContainerSpec": {"Image": image}}},
        "Endpoint": {
            "Ports": [{"TargetPort": t, "PublishedPort": p, "Protocol": "tcp", "PublishMode": m} for p, t, m in ports]
        },
    }
    if update_state:
        raw["UpdateStatus"] = {"State": update_state, "Message": f"update {update_state}"}
    return raw


def raw_task(
    tid: str,
    service_id: str,
    slot: int | None,
    node_id: str | None,
    state: str = "running",
    desired: str = "running",
    err: str = "",
    container: str | None = None,
) -> dict:
    """One GET /tasks item."""
    raw = {
        "ID": tid,
        "ServiceID": service_id,
        "NodeID": node_id,
        "DesiredState": desired,
        "Spec": {"ContainerSpec": {"Image": "labkit/whoami:latest"}},
        "Status": {
            "State": state,
            "Message": state,
            "Err": err,
            "Timestamp": "2026-11-26T10:00:00Z",
            "ContainerStatus": {"ContainerID": container or (tid * 8)[:64]},
        },
        "CreatedAt": f"2026-11-26T10:00:0{len(tid) % 10}Z",
    }
    if slot is not None:
        raw["Slot"] = slot
    return raw


def snapshot(
    nodes: list,
    services: list,
    tasks: list,
    t: float = 1_000.0,
    faults: dict | None = None,
    lab: str = "t",
    manager: str = "manager1",
) -> SwarmSnapshot:
    """A snapshot parsed from payloads, with labkit faults by hostname."""
    snap = parse_snapshot(lab, manager, nodes, services, tasks, taken_at=t)
    if faults:
        snap = dataclasses.replace(
            snap, nodes=tuple(dataclasses.replace(n, fault=faults.get(n.hostname)) for n in snap.nodes)
        )
    return snap


def three_nodes(**overrides: dict) -> list:
    """manager1 (leader), worker1, worker2; overrides[hostname] changes fields of raw_node."""
    spec = {"manager1": ("n1", "manager", True), "worker1": ("n2", "worker", False), "worker2": ("n3", "worker", False)}
    return [
        raw_node(nid, h, **{"role": role, "leader": leader, **overrides.get(h, {})})
        for h, (nid, role, leader) in spec.items()
    ]


def web_tasks(placement: dict[int, str] | None = None, **states: str) -> list:
    """Tasks web.1..3 on n1..n3 by default; placement maps slot -> node id; states maps 'web1' -> state."""
    placement = placement or {1: "n1", 2: "n2", 3: "n3"}
    return [
        raw_task(f"t{slot}", "s1", slot, nid, state=states.get(f"web{slot}", "running"))
        for slot, nid in placement.items()
    ]


def web_snapshot(t: float = 1_000.0, **kw: Any) -> SwarmSnapshot:
    """The usual 3-node lab with service web (3 replicas, one per node)."""
    return snapshot(three_nodes(), [raw_service("s1", "web")], web_tasks(), t=t, **kw)


def big_snapshot(nodes: int = 10, tasks: int = 100, services: int = 5, t: float = 1_000.0) -> SwarmSnapshot:
    """A synthetic swarm of `nodes` nodes and `tasks` running tasks spread over `services` services."""
    raw_nodes = [
        raw_node(
            f"n{i}", f"manager{i}" if i <= 3 else f"worker{i - 3}", "manager" if i <= 3 else "worker", leader=i == 1
        )
        for i in range(1, nodes + 1)
    ]
    per = tasks // services
    raw_services = [raw_service(f"s{k}", f"svc{k}", replicas=per, ports=()) for k in range(services)]
    raw_tasks = [
        raw_task(f"t{k}x{j}", f"s{k}", j + 1, f"n{(k * per + j) % nodes + 1}")
        for k in range(services)
        for j in range(per)
    ]
    return snapshot(raw_nodes, raw_services, raw_tasks, t=t)


def recorded_payloads() -> list[Path]:
    """Recorded real Engine API payloads, if the core's recordings are present."""
    return sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []


def load_recorded(path: Path, t: float = 1_000.0) -> SwarmSnapshot:
    """Parse one recorded payload file {"nodes": [...], "services": [...], "tasks": [...]}."""
    data = json.loads(path.read_text())
    return parse_snapshot("rec", "manager1", data["nodes"], data["services"], data["tasks"], taken_at=t)


# -- a stub lab for the widgets' Python side (records calls; no Docker) --------------------------------
@dataclasses.dataclass
class StubResult:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    node: str = ""


class StubNode:
    def __init__(self, lab: StubLab, name: str):
        self.lab, self.name, self.container_name = lab, name, f"{lab.name}-{name}"

    def sh(self, script: str, check: bool = True) -> StubResult:
        self.lab.calls.append(("sh", self.name, script))
        if self.lab.sh_error:
            raise self.lab.sh_error
        return StubResult(stdout=f"ran {script}\n", node=self.name)

    def host_command(self, action: str) -> str:
        return host_command(action, self.container_name, self.lab.network_name, "172.31.1.12", self.name)

    def do(self, action: str) -> None:
        assert action in FAULT_NAMES, action
        self.lab.calls.append((action, self.name))


class StubCaps:
    def __init__(self, mesh: bool):
        self.routing_mesh = mesh
        self.reason = {"routing_mesh": "IPVS is available" if mesh else "the kernel has no IPVS"}


class StubFollower:
    def start(self):
        return self

    def stop(self):
        self.stopped = True


class StubLab:
    """Stands in for Lab in unit tests: snapshots come from a list, actions are recorded."""

    def __init__(
        self, snapshots: list, name: str = "t", hosts: tuple = ("manager1", "worker1", "worker2"), mesh: bool = True
    ):
        self.name, self.network_name = name, f"{name}-net"
        self._snapshots, self.calls, self.sh_error, self.running = list(snapshots), [], None, True
        self._nodes = {h: StubNode(self, h) for h in hosts}
        self.capabilities = StubCaps(mesh)
        self.http_replies: dict[str, list] = {}
        self.snapshot_calls = 0
        self.event_callbacks: list = []
        self.lock = threading.Lock()

    @property
    def nodes(self) -> list:
        return list(self._nodes.values())

    def node(self, name: str) -> StubNode:
        if name not in self._nodes:
            raise KeyError(f"no node named {name!r}")
        return self._nodes[name]

    @property
    def manager(self) -> StubNode:
        return self._nodes["manager1"]

    def snapshot(self) -> SwarmSnapshot:
        with self.lock:
            self.snapshot_calls += 1
            item = self._snapshots.pop(0) if len(self._snapshots) > 1 else self._snapshots[0]
        if isinstance(item, BaseException):
            raise item
        return item() if callable(item) else item  # a callable stands for a slow manager

    def follow_events(self, on_event):
        """Keep the callback: a test plays an engine event with `lab.engine_event(...)`."""
        self.event_callbacks.append(on_event)
        return StubFollower()

    def engine_event(self, node: str = "worker1", event: dict | None = None) -> None:
        for cb in list(self.event_callbacks):
            cb(node, event or {"Type": "container", "Action": "start"})

    def http(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list:
        self.calls.append(("http", node, port, count))
        replies = self.http_replies.get(node)
        if isinstance(replies, BaseException):
            raise replies
        return (replies or [])[:count]


class FakeClock:
    """A clock for `Watcher(clock=..., sleep=...)` that only moves when told: timing tests never sleep."""

    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on, as `seconds` of real time would."""
        self.now += seconds

    sleep = advance  # the watcher's pause costs no real time


# -- a real browser rendering the widgets' ES modules with a minimal anywidget model ---------------------
_INDEX = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/board.css"><link rel="stylesheet" href="/static/traffic.css">
<link rel="stylesheet" href="/static/timeline.css"></head>
<body style="margin:0"><div id="root"></div><script>
// The part of the anywidget model API the widgets use: get/set/save_changes/on/off/send.
window.lkModules = {};
window.lkMount = async (file, state) => {
  const listeners = {}, sent = [];
  const fire = (k) => (listeners["change:" + k] || []).forEach((f) => f());
  const model = {
    get: (k) => state[k], set: (k, v) => { state[k] = v; fire(k); }, save_changes: () => {},
    on: (ev, fn) => { (listeners[ev] = listeners[ev] || []).push(fn); },
    off: (ev, fn) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== fn); },
    send: (msg) => sent.push(msg),
  };
  const old = document.getElementById("root");
  const el = document.createElement("div"); el.id = "root"; old.replaceWith(el);
  const mod = await (window.lkModules[file] = window.lkModules[file] || import(file));
  const cleanup = mod.default.render({ model, el });
  window.lk = { model, state, sent, el, cleanup,
    update: (changes) => { Object.assign(state, changes); Object.keys(changes).forEach(fire); } };
};
</script></body></html>"""

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _serve(route: Any) -> None:
    path = route.request.url.split("lk.test", 1)[1].split("?")[0]
    if path.startswith("/static/") and (STATIC / path[8:]).is_file():
        kind = "text/javascript" if path.endswith(".js") else "text/css"
        route.fulfill(status=200, content_type=kind, body=(STATIC / path[8:]).read_text())
    else:
        route.fulfill(status=200, content_type="text/html", body=_INDEX)


class WidgetPage:
    """A Chromium page (Debian's, via Playwright) where widget modules are mounted on a fake model."""

    def __init__(self, width: int = 1280, height: int = 900):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        self.page = self.browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.route("http://lk.test/**", _serve)
        self.page.goto("http://lk.test/")

    def mount(self, widget: str, state: dict) -> None:
        """Render static/<widget>.js with this model state (replaces what was mounted before)."""
        self.page.evaluate("([f, s]) => window.lkMount(f, s)", [f"/static/{widget}.js", state])

    def update(self, **changes: Any) -> None:
        """Change model state as a kernel update would (fires change:<name>)."""
        self.page.evaluate("(c) => window.lk.update(c)", changes)

    def sent(self) -> list:
        """Messages the widget sent to Python."""
        return self.page.evaluate("() => window.lk.sent")

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()
