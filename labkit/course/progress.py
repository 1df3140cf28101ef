"""The learner's progress: every check attempt, hint and solution, in a small local JSON-lines file.

The file lives in the user's data directory, as platformdirs names it (Linux: `$XDG_DATA_HOME/labkit/progress.jsonl`,
by default `~/.local/share/labkit/progress.jsonl`; macOS: `~/Library/Application Support/labkit/progress.jsonl`;
Windows: `%LOCALAPPDATA%\\labkit\\progress.jsonl`; LABKIT_PROGRESS_FILE overrides it), never in the repository, so a
kernel restart or a new session keeps it. One JSON object per line, appended; the format is documented in
docs/progress-format.md (a workshop aggregates these files).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from ..base.errors import InvalidInput

__all__ = [
    "FORMAT_VERSION",
    "store_path",
    "record",
    "read_events",
    "hints_seen",
    "solution_seen",
    "ExerciseProgress",
    "course_map",
    "forget",
    "learner",
]

FORMAT_VERSION = 1
EVENTS = ("check", "hint", "solution", "reset")


def store_path() -> Path:
    """Where progress is kept (LABKIT_PROGRESS_FILE, else the user's data directory)."""
    if os.environ.get("LABKIT_PROGRESS_FILE"):
        return Path(os.environ["LABKIT_PROGRESS_FILE"])
    return Path(user_data_dir("labkit", appauthor=False)) / "progress.jsonl"


def learner() -> str:
    """Who is learning: LABKIT_LEARNER, JupyterHub's user, or user@host."""
    return (
        os.environ.get("LABKIT_LEARNER")
        or os.environ.get("JUPYTERHUB_USER")
        or f"{getpass.getuser()}@{socket.gethostname()}"
    )


def record(event: str, notebook: str, exercise: str = "", **fields) -> dict:
    """Append one event (check | hint | solution | reset) and return it."""
    if event not in EVENTS:
        raise InvalidInput(f"unknown progress event {event!r}; use one of: {', '.join(EVENTS)}")
    entry = {
        "v": FORMAT_VERSION,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "learner": learner(),
        "notebook": notebook,
        "exercise": exercise,
        "event": event,
        **fields,
    }
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    # One write with O_APPEND: two kernels recording at once never interleave a line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return entry


def read_events(path: Path | None = None) -> list[dict]:
    """Every event recorded so far (lines that cannot be read are skipped)."""
    path = path or store_path()
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("v") == FORMAT_VERSION:
            events.append(entry)
    return events


def hints_seen(exercise: str, events: Iterable[dict] | None = None) -> int:
    """How many hints of an exercise the learner has asked for."""
    return sum(
        1 for e in (read_events() if events is None else events) if e["event"] == "hint" and e["exercise"] == exercise
    )


def solution_seen(exercise: str, events: Iterable[dict] | None = None) -> bool:
    """True if the learner has seen the solution."""
    return any(
        e["event"] == "solution" and e["exercise"] == exercise for e in (read_events() if events is None else events)
    )


@dataclass(frozen=True)
class ExerciseProgress:
    """One exercise on the course map."""

    notebook: str
    exercise: str
    title: str
    done: bool
    attempts: int
    hints: int
    solution: bool


def course_map(exercises: Iterable[tuple[str, str]], events: Iterable[dict]) -> list[ExerciseProgress]:
    """The map for (exercise id, title) pairs in course order, from recorded events."""
    events = list(events)
    rows = []
    for exercise, title in exercises:
        checks = [e for e in events if e["event"] == "check" and e["exercise"] == exercise]
        rows.append(
            ExerciseProgress(
                exercise[:2],
                exercise,
                title,
                any(e.get("passed") for e in checks),
                len(checks),
                hints_seen(exercise, events),
                solution_seen(exercise, events),
            )
        )
    return rows


def forget(notebook: str | None = None) -> int:
    """Reset progress (of one notebook, or all of it); return how many events were removed."""
    events = read_events()
    kept = [e for e in events if notebook is not None and e["notebook"] != notebook]
    path = store_path()
    if path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in kept), encoding="utf-8")
        tmp.replace(path)
    return len(events) - len(kept)
