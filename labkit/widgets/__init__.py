"""Live widgets for a lab (the task board, the traffic panel and the event timeline) and the course map.

    board(lab)                 one column per node, one card per task, with controls
    traffic(lab, "web", 8080)  who answers requests to a published port
    timeline(lab)              what happened, with timestamps
    watcher_for(lab)           the one background watcher all of a lab's widgets share
    CourseMap(read_rows)       the course map: every exercise, done or not (`labkit.course.course_map()`)

`Lab.board()`, `Lab.traffic()` and `Lab.timeline()` call these.
"""

from __future__ import annotations

from ._board import SwarmBoard, board
from ._course_map import CourseMap
from ._protocol import LabView
from ._timeline import Timeline, timeline
from ._traffic import TrafficPanel, traffic
from ._watcher import Watcher, watcher_for

__all__ = [
    "board",
    "traffic",
    "timeline",
    "watcher_for",
    "SwarmBoard",
    "TrafficPanel",
    "Timeline",
    "Watcher",
    "CourseMap",
    "LabView",
]
