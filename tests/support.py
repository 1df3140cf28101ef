"""Helpers shared by the integration and browser tests."""

from __future__ import annotations

import time
from typing import Any, Callable


def wait_until(cond: Callable[[], Any], timeout: float, what: str, *, interval: float = 0.1,
               on_timeout: Callable[[], None] | None = None) -> Any:
    """Poll cond() until it returns something truthy and return it; AssertionError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(interval)
    if on_timeout is not None:
        on_timeout()  # e.g. save a screenshot before failing
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
