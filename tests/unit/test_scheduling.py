"""How the suite is shared between workers: scopes keep a notebook with the tests that use its lab, and the slowest
scopes go first."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

from tests.scheduling import (
    XDIST_VERSION,
    durations_from_log,
    expected_seconds,
    pytest_collection_modifyitems,
    pytest_xdist_make_scheduler,
    scope_of,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_notebook_and_the_tests_using_its_lab_share_one_scope_and_other_files_have_their_own():
    assert scope_of("notebooks/04-replicated-vs-global.ipynb::Cell 3") == "nb04"
    assert scope_of("tests/integration/test_notebook_undone.py::test_x") == "nb04"
    assert scope_of("tests/integration/test_faults.py::test_y[a]") == "tests/integration/test_faults.py"


def test_durations_are_read_from_a_durations_report_and_summed_per_test():
    log = (
        "12.50s call     tests/integration/test_a.py::test_one\n"
        "1.25s setup    tests/integration/test_a.py::test_one\n"
        "3.00s call     notebooks/00-welcome.ipynb::Cell 2\n"
    )
    assert durations_from_log(log) == {
        "tests/integration/test_a.py::test_one": 13.75,
        "notebooks/00-welcome.ipynb::Cell 2": 3.0,
    }
    unmeasured = expected_seconds("tests/integration/test_a.py::test_unmeasured", {})
    assert unmeasured > expected_seconds("tests/unit/x.py::t", {})


def test_the_slowest_scope_goes_first_and_each_scope_keeps_its_order(monkeypatch):
    monkeypatch.setattr("tests.scheduling._measured", lambda: {"tests/integration/test_slow.py::b": 90.0})
    ids = [
        "tests/unit/test_u.py::a",
        "tests/integration/test_fast.py::a",
        "tests/integration/test_slow.py::a",
        "tests/integration/test_slow.py::b",
    ]
    items = [SimpleNamespace(nodeid=i) for i in ids]
    pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == [ids[2], ids[3], ids[1], ids[0]]


def test_the_installed_xdist_is_the_one_whose_private_method_the_scheduler_overrides():
    installed = version("pytest-xdist")
    pinned = re.search(r'"pytest-xdist==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert installed == XDIST_VERSION and pinned and pinned[1] == XDIST_VERSION, (
        f"tests/scheduling.py overrides LoadScopeScheduling._split_scope, a private method of pytest-xdist "
        f"{XDIST_VERSION}, but {installed} is installed (pyproject.toml pins {pinned[1] if pinned else 'nothing'}). "
        f"Read xdist/scheduler/loadscope.py of {installed}: if scopes still come from _split_scope(nodeid), set "
        f"XDIST_VERSION and the pin to {installed}; otherwise port the override."
    )


class Worker:
    """The part of xdist's WorkerController a scheduler talks to."""

    def __init__(self, name: str):
        self.gateway, self.shutting_down, self.sent = SimpleNamespace(id=name), False, []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        self.shutting_down = True


def test_xdist_gives_each_scope_whole_to_one_of_three_workers_in_our_order():
    ids = [
        "tests/integration/test_faults.py::a",
        "tests/integration/test_faults.py::b",
        "notebooks/04-replicated-vs-global.ipynb::Cell 0",
        "tests/integration/test_cli.py::a",
        "tests/integration/test_notebook_undone.py::a",
        "notebooks/04-replicated-vs-global.ipynb::Cell 1",
        "tests/unit/test_u.py::a",
        "tests/unit/test_u.py::b",
        "tests/unit/test_u.py::c",
    ]
    config = SimpleNamespace(getvalue=lambda name: ["3*popen"], option=SimpleNamespace(loadscopereorder=True))
    scheduler = pytest_xdist_make_scheduler(config, SimpleNamespace(loadscopesched=lambda *args: None))
    workers = [Worker(f"gw{i}") for i in range(3)]
    for w in workers:
        scheduler.add_node(w)
        scheduler.add_node_collection(w, ids)
    scheduler.schedule()  # xdist's own distribution, with our scopes
    ran_on = {ids[i]: w.gateway.id for w in workers for i in w.sent}
    assert sorted(ran_on) == sorted(ids), "every test is sent once"
    by_scope: dict[str, set] = {}
    for nodeid, worker in ran_on.items():
        by_scope.setdefault(scope_of(nodeid), set()).add(worker)
    assert all(len(w) == 1 for w in by_scope.values()), f"a scope was split between workers: {by_scope}"
    assert by_scope["nb04"] == {ran_on["tests/integration/test_notebook_undone.py::a"]}
    assert ran_on[ids[0]] == "gw0", "scopes are handed out in collection order (the slowest first), not by size"
