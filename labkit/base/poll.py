"""The one wait loop: observe, test, sleep, until done or out of time.

Every wait in labkit (an engine answering, a registry port, nodes Ready, a
service converging) goes through `poll`, so every timeout reads the same way:
what it waited for and what it saw last.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .errors import WaitTimeout

__all__ = ["poll"]

T = TypeVar("T")


def poll(
    observe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    interval: float = 0.2,
    show: Callable[[T], str] = repr,
    tick: Callable[[], None] | None = None,
) -> T:
    """Call observe() until done(observation) is true; return that observation.

    Raises WaitTimeout naming `what` and `show(last observation)` once `timeout`
    seconds have passed. `tick` is called after every unsuccessful look (a
    progress dot). Exceptions from observe() propagate: a wait never hides a
    real error.
    """
    deadline = time.monotonic() + timeout
    while True:
        seen = observe()
        if done(seen):
            return seen
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what}; last seen: {show(seen)}")
        if tick is not None:
            tick()
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
