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


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, what: str, alive: Callable[[], bool] = lambda: True) -> None:
    """Wait until url answers (AssertionError naming `what` otherwise, or as soon as `alive()` is false)."""
    import urllib.request

    def answers() -> bool:
        if not alive():
            raise AssertionError(f"{what}: the process ended")
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except OSError:
            return False

    wait_until(answers, timeout, what, interval=0.5)
