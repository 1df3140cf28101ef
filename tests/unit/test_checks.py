"""Every course check, replayed on evidence recorded from real swarms (tests/fixtures/course, see record.py):
it passes on what the swarm looked like after its step was done, and fails with its stated reason on what
it looked like just before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.base.errors import ApiUnanswered, ExecStreamBroken
from labkit.course.catalog import all_checks, check_by_id
from labkit.course.evidence import replay_evidence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "course"
CHECKS = all_checks()


def recording(check_id: str) -> dict:
    path = FIXTURES / f"{check_id}.json"
    assert path.exists(), f"no recorded evidence for {check_id}: run tests/fixtures/course/record.py {check_id[:2]}"
    return json.loads(path.read_text())


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_passes_once_done(check):
    verdict = check.verdict(replay_evidence(recording(check.id)["solved"], check))
    assert verdict.status == "passed", verdict.text


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_fails_with_its_reason_when_not_done(check):
    verdict = check.verdict(replay_evidence(recording(check.id)["unsolved"], check))
    assert verdict.status == "failed" and check.unsolved in verdict.text, verdict.text


@pytest.mark.parametrize("check", [c for c in CHECKS if c.is_exercise], ids=[c.id for c in CHECKS if c.is_exercise])
def test_exercises_have_hints_that_end_near_the_solution(check):
    assert 2 <= len(check.hints) <= 4 and all(h.strip() for h in check.hints)
    assert check.solution.startswith(("%%node ", "%%nodefile ")) or check.board, (
        "an exercise's solution is a cell a learner writes"
    )


@pytest.mark.parametrize(
    "error",
    [
        ApiUnanswered("no manager answered the Engine API for services (asked: manager1)"),
        ExecStreamBroken("the engine's reply to a command on manager1 could not be read (34 is not a valid stream)"),
    ],
    ids=["api-unanswered", "exec-stream-broken"],
)
def test_an_engine_that_does_not_answer_clearly_makes_a_check_wait_not_fail(monkeypatch, error):
    from labkit.course import runner

    def unanswered(lab, ex):
        raise error

    monkeypatch.setattr(runner, "gather", unanswered)
    verdict = runner.judge_now(None, check_by_id("07-update-paused"))
    assert verdict.status == "waiting" and "manager1" in verdict.text


def test_a_task_running_for_an_instant_is_not_yet_one_that_keeps_running():
    import dataclasses

    from labkit.swarm.answers import instant

    ex = check_by_id("00-hello-service")
    ev = replay_evidence(recording(ex.id)["solved"], ex)
    task = ev.snapshot.running("hello")[0]
    started = instant(task.updated_at)
    for seconds, status in ((0.5, "waiting"), (10.0, "passed")):
        snap = dataclasses.replace(ev.snapshot, taken_at=started + seconds)
        assert ex.verdict(dataclasses.replace(ev, snapshot=snap)).status == status
