"""How the suite is shared between workers: scopes keep a notebook with the tests that use its lab, and the slowest
scopes go first."""

from __future__ import annotations

from types import SimpleNamespace

from tests.scheduling import durations_from_log, expected_seconds, pytest_collection_modifyitems, scope_of


def test_a_notebook_and_the_tests_using_its_lab_share_one_scope_and_other_files_have_their_own():
    assert scope_of("notebooks/04-replicated-vs-global.ipynb::Cell 3") == "nb04"
    assert scope_of("tests/integration/test_notebook_undone.py::test_x") == "nb04"
    assert scope_of("tests/integration/test_faults.py::test_y[a]") == "tests/integration/test_faults.py"


def test_durations_are_read_from_a_durations_report_and_summed_per_test():
    log = ("12.50s call     tests/integration/test_a.py::test_one\n"
           "1.25s setup    tests/integration/test_a.py::test_one\n"
           "3.00s call     notebooks/00-welcome.ipynb::Cell 2\n")
    assert durations_from_log(log) == {"tests/integration/test_a.py::test_one": 13.75,
                                       "notebooks/00-welcome.ipynb::Cell 2": 3.0}
    assert expected_seconds("tests/integration/test_a.py::test_unmeasured", {}) > expected_seconds("tests/unit/x.py::t", {})


def test_the_slowest_scope_goes_first_and_each_scope_keeps_its_order(monkeypatch):
    monkeypatch.setattr("tests.scheduling._measured", lambda: {"tests/integration/test_slow.py::b": 90.0})
    ids = ["tests/unit/test_u.py::a", "tests/integration/test_fast.py::a", "tests/integration/test_slow.py::a",
           "tests/integration/test_slow.py::b"]
    items = [SimpleNamespace(nodeid=i) for i in ids]
    pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == [ids[2], ids[3], ids[1], ids[0]]
