"""The instructor's view of a room, computed from every learner's progress record (docs/progress-format.md).

Pure: a learner's record is read from a path the caller names, and the time is passed in, so it is tested on
synthetic records. Per learner: the current exercise (the latest one attempted and not passed), the checks passed,
hints and solutions used, and the checks they are stuck on: a check whose first failure since its last pass (or
ever) is more than `stuck_after` old. The record is written by the learner, so everything read from it is data:
size-capped, never followed outside the learner's own directory, and escaped by whoever shows it.

The format is read here rather than through labkit.course.progress: the workshop layer does not import the course
(tests/unit/test_layers.py), and the format is documented for other readers.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "SERVICE_NAME",
    "LearnerView",
    "STUCK_AFTER",
    "RECORD_NAMES",
    "parse_events",
    "read_record",
    "learner_view",
    "room_view",
    "homes_in",
    "as_json",
    "service_spec",
]

SERVICE_NAME = "labkit-dashboard"  # the hub service that shows this view: /services/labkit-dashboard/
FORMAT_VERSION = 1
STUCK_AFTER = timedelta(minutes=10)
MAX_BYTES = 4 * 2**20  # a record this long is a year of checks; a bigger file is someone's joke: read its tail
# Where a learner's record is, relative to the directory the caller names: a directory holding the record itself
# (the distributed room's progress claim), or the learner's home (one server: the default data directory).
RECORD_NAMES = ("progress.jsonl", ".local/share/labkit/progress.jsonl")


@dataclass(frozen=True)
class LearnerView:
    """One learner's row of the dashboard."""

    learner: str
    current: str | None = None  # latest exercise attempted and not passed
    passed: tuple[str, ...] = ()  # in the order they were first passed
    hints: int = 0
    solutions: int = 0
    attempts: int = 0
    stuck: dict[str, datetime] = field(default_factory=dict)  # check id → its first failure with no pass since
    last_activity: datetime | None = None
    problem: str | None = None  # why the record could not be read, if it could not


def _time(text: object) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_events(text: str) -> list[dict[str, Any]]:
    """The readable version-1 events of a record, in time order (a line that is not one is skipped)."""
    events = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("v") != FORMAT_VERSION:
            continue
        when = _time(entry.get("time"))
        if when is None or not isinstance(entry.get("exercise", ""), str):
            continue
        events.append({**entry, "time": when})
    return sorted(events, key=lambda e: e["time"])  # stable: same-second events keep their order in the file


def _record_path(source: Path) -> Path | None:
    """The record inside `source` (a file, or a directory as RECORD_NAMES says), if it stays inside it."""
    if not source.is_dir():
        return source if source.is_file() else None
    root = os.path.realpath(source)
    for name in RECORD_NAMES:
        candidate = source / name
        # A learner owns their directory: a symlink pointing out of it (at the server's files) is not followed.
        real = os.path.realpath(candidate)
        if os.path.commonpath([root, real]) == root and os.path.isfile(real):
            return Path(real)
    return None


def read_record(source: Path) -> tuple[list[dict[str, Any]], str | None]:
    """(events, problem) for one learner's file or directory; ([], None) when they have recorded nothing yet."""
    path = _record_path(source)
    if path is None:
        return [], None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device would hang or flood the dashboard
                return [], f"{path.name} is not a regular file"
            size = info.st_size
            if size > MAX_BYTES:
                f.seek(size - MAX_BYTES)
            data = f.read(MAX_BYTES)
    except OSError as exc:
        return [], f"cannot read {path.name}: {exc.strerror}"
    return parse_events(data.decode("utf-8", errors="replace")), None


def learner_view(
    learner: str,
    events: Iterable[Mapping[str, Any]],
    now: datetime,
    exercises: Collection[str] | None = None,
    stuck_after: timedelta = STUCK_AFTER,
) -> LearnerView:
    """One learner's row from their events. `exercises`: count only these check ids (None: every check)."""
    passed: list[str] = []
    hints = solutions = attempts = 0
    failing_since: dict[str, datetime] = {}  # check id → first failure since its last pass
    last_check: dict[str, tuple[datetime, int]] = {}  # check id → (time, attempt number) of its latest check
    last: datetime | None = None
    for e in events:
        exercise, kind, when = e.get("exercise") or "", e.get("event"), e["time"]
        last = when if last is None or when > last else last
        if exercises is not None and exercise not in exercises:
            continue
        if kind == "hint":
            hints += 1
        elif kind == "solution":
            solutions += 1
        elif kind == "check" and exercise:
            attempts += 1
            last_check[exercise] = (when, attempts)  # the attempt number orders checks of the same second
            if e.get("passed") is True:
                failing_since.pop(exercise, None)
                if exercise not in passed:
                    passed.append(exercise)
            else:
                failing_since.setdefault(exercise, when)
    current = max((x for x in last_check if x not in passed), key=lambda x: last_check[x], default=None)
    stuck = {x: since for x, since in failing_since.items() if now - since > stuck_after}
    return LearnerView(learner, current, tuple(passed), hints, solutions, attempts, stuck, last)


def room_view(
    sources: Mapping[str, Path],
    now: datetime,
    exercises: Collection[str] | None = None,
    stuck_after: timedelta = STUCK_AFTER,
) -> list[LearnerView]:
    """Every learner's row, by name: `sources` maps a learner to their record file or directory."""
    rows = []
    for learner in sorted(sources):
        events, problem = read_record(Path(sources[learner]))
        view = learner_view(learner, events, now, exercises, stuck_after)
        rows.append(dataclasses.replace(view, problem=problem) if problem else view)
    return rows


def homes_in(root: Path) -> dict[str, Path]:
    """{learner: directory} for a directory holding one sub-directory per learner (named after them)."""
    try:
        return {p.name: p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    except OSError:
        return {}


def _iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def as_json(rows: Iterable[LearnerView], now: datetime, stuck_after: timedelta = STUCK_AFTER) -> dict[str, Any]:
    """The dashboard's data as JSON-ready values (what the page's refresh fetches)."""
    return {
        "now": _iso(now),
        "stuck_minutes": stuck_after.total_seconds() / 60,
        "learners": [
            {
                "learner": r.learner,
                "current": r.current,
                "passed": list(r.passed),
                "hints": r.hints,
                "solutions": r.solutions,
                "attempts": r.attempts,
                "last_activity": _iso(r.last_activity),
                "problem": r.problem,
                "stuck": [
                    {"exercise": x, "since": _iso(since), "minutes": int((now - since).total_seconds() // 60)}
                    for x, since in sorted(r.stuck.items(), key=lambda item: item[1])
                ],
            }
            for r in rows
        ],
    }


def service_spec(
    port: int, python: str = "python3", homes: str | None = None, environment: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The `c.JupyterHub.services` entry that runs the dashboard (hub-managed, on loopback at `port`).

    No role is needed: the hub lets a visitor through its OAuth only with `access:services!service=<this one>`,
    which the admin role has and the learners' `user` role (`self`) has not. `environment`: what the service
    needs beyond the few variables the hub passes on (DOCKER_HOST, to find the home volumes).
    """
    where = [f"--homes={homes}"] if homes else ["--docker-homes"]
    command = [python, "-m", "labkit.workshop.dashboard_service", *where]
    spec: dict[str, Any] = {"name": SERVICE_NAME, "url": f"http://127.0.0.1:{port}", "command": command}
    spec["oauth_no_confirm"] = True  # part of the hub, for its admins: no "authorize this service?" page
    spec["display"] = True  # listed in the hub's Services menu, for those who may open it
    if environment:
        spec["environment"] = dict(environment)
    return spec
