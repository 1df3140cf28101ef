"""The watcher's link to its lab: a weak hold on it, and the two questions its thread asks it.

Both questions are answered without raising, since an exception must never leave the watcher's thread: a
snapshot that fails becomes an error snapshot saying why (the board shows it), and a lab that cannot say whether
it runs is taken to run (the engine may be restarting; watching on is the safe guess).
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable

from ..swarm.state import SwarmSnapshot
from ._protocol import LabView

__all__ = ["hold", "snapshot_of", "error_snapshot", "is_running"]


def hold(lab: LabView) -> Callable[[], LabView | None]:
    """A callable that returns the lab, or None once it was garbage-collected."""
    # A weak reference so a forgotten lab can be collected; fall back to a strong one.
    try:
        return weakref.ref(lab)
    except TypeError:
        return lambda: lab


def snapshot_of(lab: LabView | None, lab_name: str, errors: deque[str]) -> SwarmSnapshot:
    """The lab's snapshot, or an error snapshot with the first line of why not (the whole error goes to errors)."""
    if lab is None:
        return error_snapshot(lab_name, "the lab object no longer exists")
    try:
        return lab.snapshot()
    except Exception as exc:  # lab.snapshot() already tries every manager; show why it failed
        errors.append(f"{type(exc).__name__}: {exc}")
        return error_snapshot(lab_name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def error_snapshot(lab_name: str, error: str) -> SwarmSnapshot:
    """A snapshot of no manager: what the board shows when the lab gave no answer."""
    return SwarmSnapshot(lab=lab_name, taken_at=time.time(), manager=None, error=error, quorum=False)


def is_running(lab: LabView | None) -> bool:
    """Whether the lab runs: False once it is stopped or gone, True if asking fails."""
    if lab is None:
        return False
    try:
        return bool(lab.running)
    except Exception:  # asking may itself fail while the engine restarts: keep watching
        return True
