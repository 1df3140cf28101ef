"""`lab.board()`: the live task-placement board with controls that act on the real lab."""

from __future__ import annotations

import threading
import time
from typing import Any

import anywidget
import traitlets

from ..base.i18n import tr
from ..swarm.state import SwarmSnapshot
from ._actions import ActionRunner
from ._assets import css, esm
from ._labels import labels
from ._model import ColorBook, MarkTracker, board_model, status_model
from ._protocol import LabView
from ._watcher import Watcher, watcher_for

__all__ = ["DockedBoard", "SwarmBoard", "board"]

LOG_SIZE = 30  # actions kept in the widget's log


class SwarmBoard(anywidget.AnyWidget):
    """One column per node, one card per task, live; buttons that break and repair the swarm.

    The background watcher assigns `swarm` (only when the swarm changed) and
    `status` (every tick: clock, answering manager, "no quorum"). Clicks in the
    browser arrive as custom messages and run on an action thread.
    """

    _esm = esm("board")
    _css = css("board")

    lab_name = traitlets.Unicode("").tag(sync=True)
    swarm = traitlets.Dict().tag(sync=True)  # nodes, services, task cards (see _model.board_model)
    status = traitlets.Dict().tag(sync=True)  # see _model.status_model
    log: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)  # actions run from the board, newest last
    history = traitlets.Bool(False).tag(sync=True)  # show shutdown/failed tasks too
    service_filter = traitlets.Unicode("").tag(sync=True)  # "" = all services
    controls = traitlets.Bool(True).tag(sync=True)  # show the buttons and sliders
    labels = traitlets.Dict().tag(sync=True)  # its words in the notebook's language (_labels.py)

    def __init__(
        self,
        lab: LabView,
        *,
        history: bool = False,
        service: str = "",
        controls: bool = True,
        watcher: Watcher | None = None,
        hold: float = 4.0,
        **kwargs: Any,
    ):
        super().__init__(
            lab_name=str(lab.name),
            history=history,
            service_filter=service,
            controls=controls,
            labels=labels(),
            **kwargs,
        )
        self._lab = lab
        self._watcher = watcher or watcher_for(lab)
        self._marks = MarkTracker(hold=hold)
        self._colors = ColorBook()
        self._last_good: SwarmSnapshot | None = None
        self._log_lock = threading.Lock()
        self._runner = ActionRunner(lab, self._on_report)
        self._node_count = len(lab.nodes)
        self._panel: Any = None  # the sidecar panel it is docked in, if any
        self.on_msg(self._on_front_msg)
        # Paint at once from what the watcher knows (or one snapshot now) so the
        # first render is never empty, then follow the watcher.
        if self._watcher.latest is None:
            self._watcher.tick()
        self._apply(self._watcher.latest)
        self._watcher.subscribe(self._on_watch)

    def __repr__(self) -> str:
        # nbval compares text/plain: only values that do not change from run to run.
        return f"SwarmBoard(lab={self.lab_name!r}, nodes={self._node_count})"

    # -- from the watcher (background thread): assign traits only ---------
    def _on_watch(self, snapshot: SwarmSnapshot | None, events: list) -> None:
        if snapshot is not None:
            self._apply(snapshot)
        elif self._watcher.waiting():
            # No answer yet: keep the clock moving and say we are waiting, rather than freeze.
            waited = max(1, round(self._watcher.waiting()))
            self.status = dict(self.status, time=time.strftime("%H:%M:%S"), waiting=waited)

    def _apply(self, snapshot: SwarmSnapshot | None) -> None:
        now = self._watcher.clock()  # marks last `hold` seconds by the watcher's clock (a fake one in unit tests)
        if snapshot is not None and snapshot.error is None:
            self._marks.update(snapshot, now)
            self._last_good = snapshot
        else:
            self._marks.expire(now)
        shown = self._last_good or SwarmSnapshot(lab=self.lab_name, taken_at=time.time(), manager=None)
        swarm = board_model(shown, self._marks, self._colors)
        stopped = "lab stopped" if self._watcher.stopped_reason == "lab stopped" else None
        status = status_model(snapshot, self._last_good, stopped)
        with self.hold_sync():
            if swarm != self.swarm:
                self.swarm = swarm
            if status != self.status:
                self.status = status

    # -- from the browser -------------------------------------------------
    def _on_front_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "action":
            self.act(str(content.get("action", "")), str(content.get("target", "")), content.get("value"))
        elif content.get("type") == "refresh":
            self._watcher.poke()

    def act(self, action: str, target: str, value: Any = None) -> dict:
        """Run a control as if clicked: e.g. `board.act("drain", "worker2")`, `board.act("scale", "web", 5)`.

        Returns the log entry at once; the action runs on a background thread
        (use `wait()` to block until it is done).
        """
        return self._runner.submit(action, target, value)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until every action started from this board has finished."""
        return self._runner.wait(timeout)

    def _on_report(self, entry: dict) -> None:
        with self._log_lock:
            log = [e for e in self.log if e.get("id") != entry["id"]] + [entry]
            self.log = log[-LOG_SIZE:]
        if entry["status"] in ("ok", "error"):
            mark = "✓" if entry["status"] == "ok" else "✗"
            text = f"{mark} {entry['command']}"
            if entry["status"] == "error" and entry.get("output"):
                text += f": {entry['output'].splitlines()[-1]}"
            level = "info" if entry["status"] == "ok" else "error"
            self._watcher.record(text, "action", level, entry.get("target", ""))
            self._watcher.poke()  # show the consequence now, not at the next tick

    def refresh(self) -> SwarmBoard:
        """Ask the watcher for a snapshot now."""
        self._watcher.poke()
        return self

    def close(self) -> None:
        """Stop following the lab (the watcher stops when its last widget closes)."""
        self._watcher.unsubscribe(self._on_watch)
        if self._panel is not None:
            self._panel.close()
            self._panel = None
        super().close()

    def dock(self) -> DockedBoard:
        """Show the board in a panel of its own beside the notebook (JupyterLab's sidecar), not in the cell.

        Docking again (a re-run cell) closes the earlier panel: one board panel per board, never a pile.
        """
        from sidecar import Sidecar  # type: ignore[import-untyped]

        if self._panel is not None:
            self._panel.close()  # the learner may have closed its tab: a new panel always shows
        # split-right: JupyterLab splits the main area and puts the panel to the right of the notebook.
        self._panel = Sidecar(title=tr(f"Swarm board: {self.lab_name}"), anchor="split-right")
        # The display message is built by hand, as ipywidgets builds it, so docking needs no IPython shell.
        view = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        data = {"text/plain": repr(self), "application/vnd.jupyter.widget-view+json": view}
        self._panel.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)
        return DockedBoard(self)


class DockedBoard:
    """What `board(lab, side=True)` returns: a short line for the cell; the board itself is in its panel.

    Every public attribute of the board (`act`, `wait`, `refresh`, `log`, …) is reachable through it.
    """

    def __init__(self, board: SwarmBoard):
        self.board = board

    def __getattr__(self, name: str) -> Any:
        # Underscore names stay out: IPython would otherwise find the widget's `_repr_mimebundle_` and draw the
        # board in the cell as well.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.board, name)

    def __repr__(self) -> str:
        # The board's own repr stays as it is (nbval compares it); the sentence after it is for the learner.
        return tr(f"{self.board!r} → docked beside the notebook, in the tab 'Swarm board: {self.board.lab_name}'")


def board(
    lab: LabView,
    *,
    history: bool = False,
    service: str = "",
    controls: bool = True,
    side: bool = False,
    watcher: Watcher | None = None,
) -> SwarmBoard | DockedBoard:
    """The live board of a lab: `board(lab, history=False, service="", controls=True, side=False)`.

    `side=True` docks it in a panel to the right of the notebook (see `SwarmBoard.dock`), so it stays in view
    while the notebook scrolls. Asking again with the same options returns the same (open) board, so
    re-running a cell does not pile up boards that all follow the swarm.
    """
    w = watcher or watcher_for(lab)
    shown = w.shared(
        ("board", history, service, controls),
        lambda: SwarmBoard(lab, history=history, service=service, controls=controls, watcher=w),
    )
    return shown.dock() if side else shown
