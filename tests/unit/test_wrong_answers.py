"""Every wrong answer stored with an exercise, replayed on evidence recorded from a real swarm in that wrong state
(tests/fixtures/course/wrong, see record_wrong.py): the check fails, and with the reason the answer is stored with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.course.catalog import all_checks
from labkit.course.evidence import replay_evidence
from labkit.course.model import Check

WRONG = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "wrong"
ANSWERS = [(c, k) for c in all_checks() for k in range(len(c.wrong))]


def recorded_answer(check: Check, k: int) -> dict:
    """The recording of an exercise's k-th wrong answer; it must be of that very cell."""
    path = WRONG / f"{check.id}.json"
    hint = f"run tests/fixtures/course/record_wrong.py {check.notebook} --only {check.id}"
    assert path.exists(), f"no recorded evidence for {check.id}'s wrong answers: {hint}"
    answers = json.loads(path.read_text())["answers"]
    assert k < len(answers) and answers[k]["cell"] == check.wrong[k][0], f"the recording is of another answer: {hint}"
    return answers[k]


@pytest.mark.parametrize(("check", "k"), ANSWERS, ids=[f"{c.id}-wrong{k}" for c, k in ANSWERS])
def test_a_stored_wrong_answer_fails_with_its_reason(check: Check, k: int) -> None:
    entry = recorded_answer(check, k)
    reason = check.wrong[k][1]
    verdict = check.verdict(replay_evidence(entry["evidence"], check))
    assert verdict.status == "failed" and reason in verdict.text, verdict.text
    assert reason not in check.unsolved, "a wrong answer's reason says more than 'not done yet'"


def test_every_recording_is_of_a_stored_wrong_answer() -> None:
    stored = {c.id: [cell for cell, _ in c.wrong] for c in all_checks()}
    for path in WRONG.glob("*.json"):
        cells = [a["cell"] for a in json.loads(path.read_text())["answers"]]
        assert cells == stored.get(path.stem), f"{path.name} records answers the catalog no longer stores"
