"""Learner-facing progress: the real commands, step results and waits, printed from the main thread only, in the
notebook's language (base/i18n.py: a command matches no message and stays as typed).

Output printed from a background thread would land in whatever notebook cell
runs next (ipykernel >= 7.1), so every method is silent off the main thread.
"""

from __future__ import annotations

import sys
import threading
import time

from ..base.i18n import tr

__all__ = ["Progress"]


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class Progress:
    """Prints what a lab is doing, in a form a learner can read and retype."""

    def __init__(self, quiet: bool = False, out=None, steps: bool = False):
        self.quiet = quiet
        self._out = out
        self.steps = steps  # the CLI numbers each start step; notebooks show only commands and results

    def _print(self, text: str, end: str = "\n") -> None:
        if self.quiet or not _main_thread():
            return
        out = self._out or sys.stdout
        out.write(text + end)
        out.flush()

    def title(self, text: str) -> None:
        """A heading for a long operation."""
        self._print(tr(text))

    def begin(self, step: str, index: int, total: int) -> None:
        """A start step begins (printed only when `steps` is on)."""
        if self.steps:
            self._print(f"[{index}/{total}] {step}")

    def line(self, text: str) -> None:
        """An informational line."""
        self._print(f"  {tr(text)}")

    def step(self, text: str) -> None:
        """A finished step."""
        self._print(f"  ✓ {tr(text)}")

    def command(self, node: str, cmd: str) -> None:
        """A docker command being run inside a node, shown as the learner would type it."""
        self._print(f"  [{node}] $ {cmd}")

    def done(self, text: str, seconds: float) -> None:
        """The end of a long operation."""
        self._print(f"✓ {tr(text)} ({seconds:.1f} s)")

    def waiting(self, what: str, timeout: float) -> Waiter:
        """Start showing a wait: a line, a dot every 2 s, then the outcome."""
        return Waiter(self, what, timeout)


class Waiter:
    """Progress of one wait; tick() as often as you like, a dot is printed every 2 s."""

    def __init__(self, progress: Progress, what: str, timeout: float):
        self._p = progress
        self._t0 = self._last = time.monotonic()
        self._p._print(tr(f"⏳ waiting for {what} (up to {timeout:.0f} s) "), end="")

    def tick(self) -> None:
        """Called on every poll."""
        if time.monotonic() - self._last >= 2:
            self._last = time.monotonic()
            self._p._print(".", end="")

    def done(self) -> None:
        """The condition was reached."""
        self._p._print(tr(f" ✓ after {time.monotonic() - self._t0:.1f} s"))

    def fail(self) -> None:
        """The wait timed out."""
        self._p._print(tr(" ✗ timed out"))
