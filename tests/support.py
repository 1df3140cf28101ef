"""Helpers shared by the unit, integration and browser tests."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from labkit.base.errors import WaitTimeout
from labkit.base.poll import poll

# The only wall-clock bound a test may assert: far above what any loaded machine takes, so it catches a hang and never
# a slow run. How fast something is, benchmarks/ measures against a baseline in the same run.
HANG = 60.0


def wait_until(
    cond: Callable[[], Any],
    timeout: float,
    what: str,
    *,
    interval: float = 0.1,
    on_timeout: Callable[[], None] | None = None,
) -> Any:
    """Poll cond() until it returns something truthy and return it; AssertionError naming `what` otherwise.

    The loop is labkit's one wait loop (`labkit.base.poll`), so a test's timeout reads like labkit's own: what it
    waited for and the value it saw last.
    """
    try:
        return poll(cond, bool, timeout=timeout, what=what, interval=interval)
    except WaitTimeout as exc:
        if on_timeout is not None:
            on_timeout()  # e.g. save a screenshot before failing
        raise AssertionError(str(exc)) from None


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


def two_nginx_tasks_run(labkit: Callable[..., Any], lab: str) -> None:
    """Through `labkit exec` (labkit(*args) runs the CLI), create the tutorial's 2-replica nginx on a lab and
    assert both tasks run: the proof, on an engine just set up, that images and the registry serve a service."""
    create = labkit("exec", lab, "manager1", "--", "docker", "service", "create", "--name", "nginx", "--replicas", "2",
                    "nginx")  # fmt: skip
    assert create.returncode == 0, create.stdout + create.stderr  # the CLI waits until both tasks run
    ps = labkit("exec", lab, "manager1", "--", "docker", "service", "ps", "nginx", "--format", "{{.CurrentState}}")
    assert ps.stdout.count("Running") == 2, ps.stdout


def interruptible() -> None:
    """Popen's preexec_fn for a child the test will Ctrl-C: SIGINT back to its default, so Python in the child turns
    it into KeyboardInterrupt. A shell without job control starts its background commands with SIGINT ignored
    (`./run test &` in a script, nohup), every child inherits that, and Python then installs no handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
