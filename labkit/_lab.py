"""A lab: a real Docker Swarm made of Docker-in-Docker nodes on one private network.

Starting a lab is a plain list of small steps (see `Lab.start`), the way kind
builds a cluster. Nothing is stored outside Docker: labels and deterministic
names let any process find, inspect and remove a lab (`Lab.attach`).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Callable

import docker.errors

from ._build import add_node, remove_node, start_steps
from ._capabilities import Capabilities, measure_capabilities
from ._engine import client
from ._errors import LabExists, LabkitError, LabNotRunning, UnknownNode
from ._http import HttpReply, http_requests
from ._names import LABEL_LAB, check_shape, network_name, new_lab_name, validate_lab_name
from ._node import Node
from ._progress import Progress
from ._snapshot import read_snapshot
from ._state import SwarmSnapshot
from ._teardown import remove_lab

__all__ = ["Lab", "current_lab"]

_started: list["Lab"] = []  # labs started in this process, newest last (for %%node)
_lock = threading.Lock()


def current_lab(name: str | None = None) -> "Lab":
    """The lab `%%node` uses: the named one, else the last one started in this process."""
    with _lock:
        running = [lab for lab in _started if lab.running]
    if name:
        for lab in reversed(running):
            if lab.name == name:
                return lab
        return Lab.attach(name)
    if not running:
        raise LabNotRunning("no lab is running in this kernel; start one with `lab = labkit.Lab().start()`")
    return running[-1]


class Lab:
    """A swarm of `managers` + `workers` Docker-in-Docker nodes.

    Use it as a context manager (`with Lab() as lab:`) or call `start()` and
    `stop()`. `heartbeat` is passed to `docker swarm init --dispatcher-heartbeat`
    so that a failed node is noticed in seconds rather than ~15 s. With
    `swarm=False` the nodes' engines start but no swarm is formed (for a lesson
    where the learner runs `docker swarm init` and the joins). `replace=True`
    removes an existing lab of the same name first; `retain=True` keeps a lab
    whose start failed, for debugging.
    """

    def __init__(self, managers: int = 1, workers: int = 2, name: str | None = None, *, retain: bool = False,
                 heartbeat: str | None = "2s", quiet: bool = False, reap: bool = True, replace: bool = False,
                 swarm: bool = True):
        check_shape(managers, workers)
        self.name = validate_lab_name(name) if name is not None else new_lab_name()
        self.shape = (managers, workers)
        self.retain = retain
        self.heartbeat = heartbeat
        self.reap = reap
        self.replace = replace  # remove an existing lab of the same name first (re-running a notebook)
        self.swarm = swarm  # False: engines only, the learner runs `docker swarm init` and the joins
        self.mode = ""
        self._nodes: dict[str, Node] = {}
        self._network = None
        self._running = False
        self._stopped = False
        self._last_manager: str | None = None
        self._known_managers: list[str] = []  # managers in the last snapshot (read_snapshot keeps it)
        self._ip_index = 0
        # Labels this start's objects, so a failed start removes only what it created
        # (never a lab of the same name that already existed).
        self._instance = uuid.uuid4().hex[:12]
        self._capabilities: Capabilities | None = None
        self._progress = Progress(quiet=quiet)

    def __repr__(self) -> str:
        state = "running" if self._running else ("stopped" if self._stopped else "not started")
        return f"Lab({self.name!r}, nodes={list(self._nodes) or self.shape}, {state})"

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> "Lab":
        """Create the nodes and form the swarm; on any failure or Ctrl-C remove what was created."""
        if self._running or self._stopped:
            raise LabkitError(f"lab {self.name} was already started; create a new Lab() to start another")
        steps = start_steps(self)
        self._progress.title(f"Starting lab {self.name!r}: {self.shape[0]} manager(s), {self.shape[1]} worker(s)")
        t0 = time.monotonic()
        name = steps[0][0]
        try:
            for name, step in steps:
                step()
        except BaseException as exc:
            if hasattr(exc, "add_note"):  # Python 3.11+: say which step failed under the traceback
                exc.add_note(f"labkit: starting lab {self.name!r} failed at step: {name}")
            self._stopped = True
            if self.retain:
                self._progress.line(f"start failed; retain=True keeps the lab for debugging (labkit down {self.name})")
            else:
                remove_lab(self.name, instance=self._instance)
            if isinstance(exc, docker.errors.APIError) and "Conflict" in str(exc) and self.name in str(exc):
                raise LabExists(f"a lab named {self.name!r} already exists: stop it (`labkit down {self.name}`), "
                                "attach to it with Lab.attach(name), or pass replace=True") from None
            raise
        self._running = True
        with _lock:
            _started.append(self)
        what = f"{len(self._nodes)} nodes Ready" if self.swarm else f"{len(self._nodes)} engines up, no swarm yet"
        self._progress.done(f"lab {self.name!r} is ready: {what}", time.monotonic() - t0)
        return self

    def stop(self) -> None:
        """Remove every container, volume and the network of this lab (safe to call twice)."""
        was_running = self._running
        self._running = False
        self._stopped = True
        remove_lab(self.name)
        if was_running:
            self._progress.line(f"lab {self.name!r} removed")

    def _retire_namesakes(self) -> None:
        """Mark this process's other Lab objects of the same name stopped: replace=True removes their nodes."""
        with _lock:
            for other in _started:
                if other is not self and other.name == self.name:
                    other._running, other._stopped = False, True

    def __enter__(self) -> "Lab":
        if not self._running:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.retain:
            self.stop()

    @classmethod
    def attach(cls, name: str, quiet: bool = True) -> "Lab":
        """Rebuild a Lab object from the labels of a lab started elsewhere (another process, the CLI)."""
        validate_lab_name(name)
        containers = client().containers.list(all=True, filters={"label": [f"{LABEL_LAB}={name}", "labkit.kind=node"]})
        if not containers:
            raise LabNotRunning(f"no lab named {name!r} on this engine (see `labkit status`)")
        lab = cls.__new__(cls)
        roles = [c.labels.get("labkit.role") for c in containers]
        cls.__init__(lab, managers=max(1, roles.count("manager")), workers=roles.count("worker"), name=name,
                     quiet=quiet, reap=False)
        lab.mode = containers[0].labels.get("labkit.mode", "")
        lab._instance = containers[0].labels.get("labkit.instance", lab._instance)
        lab._network = client().networks.get(network_name(name))
        for c in sorted(containers, key=lambda c: c.labels.get("labkit.node", "")):
            hostname = c.labels["labkit.node"]
            lab._nodes[hostname] = Node(lab, hostname, c.labels.get("labkit.role", "worker"), c.labels.get("labkit.ip", ""))
        lab._running = True
        return lab

    # -- nodes -----------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between a successful start() and stop()."""
        return self._running

    @property
    def network_name(self) -> str:
        """The lab's private Docker network."""
        return network_name(self.name)

    @property
    def nodes(self) -> list[Node]:
        """Every node, managers first."""
        self._require_running()
        return list(self._nodes.values())

    def node(self, name: str) -> Node:
        """The node with this hostname (`manager1`, `worker2`, ...); UnknownNode lists the valid names."""
        self._require_running()
        if name not in self._nodes:
            raise UnknownNode(f"no node named {name!r} in lab {self.name!r}; nodes are: {', '.join(self._nodes)}")
        return self._nodes[name]

    def __getitem__(self, name: str) -> Node:
        return self.node(name)

    @property
    def manager(self) -> Node:
        """A manager that answers right now (the last one that did, else the first healthy one)."""
        for hostname in self._manager_candidates():
            node = self._nodes[hostname]
            if node.fault is None:
                return node
        raise LabkitError(f"no manager of lab {self.name!r} is running; start one with lab.node('manager1').start()")

    def _manager_candidates(self) -> list[str]:
        names = [n for n, node in self._nodes.items() if node.role == "manager"]
        names += [n for n in self._nodes if n not in names]  # promoted workers answer too
        if self._last_manager in names:
            names.remove(self._last_manager)
            names.insert(0, self._last_manager)
        return names

    def _require_running(self) -> None:
        if self._stopped:
            raise LabNotRunning(f"lab {self.name!r} has been stopped; start a new one with labkit.Lab().start()")
        if not self._running and not self._nodes:
            raise LabNotRunning(f"lab {self.name!r} is not started yet; call lab.start() first")

    def add_worker(self) -> Node:
        """Create one more worker node and join it to the swarm."""
        self._require_running()
        return add_node(self, "worker")

    def add_manager(self) -> Node:
        """Create one more manager node and join it to the swarm."""
        self._require_running()
        return add_node(self, "manager")

    def remove_node(self, name: str) -> None:
        """Take a node out of the swarm (leave, node rm) and delete its container and volume."""
        self._require_running()
        remove_node(self, name)

    # -- state ----------------------------------------------------------------------------------------

    def snapshot(self) -> SwarmSnapshot:
        """Nodes, services and tasks as one immutable snapshot, read from a reachable manager."""
        self._require_running()
        return read_snapshot(self)

    def wait(self, predicate: Callable[[SwarmSnapshot], bool], timeout: float = 60, what: str = "condition",
             interval: float = 0.5, quiet: bool = False) -> SwarmSnapshot:
        """Poll snapshots until predicate(snapshot) is true; TimeoutError with the last state otherwise."""
        t0 = time.monotonic()
        progress = None if quiet else self._progress.waiting(what, timeout)
        snap = self.snapshot()
        while not (snap.error is None and predicate(snap)):
            if time.monotonic() - t0 > timeout:
                if progress:
                    progress.fail()
                raise TimeoutError(f"{what}: not reached within {timeout:.0f} s. Last state: {snap.describe()}")
            if progress:
                progress.tick()
            time.sleep(interval)
            snap = self.snapshot()
        if progress:
            progress.done()
        return snap

    def wait_service(self, service: str, running: int, timeout: float = 90) -> SwarmSnapshot:
        """Wait until `running` tasks of a service are running (e.g. after `docker service create`)."""
        return self.wait(lambda s: len(s.running(service)) == running, timeout=timeout,
                         what=f"{running} running task(s) of {service}")

    @property
    def capabilities(self) -> Capabilities:
        """What this host supports (routing mesh/IPVS, encrypted overlay/ESP, privileged), measured in a node."""
        self._require_running()
        if self._capabilities is None:
            self._capabilities = measure_capabilities(self)
        return self._capabilities

    def http(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list[HttpReply]:
        """Send HTTP requests from inside the lab network to node:port; report who answered each."""
        return http_requests(self, node, port, path=path, count=count, timeout=timeout)

    # -- widgets (labkit.widgets renders snapshots; it never calls Docker itself) ---------------------

    def board(self, **kwargs):
        """The live task-placement board of this lab, with controls that act on it."""
        from .widgets import board

        return board(self, **kwargs)

    def traffic(self, service: str, port: int, **kwargs):
        """A load-balancing panel: who answers requests sent to a published port."""
        from .widgets import traffic

        return traffic(self, service, port, **kwargs)

    def timeline(self, **kwargs):
        """A scrolling timeline of node, leader and task changes in this lab."""
        from .widgets import timeline

        return timeline(self, **kwargs)

