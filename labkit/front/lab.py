"""`labkit.Lab`: a real Docker Swarm made of Docker-in-Docker nodes on one private network.

The Lab is a thin facade: its state is one LabState, and every operation is a
function of the swarm layer that receives it (a start is run by swarm/runner.py).
This module adds only what belongs to a process: the registry of labs started or
attached here, which `%%node` and `current_lab()` use. Nothing is stored outside
Docker: labels and deterministic names let any process find, inspect and
remove a lab (`Lab.attach`).
"""

from __future__ import annotations

import threading
import time

from ..base.errors import LabAlreadyStarted, LabNotRunning, UnknownNode
from ..base.facts import LAB_HEARTBEAT, check_shape, lab_stopped, new_lab_name, no_lab, validate_lab_name
from ..host import teardown
from ..host.inventory import find_labs
from ..swarm import membership, prepared
from ..swarm.attach import state_from_objects
from ..swarm.context import LabPhase, LabState, Reporter
from ..swarm.node import Node
from ..swarm.runner import Timings, run_start
from ..swarm.steps import REMOVE_PREVIOUS, Step, start_steps
from .lab_views import LabViews
from .progress import Progress

__all__ = ["Lab", "current_lab"]

_started: list[Lab] = []  # labs started or attached in this process, newest last (for %%node)
_lock = threading.Lock()


def current_lab(name: str | None = None) -> Lab:
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


