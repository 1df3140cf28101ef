"""Session-wide rules shared by every test layer (unit, integration, e2e, nbval notebooks).

- Progress recorded by checks goes to a throwaway file, never the user's.
- Tests run side by side (`./run test` uses pytest-xdist): each file is one scope, run on one worker, so its
  fixtures are shared; a notebook and the test files that use its lab (named nbNN) form one scope, so they
  never run at the same time. (xdist's own `loadgroup` marks do nothing with pytest 9, which no longer reads
  the node id xdist rewrites; a scheduler that groups by node id does not depend on that.)
- At the very end (in the controlling process), labs prepared in advance during the run are removed and every
  lab the suite started must be gone: no labkit container, network or volume left.
"""

from __future__ import annotations

import os
import tempfile

import pytest

pytest_plugins = ["tests.notebook_solutions"]  # nbval runs the notebooks with exercise solutions filled in

# Checks, hints and resets the suite runs are recorded here, never in the user's own progress (kernels inherit it).
os.environ.setdefault("LABKIT_PROGRESS_FILE", os.path.join(tempfile.mkdtemp(prefix="labkit-progress-"),
                                                             "progress.jsonl"))


# Test files that use a course notebook's lab: they run in that notebook's scope, never beside it.
COURSE_LAB_FILES = {
    "tests/integration/test_exercises.py": "nb00",
    "tests/e2e/test_board_exercise.py": "nb02",
    "tests/integration/test_notebook_undone.py": "nb04",
    "tests/integration/test_notebook_rerun.py": "nb04",
}


def scope_of(nodeid: str) -> str:
    """The scope a test runs in: its notebook's lab for a notebook, else its file (or the course lab it uses)."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "nb" + path.rsplit("/", 1)[-1][:2]
    return COURSE_LAB_FILES.get(path, path)


def pytest_xdist_make_scheduler(config, log):
    """Send each scope to one worker, whole (see scope_of)."""
    from xdist.scheduler import LoadScopeScheduling

    class CourseLabScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return CourseLabScheduling(config, log)


def _worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def _leaked_lab_objects() -> list[str]:
    from labkit.host.engine import client, engine_answers

    if not engine_answers():
        return []
    api = client().api
    flt = {"label": ["labkit.managed=true", "labkit.lab"]}
    leaks = [f"container {c['Names'][0].lstrip('/')}" for c in api.containers(all=True, filters=flt)]
    leaks += [f"network {n['Name']}" for n in api.networks(filters=flt)]
    leaks += [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    return leaks


_before: set[str] = set()
_labs_before: set[str] = set()


def pytest_sessionstart(session):
    """Remember lab objects that existed before the suite (a developer's own labs are not leaks)."""
    if _worker():
        return
    from labkit.host.engine import engine_answers

    if engine_answers():
        _remove_leftover_course_labs(session)
    _before.update(_leaked_lab_objects())
    if engine_answers():
        import labkit

        _labs_before.update(labkit.list_labs())


def _remove_leftover_course_labs(session) -> None:
    """The course labs (nb00, nb01, ...) have fixed names, and every notebook's first cell resumes its running lab:
    one left by an earlier run (a killed suite's containers restart with the engine) would make the notebooks
    carry on from its state. The suite owns these names, so it starts without them (and says so)."""
    from labkit.course.catalog import PLANS
    from labkit.host.inventory import find_labs
    from labkit.host.teardown import remove_lab

    course = {plan.lab_name for plan in PLANS.values()}
    leftovers = sorted(name for name in find_labs() if name in course)
    for name in leftovers:
        remove_lab(name)
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"removed course labs left by an earlier run: {', '.join(leftovers)}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Every lab started by the suite must be gone: no labkit container, network or volume left."""
    if _worker() or os.environ.get("LABKIT_SKIP_LEAK_CHECK") or session.config.option.collectonly:
        return
    _remove_prepared_labs()
    leaks = [obj for obj in _leaked_lab_objects() if obj not in _before]
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"LEAK CHECK FAILED: labkit objects left behind: {', '.join(leaks)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _remove_prepared_labs() -> None:
    """Notebooks prepare the next notebook's lab in advance; one prepared for a notebook already run is not a leak."""
    from labkit.host.engine import engine_answers

    if not engine_answers():
        return
    from labkit.host.inventory import find_labs
    from labkit.host.teardown import remove_lab

    for name, objs in find_labs().items():
        if objs.prepared and not objs.ready and name not in _labs_before:
            remove_lab(name)
