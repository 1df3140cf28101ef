"""`lab.timeline()`: a scrolling, timestamped list of what happened to the swarm.

Events come from the lab's shared watcher (snapshot diffs) and from the
widgets (actions, traffic runs), so a node-failure or rolling-update lesson
can be read after the fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anywidget
import traitlets

from ..swarm.state import SwarmSnapshot
from ._assets import css, esm
from ._labels import labels
from ._protocol import LabView
from ._watcher import Watcher, watcher_for

__all__ = ["Timeline", "timeline", "format_events"]


def format_events(events: Iterable[dict]) -> str:
    """Plain-text form of events, one per line: `10:02:03  node     worker2 is down (was ready)`."""
    return "\n".join(f"{e['time']}  {e['kind']:<8} {e['text']}" for e in events)


class Timeline(anywidget.AnyWidget):
    """Newest events at the bottom; the browser keeps it scrolled there unless the learner scrolls up."""

    _esm = esm("timeline")
    _css = css("timeline")

    lab_name = traitlets.Unicode("").tag(sync=True)
    events: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)  # see _diff.make_event
    kinds: traitlets.List[str] = traitlets.List().tag(sync=True)  # kinds to show; empty = all
    height = traitlets.Unicode("16em").tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)  # its words in the notebook's language (_labels.py)

    def __init__(
        self,
        lab: LabView,
        *,
        kinds: Iterable[str] = (),
        limit: int = 300,
        height: str = "16em",
        watcher: Watcher | None = None,
        **kwargs: Any,
    ):
        super().__init__(lab_name=str(lab.name), kinds=list(kinds), height=height, labels=labels(), **kwargs)
        self._limit = limit
        self._watcher = watcher or watcher_for(lab)
        # Start with what the watcher already saw, so a timeline opened late still tells the story.
        self.events = list(self._watcher.events)[-limit:]
        self._watcher.subscribe(self._on_watch)

    def __repr__(self) -> str:
        return f"Timeline(lab={self.lab_name!r})"

    def _on_watch(self, _snapshot: SwarmSnapshot | None, events: list) -> None:
        if events:  # assign once per tick: one comm message, even for a burst of task changes
            self.events = (list(self.events) + list(events))[-self._limit :]

    def text(self, kinds: Iterable[str] = ()) -> str:
        """The events as plain text (for printing in a cell or checking in a test)."""
        wanted = set(kinds)
        return format_events(e for e in self.events if not wanted or e["kind"] in wanted)

    def clear(self) -> Timeline:
        """Forget the events shown so far (the watcher keeps its own history)."""
        self.events = []
        return self

    def close(self) -> None:
        """Stop following the lab (the watcher stops when its last widget closes)."""
        self._watcher.unsubscribe(self._on_watch)
        super().close()


def timeline(
    lab: LabView, *, kinds: Iterable[str] = (), limit: int = 300, height: str = "16em", watcher: Watcher | None = None
) -> Timeline:
    """The event timeline of a lab: `timeline(lab, kinds=("node", "task"), limit=300)`.

    The same options give the same (open) timeline, as for `board()`.
    """
    w = watcher or watcher_for(lab)
    return w.shared(
        ("timeline", tuple(kinds), limit, height),
        lambda: Timeline(lab, kinds=kinds, limit=limit, height=height, watcher=w),
    )
