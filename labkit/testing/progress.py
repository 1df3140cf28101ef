"""How a test swarm tells what it does: labkit's Reporter and Waiting, written to the `labkit.testing` logger.

A test prints nothing while its swarm starts; pytest shows these lines (the start's steps, the commands run in
the nodes, how each wait ended) with a failed test, where they say how far the start got.
"""

from __future__ import annotations

import logging

__all__ = ["LogReport", "LogWait", "log"]

log = logging.getLogger("labkit.testing")


class LogReport:
    """A labkit Reporter that writes to the `labkit.testing` logger (pytest shows it with a failed test)."""

    def title(self, text: str) -> None:
        """Log a line."""
        log.info("%s", text)

    line = step = title

    def begin(self, step: str, index: int, total: int) -> None:
        """Log a start step."""
        log.info("[%d/%d] %s", index, total, step)

    def command(self, node: str, cmd: str) -> None:
        """Log a command run in a node."""
        log.info("%s$ %s", node, cmd)

    def done(self, text: str, seconds: float) -> None:
        """Log the end of a start."""
        log.info("%s (%.1f s)", text, seconds)

    def waiting(self, what: str, timeout: float) -> LogWait:
        """A wait: logged when it ends."""
        return LogWait(what)


class LogWait:
    """A labkit Waiting that logs how a wait ended."""

    def __init__(self, what: str) -> None:
        self.what = what

    def tick(self) -> None:
        """Nothing at each look."""

    def done(self) -> None:
        """Log the end of a wait."""
        log.info("waited for %s", self.what)

    def fail(self) -> None:
        """Log a wait that failed."""
        log.info("gave up waiting for %s", self.what)
