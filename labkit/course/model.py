"""What the course is made of: notebooks, their sections, and checks (lesson steps' and exercises') with
pure verdicts.

A check's verdict is a pure function of Evidence (a snapshot plus raw Engine
API lists) returning a Verdict: passed, failed with a reason ("what I saw; what
I expected"), or waiting (what the learner had to set is right, and the swarm is
still converging). Everything here is data; `runner` does the I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base.errors import InvalidInput
from ..swarm.state import SwarmSnapshot

__all__ = [
    "probe_key",
    "Evidence",
    "Verdict",
    "Step",
    "Section",
    "Check",
    "NotebookPlan",
    "passed",
    "failed",
    "waiting",
]


def probe_key(node: str, command: str) -> str:
    """How a probe's output is filed in Evidence.outputs."""
    return f"{node}: {command}"


@dataclass(frozen=True)
class Evidence:
    """What a check may look at: one snapshot, the raw Engine API lists it asked for, and the host's capabilities."""

    snapshot: SwarmSnapshot
    api: Mapping[str, Any] = field(default_factory=dict)
    routing_mesh: bool = False  # IPVS: whether ingress publishing and VIPs can answer on this host
    encrypted_overlay: bool = False  # IPsec ESP: whether encrypted overlays carry traffic between nodes here
    outputs: Mapping[str, Any] = field(default_factory=dict)  # probe "node: command" -> {"exit": int, "out": str}

    def output(self, node: str, command: str) -> str:
        """What a probe printed (stdout and stderr); "" if it could not run."""
        return str((self.outputs.get(probe_key(node, command)) or {}).get("out", ""))

    def exit_code(self, node: str, command: str) -> int | None:
        """A probe's exit code (None if it could not run, e.g. the node is down)."""
        return (self.outputs.get(probe_key(node, command)) or {}).get("exit")

    def services(self) -> list[dict]:
        """Raw `/services` items (full specs)."""
        return list(self.api.get("services") or [])

    def service_spec(self, name: str) -> dict | None:
        """The raw spec of one service, or None."""
        return next((s.get("Spec", {}) for s in self.services() if s.get("Spec", {}).get("Name") == name), None)

    def networks(self) -> list[dict]:
        """Raw `/networks` items."""
        return list(self.api.get("networks") or [])


@dataclass(frozen=True)
class Verdict:
    """A check's outcome: status "passed" | "failed" | "waiting", and one line saying what was seen."""

    status: str
    text: str

    @property
    def ok(self) -> bool:
        """True if the exercise is done."""
        return self.status == "passed"


def passed(text: str) -> Verdict:
    """The exercise is done; `text` says what the check saw."""
    return Verdict("passed", text)


def failed(text: str) -> Verdict:
    """Not done: `text` says what was seen and what was expected."""
    return Verdict("failed", text)


def waiting(text: str) -> Verdict:
    """What the learner had to set is right; the swarm is still converging (`text` says on what)."""
    return Verdict("waiting", text)


@dataclass(frozen=True)
class Step:
    """One thing a reset does to a lab: run a script on a node, or call a lab operation; `what` is shown."""

    what: str
    do: Callable[[Any], Any]


@dataclass(frozen=True)
class Section:
    """A part of a notebook that can be reached directly: its slug, heading, and the steps (from a fresh lab)
    that bring a lab to the state it starts from."""

    slug: str
    title: str
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Check:
    """A named check: a lesson step's (it proves the step worked) or an exercise's (the learner did the work).

    `verdict(evidence)` decides; `needs` lists the Engine API lists it reads beyond the snapshot ("mesh" asks
    whether the host has IPVS, "esp" whether it has IPsec ESP); `probes` are read-only commands it runs in nodes
    (netstat, a certificate, a DNS lookup) for what only a node can see. `unsolved` is a part of the reason it gives
    when nothing was done yet (CI proves it). `wait` bounds how long it waits for the swarm to converge once the
    intent is right. An exercise also has hints and a solution: the exact cell a learner would write (a `%%node`
    cell, or Python for a board exercise); `wrong` pairs a wrong answer's cell with a part of the reason it gets.
    """

    id: str
    section: str
    title: str  # a few words for the course map; the goal statement itself lives in the notebook
    verdict: Callable[[Evidence], Verdict]
    unsolved: str
    hints: tuple[str, ...] = ()
    solution: str = ""
    needs: tuple[str, ...] = ()
    probes: tuple[tuple[str, str], ...] = ()  # read-only commands run in nodes: (node, command)
    board: bool = False
    wait: float = 60.0
    wrong: tuple[tuple[str, str], ...] = ()

    @property
    def notebook(self) -> str:
        """ "04" for "04-web-on-workers"."""
        return self.id[:2]

    @property
    def is_exercise(self) -> bool:
        """True for an exercise (it has a solution), False for a lesson step's check."""
        return bool(self.solution)


@dataclass(frozen=True)
class NotebookPlan:
    """One notebook: its number, title, lab shape and name, sections in order, and exercises."""

    number: str
    title: str
    file: str
    managers: int
    workers: int
    sections: tuple[Section, ...]
    checks: tuple[Check, ...] = ()
    swarm: bool = True

    @property
    def exercises(self) -> tuple[Check, ...]:
        """The checks that are exercises, in notebook order."""
        return tuple(c for c in self.checks if c.is_exercise)

    @property
    def lab_name(self) -> str:
        """The lab this notebook runs on, e.g. "nb04"."""
        return f"nb{self.number}"

    def section(self, slug: str) -> Section:
        """The section with this slug; InvalidInput listing the slugs otherwise."""
        for s in self.sections:
            if s.slug == slug:
                return s
        raise InvalidInput(
            f"notebook {self.number} has no section {slug!r}; use one of: " + ", ".join(s.slug for s in self.sections)
        )
