"""What a terminal would show: a command's output on a pseudo-terminal, rendered as text for a notebook cell.

Docker's progress displays (`docker service create`, `scale`, `update` without --detach) redraw a few lines
in place with cursor moves. Written to a cell as a stream, every redraw becomes new lines: a 2-replica
service prints ~30 "verify: Waiting 3 seconds..." lines. Fed to a terminal emulator (pyte) instead, the cell
shows the screen a terminal would, updated in place while the command runs, and the final screen stays.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pyte
from pyte.screens import Margins

__all__ = ["COLUMNS", "LINES", "CellScreen", "TerminalText"]

# Wide enough that Docker's tables (`service ls` with long image names, `service ps` with its error column) are
# not wrapped: a cell scrolls sideways, a terminal would wrap. Docker draws its progress bars at a fixed width
# (about 50 columns) once the terminal has 110 or more, so they do not grow with it.
COLUMNS = 200
# Tall enough that a progress display with one line per task (up to ~48 tasks) fits on the screen, where
# its cursor moves can reach it; lines above it that scroll off the top are kept (TerminalText.scrolled).
LINES = 50


class _KeepingScreen(pyte.Screen):
    """A pyte screen that keeps the lines scrolling off its top, as a terminal's scrollback does."""

    def __init__(self, columns: int, lines: int):
        super().__init__(columns, lines)
        self.scrolled: list[str] = []

    def index(self) -> None:
        """Move down a line; at the bottom of a full-screen scroll region, keep the top line before it goes."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        if self.cursor.y == bottom and top == 0:  # lines leaving a smaller region are gone on a terminal too
            self.scrolled.append(_line_text(self.buffer[0]))
        super().index()


def _line_text(line: Any) -> str:
    """A screen line as text; a wide character's second cell holds "" in pyte, so a plain join is right."""
    if not line:
        return ""
    return "".join(line[x].data for x in range(max(line) + 1)).rstrip()


class TerminalText:
    """A terminal emulator fed a command's output; text() is what a terminal shows, its scrollback included."""

    def __init__(self, columns: int = COLUMNS, lines: int = LINES):
        self.screen = _KeepingScreen(columns, lines)
        self._stream = pyte.Stream(self.screen)

    @property
    def window(self) -> tuple[int, int]:
        """(rows, columns): the size to give the command's terminal, so that it draws for this screen."""
        return self.screen.lines, self.screen.columns

    def feed(self, text: str) -> None:
        """Take output as the command printed it (escape sequences, `\\r`, split anywhere)."""
        self._stream.feed(text)

    def text(self) -> str:
        """The scrolled-off lines and the screen, without trailing spaces or trailing blank lines."""
        buffer = self.screen.buffer
        shown = [_line_text(buffer[y]) if y in buffer else "" for y in range(self.screen.lines)]
        lines = self.screen.scrolled + shown
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)


class CellScreen:
    """A command's terminal shown in the cell's output area: updated in place (at most every `interval` seconds)
    while it runs, and its final screen left behind; with live=False only the final screen, printed at the end.

    Used as the `stream` of a command run with tty=True (write/flush); finish() shows the last state.
    """

    def __init__(self, live: bool, *, interval: float = 0.1, columns: int = COLUMNS, lines: int = LINES):
        self.terminal = TerminalText(columns, lines)
        self.live = live
        self._interval = interval
        self._lock = threading.Lock()  # the timer thread shows the screen while the command's output comes in
        self._timer: threading.Timer | None = None
        self._handle: Any = None  # IPython's DisplayHandle once something was shown
        self._shown = ""
        self._last = float("-inf")  # the first output is shown at once
        self._finished = False

    @property
    def window(self) -> tuple[int, int]:
        """(rows, columns) of the terminal the command should get."""
        return self.terminal.window

    def write(self, text: str) -> int:
        """Feed output to the terminal; show it now, or soon if it was shown less than `interval` ago."""
        with self._lock:
            self.terminal.feed(text)
            if not self.live or self._finished:
                return len(text)
            wait = self._last + self._interval - time.monotonic()
            if wait <= 0:
                self._show()
            elif self._timer is None:  # output that then pauses must not stay unshown until the next write
                self._timer = threading.Timer(wait, self._later)
                self._timer.daemon = True
                self._timer.start()
        return len(text)

    def flush(self) -> None:
        """Nothing to do: write() decides when the cell is updated."""

    def text(self) -> str:
        """What the terminal shows now, scrollback included."""
        with self._lock:
            return self.terminal.text()

    def finish(self) -> None:
        """Show the final screen (also after Ctrl-C); later writes are not shown."""
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.live:
                self._show()
            elif text := self.terminal.text():
                print(text)

    def _later(self) -> None:
        with self._lock:
            self._timer = None
            if not self._finished:
                self._show()

    def _show(self) -> None:
        """Put the screen in the cell (the caller holds the lock); nothing is shown until there is output."""
        from IPython.display import display

        self._last = time.monotonic()
        text = self.terminal.text()
        if text == self._shown:
            return
        self._shown = text
        bundle = {"text/plain": text}  # plain text, so saved notebooks and nbval see what the learner saw
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
