"""Waiting on the swarm: poll snapshots until a condition holds, showing progress to the learner."""

from __future__ import annotations

from collections.abc import Callable

from ..base.poll import poll
from .context import SILENT, LabState
from .snapshot import read_snapshot
from .state import SwarmSnapshot

__all__ = ["wait_for", "all_ready"]


def wait_for(
    state: LabState,
    predicate: Callable[[SwarmSnapshot], bool],
    *,
    timeout: float = 60,
    what: str = "condition",
    interval: float = 0.25,
    quiet: bool = False,
) -> SwarmSnapshot:
    """Poll snapshots until predicate(snapshot) is true; WaitTimeout naming `what` and the last state otherwise."""
    progress = (SILENT if quiet else state.report).waiting(what, timeout)
    try:
        snap = poll(
            lambda: read_snapshot(state),
            lambda s: s.error is None and bool(predicate(s)),
            timeout=timeout,
            what=what,
            interval=interval,
            show=lambda s: s.describe(),
            tick=progress.tick,
        )
    except BaseException:
        progress.fail()
        raise
    progress.done()
    return snap


def all_ready(names: list[str]) -> Callable[[SwarmSnapshot], bool]:
    """A predicate: every named node is in the swarm and Ready."""
    return lambda s: all(any(n.hostname == h and n.state == "ready" for n in s.nodes) for h in names)
