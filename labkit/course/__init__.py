"""The course front end: exercises checked against the live swarm, hints, solutions, progress and resets.

In a notebook (the first cell of every course notebook does this):

    import labkit
    from labkit.course import *
    %load_ext labkit
    lab = open_lab("04")                 # attaches to lab nb04 if it runs, else starts it

    check("04-web-on-workers")        # ✓ or ✗ with what it saw and what it expected
    hint("04-web-on-workers")         # the next hint; solution(...) comes after the last one
    reset("04", section="drain")         # the lab as that section starts, in seconds

Each check is a pure verdict over a snapshot and Engine API lists (see model.py), so it is unit-tested
on evidence recorded from real swarms; `labkit progress` shows the course map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .display import CheckResult, ExerciseNotDone
from .helpers import (
    all_faulted,
    down_after,
    endpoint_mode,
    engine_log,
    faulted,
    ip,
    join_token,
    leader,
    node_id,
    node_running,
    node_with,
    node_without,
    service_id,
    survivor,
    task,
)
from .reset import open_lab, reset
from .runner import check, hint, solution

if TYPE_CHECKING:
    from ..widgets import CourseMap


def course_map() -> CourseMap:
    """The course map as a widget: every exercise, done or not (the same as `labkit progress`)."""
    from ..widgets import CourseMap
    from .progress_cli import map_rows

    return CourseMap(map_rows)


# fmt: off
__all__ = [
    "check", "hint", "solution", "reset", "open_lab", "course_map", "ip", "join_token", "node_id", "service_id",
    "leader", "node_with", "node_without", "faulted", "all_faulted", "survivor", "node_running", "task",
    "engine_log", "down_after", "endpoint_mode", "CheckResult", "ExerciseNotDone",
]
# fmt: on
