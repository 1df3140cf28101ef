"""09-crash-the-leader judges against whoever led when the fault happened, not manager1: replayed on a real swarm
whose leadership had moved (manager1 stopped and started first; tests/fixtures/course/record_leader_moved.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.course.catalog import check_by_id
from labkit.course.evidence import replay_evidence

MOVED = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "scenarios" / "09-leader-moved.json"
CHECK = check_by_id("09-crash-the-leader")


@pytest.fixture(scope="module")
def moved() -> dict:
    assert MOVED.exists(), "no recording: run tests/fixtures/course/record_leader_moved.py"
    data = json.loads(MOVED.read_text())
    assert data["leader"]["leader_before"] != "manager1", "the recording is of a swarm whose leadership moved"
    return data


def test_crashing_the_leader_of_the_moment_passes(moved: dict) -> None:
    case = moved["leader"]
    verdict = CHECK.verdict(replay_evidence(case["evidence"], CHECK))
    assert verdict.status == "passed", verdict.text
    assert f"{case['killed']} (the leader when you crashed it)" in verdict.text


def test_crashing_a_follower_fails_and_names_the_real_leader(moved: dict) -> None:
    case = moved["follower"]
    assert case["killed"] != case["leader_before"]
    verdict = CHECK.verdict(replay_evidence(case["evidence"], CHECK))
    assert verdict.status == "failed" and "was a follower" in verdict.text, verdict.text
    assert f"expected the leader ({case['leader_before']}) to crash" in verdict.text


def test_no_hint_names_a_manager_as_the_leader() -> None:
    assert not any("manager1" in h or "manager2" in h or "manager3" in h for h in CHECK.hints)
