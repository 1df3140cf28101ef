"""The progress store and the course map (no engine): what is recorded, how hints and solutions are handed
out, and forgetting progress."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labkit.base.errors import InvalidInput
from labkit.course import hint, solution
from labkit.course.catalog import all_exercises, check_by_id
from labkit.course.progress import FORMAT_VERSION, course_map, forget, hints_seen, read_events, record


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(path))
    monkeypatch.setenv("LABKIT_LEARNER", "ana")
    return path


def test_every_event_is_one_documented_json_line(store):
    record("check", "04", "04-task-onto-worker3", passed=False, reason="nginx wants 3 replicas")
    record("hint", "04", "04-task-onto-worker3", hint=1)
    lines = store.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["v"] == FORMAT_VERSION and first["learner"] == "ana" and first["event"] == "check"
    assert set(first) == {"v", "time", "learner", "notebook", "exercise", "event", "passed", "reason"}
    assert first["time"].endswith("Z") and len(first["time"]) == 20


def test_unreadable_lines_are_skipped(store):
    store.write_text('not json\n{"v": 99, "event": "check"}\n')
    record("reset", "04", section="drain")
    assert [e["event"] for e in read_events()] == ["reset"]


def test_hints_come_one_at_a_time_and_the_solution_last():
    ex = check_by_id("04-task-onto-worker3")
    early = solution(ex.id)
    assert "hint(s) first" in early.heading and hints_seen(ex.id) == 0
    shown = [hint(ex.id) for _ in ex.hints]
    assert [n.heading for n in shown] == [
        f"Hint {i} of {len(ex.hints)} for {ex.id}" for i in range(1, len(ex.hints) + 1)
    ]
    assert shown[0].body.startswith(ex.hints[0]) and "last one" in shown[-1].body
    assert "No more hints" in hint(ex.id).heading
    final = solution(ex.id)
    assert final.body == ex.solution and "Solution" in final.heading
    events = [e["event"] for e in read_events()]
    assert events == ["hint"] * len(ex.hints) + ["solution"]


def test_lesson_checks_have_no_hints():
    with pytest.raises(InvalidInput, match="lesson step"):
        hint("04-two-of-three")


def test_the_course_map_counts_exercises_done_hints_and_solutions():
    record("check", "04", "04-task-onto-worker3", passed=False, reason="x")
    record("check", "04", "04-task-onto-worker3", passed=True, reason="y")
    record("hint", "04", "04-web-on-workers", hint=1)
    record("solution", "04", "04-web-on-workers")
    rows = {p.exercise: p for p in course_map([(c.id, c.title) for c in all_exercises()], read_events())}
    assert rows["04-task-onto-worker3"].done and rows["04-task-onto-worker3"].attempts == 2
    assert not rows["04-web-on-workers"].done and rows["04-web-on-workers"].hints == 1
    assert rows["04-web-on-workers"].solution


def test_forgetting_one_notebook_keeps_the_others():
    record("check", "04", "04-task-onto-worker3", passed=True, reason="y")
    record("check", "00", "00-hello-service", passed=True, reason="y")
    assert forget("04") == 1
    assert [e["notebook"] for e in read_events()] == ["00"]
    assert forget() == 1 and read_events() == []


def test_labkit_progress_prints_the_map_and_resets(store):
    record("check", "04", "04-task-onto-worker3", passed=True, reason="y")
    out = subprocess.run([sys.executable, "-m", "labkit.cli", "progress"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "1 of" in out.stdout and "04-task-onto-worker3" in out.stdout
    row = next(line for line in out.stdout.splitlines() if "04-task-onto-worker3" in line)
    assert "✓" in row
    reset = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "progress", "--reset"], capture_output=True, text=True, timeout=60
    )
    assert reset.returncode == 0 and "forgot 1" in reset.stdout and read_events() == []
