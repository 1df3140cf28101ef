"""The course map widget: every exercise of the course, done or not, as `labkit progress` prints it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ._assets import css, esm
from ._labels import labels

__all__ = ["CourseMap"]


class CourseMap(anywidget.AnyWidget):
    """A table of the course's exercises (done, hints, solution seen); the refresh button re-reads progress."""

    _esm = esm("course_map")
    _css = css("course_map")

    rows: traitlets.List[dict[str, str]] = traitlets.List().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)  # its words in the notebook's language (_labels.py)

    def __init__(self, read_rows: Callable[[], list[dict[str, str]]], **kwargs: Any):
        super().__init__(rows=read_rows(), labels=labels(), **kwargs)
        self._read_rows = read_rows
        self.on_msg(self._on_front_msg)

    def __repr__(self) -> str:
        return f"CourseMap({sum(r.get('done') == '✓' for r in self.rows)} of {len(self.rows)} exercises done)"

    def refresh(self) -> CourseMap:
        """Read the progress store again."""
        self.rows = self._read_rows()
        return self

    def _on_front_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "refresh":
            self.refresh()
