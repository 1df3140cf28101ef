"""Building blocks of section resets: each a Step that shows the real command it stands for."""

from __future__ import annotations

from collections.abc import Callable

from ..swarm.state import SwarmSnapshot
from .model import Step

__all__ = ["sh", "add_worker", "add_manager", "wait", "wait_service", "fault"]


def sh(node: str, script: str) -> Step:
    """Run a shell script in a node, as a `%%node` cell would."""
    return Step(f"[{node}] $ {script}", lambda lab: lab.node(node).sh(script))


def add_worker() -> Step:
    """Add a worker (it joins the swarm) as `lab.add_worker()` does."""
    return Step("lab.add_worker()", lambda lab: lab.add_worker())


def add_manager() -> Step:
    """Add a manager, as `lab.add_manager()` does."""
    return Step("lab.add_manager()", lambda lab: lab.add_manager())


def wait(predicate: Callable[[SwarmSnapshot], bool], what: str, timeout: float = 90) -> Step:
    """Wait until the swarm is in a state (quietly: the reset shows one line per step)."""
    return Step(f"wait for {what}", lambda lab: lab.wait(predicate, timeout=timeout, what=what, quiet=True))


def wait_service(service: str, running: int, timeout: float = 90) -> Step:
    """Wait until `running` tasks of a service run."""
    return wait(lambda s: len(s.running(service)) == running, f"{running} running task(s) of {service}", timeout)


def fault(node: str, action: str) -> Step:
    """A fault done from the host (kill, stop, pause, disconnect ...), as the node's method does."""
    return Step(f"lab.node({node!r}).{action}()", lambda lab: getattr(lab.node(node), action)())
