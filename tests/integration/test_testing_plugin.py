"""labkit's pytest plugin, run as a team would run it: pytest in a process of its own on a test file of theirs.

Ryuk is disabled in these runs (it cannot be pulled here; test_testing_ryuk.py covers it), so the fixture's own
cleanup must leave nothing: after a normal end, a failed test, and Ctrl-C.
"""

from __future__ import annotations

import signal
import textwrap

from .swarm_subprocess import RYUK_OFF, start_pytest, wait_for_file, wait_gone

SHARED_AND_FRESH = """
import pathlib, pytest

OUT = pathlib.Path(__file__).parent

@pytest.mark.swarm(managers=1, workers=1)
def test_one(swarm):
    (OUT / "one").write_text(swarm.name)
    assert [n.name for n in swarm.nodes] == ["manager1", "worker1"]

@pytest.mark.swarm(managers=1, workers=1)
def test_two(swarm):
    (OUT / "two").write_text(swarm.name)

@pytest.mark.swarm(managers=1, workers=0, fresh=True)
def test_fresh(swarm):
    (OUT / "fresh").write_text(swarm.name)
    assert [n.name for n in swarm.nodes] == ["manager1"]
"""

FAILING = """
import pathlib, pytest

@pytest.mark.swarm(managers=1, workers=1)
def test_broken_image(swarm):
    (pathlib.Path(__file__).parent / "name").write_text(swarm.name)
    swarm.exec("manager1", ["docker", "service", "create", "--name", "ghost", "--no-resolve-image", "--detach",
                            "labkit-no-such-image:1"])
    swarm.wait_service("ghost", timeout=8)
"""

HOLDING = """
import pathlib, time

def test_hold(swarm):
    (pathlib.Path(__file__).parent / "name").write_text(swarm.name)
    time.sleep(600)
"""

PER_WORKER = """
import os, pathlib, pytest

@pytest.mark.parametrize("n", [1, 2])
def test_worker_swarm(swarm, n):
    (pathlib.Path(__file__).parent / os.environ["PYTEST_XDIST_WORKER"]).write_text(swarm.name)
"""


def _write(folder, text: str) -> None:
    (folder / "test_team.py").write_text(textwrap.dedent(text))


def test_marker_shapes_shared_and_fresh_swarms_and_nothing_left(tmp_path):
    _write(tmp_path, SHARED_AND_FRESH)
    proc = start_pytest(tmp_path, env=RYUK_OFF)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    one, two, fresh = ((tmp_path / n).read_text() for n in ("one", "two", "fresh"))
    assert one == two, "tests of one shape share the session's swarm"
    assert fresh != one, "fresh=True gives a test its own swarm"
    for name in (one, fresh):
        wait_gone(name)


def test_a_failed_test_reports_its_swarm_and_leaves_nothing(tmp_path):
    _write(tmp_path, FAILING)
    proc = start_pytest(tmp_path, env=RYUK_OFF)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, out
    assert "labkit swarm" in out, out  # the report section
    assert "$ docker service ps --no-trunc ghost" in out, out
    assert "No such image: labkit-no-such-image:1" in out, out  # the task's error, untruncated
    assert "nodes: manager1=ready/active, worker1=ready/active" in out, out  # the snapshot
    wait_gone((tmp_path / "name").read_text())


def test_ctrl_c_in_a_test_leaves_nothing(tmp_path):
    _write(tmp_path, HOLDING)
    proc = start_pytest(tmp_path, env=RYUK_OFF)
    try:
        name = wait_for_file(tmp_path / "name", proc)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2 and "KeyboardInterrupt" in out, out
    wait_gone(name)


def test_each_xdist_worker_gets_its_own_swarm(tmp_path):
    _write(tmp_path, PER_WORKER)
    proc = start_pytest(tmp_path, "-p", "xdist", "-n", "2", "--dist", "each", env=RYUK_OFF)  # each worker runs both
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    names = {(tmp_path / w).read_text() for w in ("gw0", "gw1")}
    assert len(names) == 2, out
    for name in names:
        wait_gone(name)
