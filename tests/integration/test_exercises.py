"""Exercises on a live lab (notebook 00's): a wrong answer gets its reason, and resume does not rebuild."""

from __future__ import annotations

import subprocess
import sys

import pytest

import labkit
from labkit.course import check, open_lab, reset
from labkit.course.catalog import check_by_id, plan_of
from labkit.course.display import ExerciseNotDone
from labkit.course.progress import read_events
from labkit.host.engine import client


def ids_of(lab_name: str) -> dict[str, str]:
    return {
        c["Labels"]["labkit.node"]: c["Id"]
        for c in client().api.containers(all=True, filters={"label": [f"labkit.lab={lab_name}", "labkit.kind=node"]})
    }


@pytest.fixture
def nb00():
    yield
    labkit.remove_lab(plan_of("00").lab_name)


def test_a_wrong_answer_gets_its_reason_and_the_right_one_passes(nb00):
    ex = check_by_id("00-hello-service")
    wrong_cell, reason = ex.wrong[0]
    lab = reset("00")  # the section where the exercise is given: a fresh lab
    lab.node("manager1").sh(wrong_cell.split("\n", 1)[1])  # busybox with no command: its tasks end at once
    with pytest.raises(ExerciseNotDone, match=reason):
        check(ex.id)
    lab.node("manager1").sh("docker service rm hello")
    lab.node("manager1").sh(ex.solution.split("\n", 1)[1])
    result = check(ex.id)
    assert result.ok and "keeps running" in result.text
    attempts = [e for e in read_events() if e["exercise"] == ex.id and e["event"] == "check"]
    assert [e["passed"] for e in attempts[-2:]] == [False, True] and reason in attempts[-2]["reason"]


def test_resume_attaches_to_a_running_lab_without_rebuilding_it(nb00):
    lab = open_lab("00")
    lab.node("manager1").sh("docker service create --detach --name kept busybox sleep 1d")
    before = ids_of(lab.name)
    # A kernel restart: a new process runs the notebook's first cell again.
    out = subprocess.run(
        [sys.executable, "-c", "from labkit.course import open_lab; open_lab('00')"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and "already running" in out.stdout, out.stdout + out.stderr
    assert ids_of(lab.name) == before, "a healthy lab is resumed, not rebuilt"
    assert "kept" in [s.name for s in labkit.Lab.attach(lab.name).snapshot().services]
