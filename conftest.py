"""Session-wide rules shared by every test layer (unit, integration, e2e, nbval notebooks).

- Progress recorded by checks goes to a throwaway file, never the user's.
- Tests run side by side (`./run test` uses pytest-xdist): tests/scheduling.py says how.
- At the very end (in the controlling process), labs prepared in advance during the run are removed and every
  lab the suite started must be gone: no labkit container, network or volume left (the node volumes that
  detached removers are still deleting are waited for).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.kernels import use_ipc_kernels

# nbval runs the notebooks with exercise solutions filled in; tests/scheduling.py shares the suite between workers.
pytest_plugins = ["tests.notebook_solutions", "tests.scheduling"]

# Kernels on socket files, not TCP ports a busy machine can take first (tests/kernels.py says why).
use_ipc_kernels()

# Checks, hints and resets the suite runs are recorded here, never in the user's own progress (kernels inherit it).
os.environ.setdefault(
    "LABKIT_PROGRESS_FILE", os.path.join(tempfile.mkdtemp(prefix="labkit-progress-"), "progress.jsonl")
)


UNIT = Path(__file__).resolve().parent / "tests" / "unit"


def _unit_only(config: pytest.Config) -> bool:
    """The run was asked for unit tests only (by path: xdist's controller collects no items of its own)."""
    root = Path(config.invocation_params.dir)
    paths = [(root / arg.split("::")[0]).resolve() for arg in config.args]
    return bool(paths) and all(p.is_relative_to(UNIT) for p in paths)


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

    _before.update(_leaked_lab_objects())
    if engine_answers():
        import labkit

        _labs_before.update(labkit.list_labs())


_course_scopes_begun: set[str] = set()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the first test of a course lab's scope (nbNN) in this process, remove a lab of that name that an
    earlier run used and left (a killed run's nodes restart with the engine): every notebook's first cell resumes
    its running lab, so the notebook would carry on from that lab's state. Labs prepared in advance or being
    prepared are fresh, and are left to `open_lab`, which takes or waits for them."""
    from tests.scheduling import scope_of

    scope = scope_of(item.nodeid)
    if not scope.startswith("nb") or scope in _course_scopes_begun:
        return
    _course_scopes_begun.add(scope)
    from labkit.host.inventory import find_labs
    from labkit.host.teardown import remove_lab

    left = find_labs(scope).get(scope)
    if left is not None and left.ready:
        remove_lab(scope)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Every lab started by the suite must be gone: no labkit container, network or volume left."""
    if _worker() or os.environ.get("LABKIT_SKIP_LEAK_CHECK") or session.config.option.collectonly:
        return
    if _unit_only(session.config):
        return  # unit tests start no lab: leave the engine alone (a run beside a suite or a learner's lab)
    _remove_prepared_labs()
    _wait_for_volume_removers()
    leaks = [obj for obj in _leaked_lab_objects() if obj not in _before]
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"LEAK CHECK FAILED: labkit objects left behind: {', '.join(leaks)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _wait_for_volume_removers(timeout: float = 120.0) -> None:
    """A removed lab's node volumes are deleted by a detached process after its teardown returned
    (labkit.host.volume_reaper): wait for those of the suite's labs to go. One still there after `timeout`
    is reported as a leak; containers and networks are never waited for."""
    from labkit.base.errors import WaitTimeout
    from labkit.base.poll import poll
    from labkit.host.engine import client, engine_answers
    from labkit.host.inventory import orphan_volumes

    if not engine_answers():
        return

    def leaving() -> list[str]:
        api = client().api
        volumes = (api.volumes(filters={"label": ["labkit.kind=volume"]}) or {}).get("Volumes") or []  # first
        networks = api.networks(filters={"label": ["labkit.kind=network"]})
        containers = api.containers(all=True, filters={"label": ["labkit.kind=node"]})
        left = orphan_volumes(volumes, networks, containers)
        return [v["Name"] for v in left if f"volume {v['Name']}" not in _before]

    try:
        poll(leaving, lambda names: not names, timeout=timeout, interval=0.5, what="node volumes being deleted")
    except WaitTimeout:
        pass  # the leak check below names them


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