class Lab(LabViews):
    """A swarm of `managers` + `workers` Docker-in-Docker nodes.

    Use it as a context manager (`with Lab() as lab:`) or call `start()` and
    `stop()`. `heartbeat` is passed to `docker swarm init --dispatcher-heartbeat`
    so that a failed node is noticed in seconds. With `swarm=False` the nodes'
    engines start but no swarm is formed (for a lesson where the learner runs
    `docker swarm init` and the joins). `replace=True` removes an existing lab of
    the same name first; `retain=True` keeps a lab whose start failed, for debugging.
    `report` receives the progress (default: printed, unless `quiet`).
    """

    def __init__(
        self,
        managers: int = 1,
        workers: int = 2,
        name: str | None = None,
        *,
        retain: bool = False,
        heartbeat: str | None = LAB_HEARTBEAT,
        quiet: bool = False,
        replace: bool = False,
        swarm: bool = True,
        report: Reporter | None = None,
    ):
        check_shape(managers, workers)
        name = validate_lab_name(name) if name is not None else new_lab_name()
        self._state = LabState(name, managers, workers, heartbeat, swarm, report=report or Progress(quiet=quiet))
        self.retain = retain
        self.replace = replace
        self._capabilities = None  # measured on first use (LabViews.capabilities)
        self.timings: Timings = []  # (start step, seconds): where a cold start's time went

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, nodes={list(self._state.nodes) or list(self.shape)}, {self._state.phase.value})"

    # -- identity ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The lab's name (containers are `<name>-manager1`, ...)."""
        return self._state.name

    @property
    def shape(self) -> tuple[int, int]:
        """(managers, workers) asked for at start."""
        return self._state.managers, self._state.workers

    @property
    def heartbeat(self) -> str | None:
        """The dispatcher heartbeat the swarm was created with (lab tuning), None for Docker's default."""
        return self._state.heartbeat

    @property
    def mode(self) -> str:
        """How nodes run on this engine: "privileged" or "restricted" ("" before start)."""
        return self._state.mode.name if self._state.mode else ""

    @property
    def reporter(self) -> Reporter:
        """Where this lab's progress goes (commands, steps, waits)."""
        return self._state.report

    @property
    def running(self) -> bool:
        """True between a successful start() (or attach) and stop()."""
        return self._state.phase is LabPhase.RUNNING

    @property
    def network_name(self) -> str:
        """The lab's private Docker network."""
        return self._state.network_name

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> Lab:
        """Create the nodes and form the swarm (or take this name's prepared lab); on failure remove what was made."""
        return self._start(prepare=False)

    def prepare(self) -> None:
        """Start this lab in advance, marked prepared: the next `start()` of its name (in any process) takes it at
        once. This object is then done with; the lab waits on the engine (`labkit status` lists it)."""
        self._start(prepare=True)
        self._state.enter(LabPhase.STOPPED)

    def _start(self, prepare: bool) -> Lab:
        state = self._state
        if state.phase is not LabPhase.NEW:
            raise LabAlreadyStarted(
                f"lab {self.name} was already started; create a new Lab() to start another, "
                "or call lab.rebuild() to start this one again fresh"
            )
        state.enter(LabPhase.STARTING)
        report = state.report
        t0 = time.monotonic()
        taken = None if prepare else prepared.take(state)
        if taken is not None:
            self._state = state = taken
            self._register()
            report.done(
                f"lab {self.name!r} is ready: it was prepared in advance ({len(state.nodes)} nodes)",
                time.monotonic() - t0,
            )
            return self
        size = f"{state.managers} manager(s), {state.workers} worker(s)"
        # Whole sentences, so that each is a message to translate (base/i18n_extract.py)
        report.title(f"Preparing lab {self.name!r}: {size}" if prepare else f"Starting lab {self.name!r}: {size}")
        steps = start_steps(self.replace, state.swarm, in_advance=prepare)
        run_start(state, steps, retain=self.retain, timings=self.timings, before=self._before_step)
        self._register()
        what = f"{len(state.nodes)} nodes Ready" if state.swarm else f"{len(state.nodes)} engines up, no swarm yet"
        done = f"lab {self.name!r} is prepared: {what}" if prepare else f"lab {self.name!r} is ready: {what}"
        report.done(done, time.monotonic() - t0)
        return self

    def _before_step(self, step: Step) -> None:
        if step is REMOVE_PREVIOUS:  # it removes the nodes of this process's other Lab objects of that name
            self._retire_namesakes()

    def _register(self) -> None:
        with _lock:
            if self not in _started:
                _started.append(self)

    def rebuild(self) -> Lab:
        """Remove this lab and start it again, fresh, with the same name and shape (this same Lab object)."""
        s = self._state
        teardown.remove_lab(self.name)
        self._state = LabState(s.name, s.managers, s.workers, s.heartbeat, s.swarm, report=s.report)
        self._capabilities, self.timings = None, []
        return self.start()

    def stop(self) -> None:
        """Remove every container, volume and the network of this lab (safe to call twice)."""
        was_running = self.running
        self._state.enter(LabPhase.STOPPED)
        teardown.remove_lab(self.name)
        if was_running:
            self._state.report.line(f"lab {self.name!r} removed")

    def _retire_namesakes(self) -> None:
        """Mark this process's other Lab objects of the same name stopped: replace=True removes their nodes."""
        with _lock:
            for other in _started:
                if other is not self and other.name == self.name:
                    other._state.enter(LabPhase.STOPPED)

    def __enter__(self) -> Lab:
        if self._state.phase is LabPhase.NEW:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.retain:
            self.stop()

    @classmethod
    def attach(cls, name: str, quiet: bool = True) -> Lab:
        """A Lab object for a lab started elsewhere (another process, the CLI), rebuilt from its labels."""
        validate_lab_name(name)
        objs = find_labs(name).get(name)
        if objs is None or not objs.containers:
            raise LabNotRunning(no_lab(name))
        lab = cls.__new__(cls)
        lab._state = state_from_objects(objs, Progress(quiet=quiet))
        lab.retain, lab.replace, lab._capabilities, lab.timings = False, False, None, []
        with _lock:
            _started.append(lab)
        return lab

    # -- nodes ------------------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """Every node, managers first (as created)."""
        self._require_running()
        return [Node(self._state, h) for h in self._state.nodes]

    def node(self, name: str) -> Node:
        """The node with this hostname (`manager1`, `worker2`, ...); UnknownNode lists the valid names."""
        self._require_running()
        if not isinstance(name, str) or name not in self._state.nodes:
            shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
            raise UnknownNode(f"no node named {shown} in lab {self.name!r}; nodes are: {', '.join(self._state.nodes)}")
        return Node(self._state, name)

    def __getitem__(self, name: str) -> Node:
        return self.node(name)

    @property
    def manager(self) -> Node:
        """A manager that answers right now (the last one that did, else the first healthy one)."""
        self._require_running()
        return membership.a_manager(self._state)

    def add_worker(self) -> Node:
        """Create one more worker node and join it to the swarm."""
        self._require_running()
        return membership.add_node(self._state, "worker")

    def add_manager(self, join: bool = True) -> Node:
        """Create one more manager node and join it to the swarm; join=False leaves it a fresh engine outside any
        swarm (a spare machine: a swarm can be restored on it from a backup)."""
        self._require_running()
        return membership.add_node(self._state, "manager", join=join)

    def remove_node(self, name: str) -> None:
        """Take a node out of the swarm (leave, node rm) and delete its container and volume."""
        self.node(name)
        membership.remove_node(self._state, name)

    def _require_running(self) -> None:
        phase = self._state.phase
        if phase is LabPhase.STOPPED:
            raise LabNotRunning(lab_stopped(self.name))
        if phase is LabPhase.NEW:
            raise LabNotRunning(f"lab {self.name!r} is not started yet; call lab.start() first")
