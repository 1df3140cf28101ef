"""Session-wide checks shared by every test layer (unit, integration, e2e, nbval notebooks)."""

from __future__ import annotations

import os
import tempfile

import pytest

pytest_plugins = ["tests.notebook_solutions"]  # nbval runs the notebooks with exercise solutions filled in

# Checks, hints and resets the suite runs are recorded here, never in the user's own progress (kernels inherit it).
os.environ.setdefault("LABKIT_PROGRESS_FILE", os.path.join(tempfile.mkdtemp(prefix="labkit-progress-"),
                                                             "progress.jsonl"))


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


def pytest_sessionstart(session):
    """Remember lab objects that existed before the suite (a developer's own labs are not leaks)."""
    _before.update(_leaked_lab_objects())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Every lab started by the suite must be gone: no labkit container, network or volume left."""
    if os.environ.get("LABKIT_SKIP_LEAK_CHECK") or session.config.option.collectonly:
        return
    leaks = [obj for obj in _leaked_lab_objects() if obj not in _before]
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"LEAK CHECK FAILED: labkit objects left behind: {', '.join(leaks)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
