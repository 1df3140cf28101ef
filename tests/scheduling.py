"""How `./run test` shares the suite between its three workers (`pytest -n 3`, pytest-xdist), as a pytest plugin.

- **Scopes.** Each test file is one scope, run whole on one worker, so its fixtures (a shared lab) are built once.
  A notebook and the test files that use its lab (named nbNN) form one scope, so they never run at the same time.
  (xdist's own `loadgroup` marks do nothing with pytest 9, which no longer reads the node id xdist rewrites; a
  scheduler that groups by node id does not depend on that.)
- **Why a private method.** xdist's only public way in is the `pytest_xdist_make_scheduler` hook, which must return a
  whole scheduler; what a scope is, its `LoadScopeScheduling` decides in the private `_split_scope(nodeid)` (its own
  `loadfile` and `loadgroup` schedulers override it the same way). Overriding that one method keeps xdist's tested
  distribution, crash handling and shutdown instead of copying ~400 lines of it. The price: a private method may
  change in any release, so pytest-xdist is pinned to XDIST_VERSION (pyproject.toml) and
  tests/unit/test_scheduling.py fails, saying so, when another version is installed or when xdist no longer groups
  by this method.
- **Order.** The slowest scopes are handed out first (longest-processing-time first), so the workers finish
  together instead of one running a long scope alone at the end. What a scope costs comes from
  `tests/durations.json`: seconds per test measured by a full run on our 2-core machines (the same idea as
  pytest-split's `.test_durations`). A test missing from it is estimated by its kind. Refresh it with
  `python -m tests.scheduling LOG` from the output of `./run test --durations=0`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

__all__ = ["scope_of", "expected_seconds"]

DURATIONS = Path(__file__).with_name("durations.json")
XDIST_VERSION = "3.8.0"  # the pytest-xdist whose LoadScopeScheduling._split_scope is overridden below (read its source)

# Test files that use a course notebook's lab: they run in that notebook's scope, never beside it.
COURSE_LAB_FILES = {
    "tests/integration/test_exercises.py": "nb00",
    "tests/e2e/test_board_exercise.py": "nb02",
    "tests/integration/test_notebook_undone.py": "nb04",
    "tests/integration/test_notebook_rerun.py": "nb04",
}
# Test files that bring up a workshop room: an engine holds one room at a time, so they share one scope.
ROOM_FILES = {"tests/integration/test_workshop.py": "workshop", "tests/e2e/test_workshop_browser.py": "workshop"}

# Seconds a test of each kind takes when it is not in durations.json (averages of a measured run).
_BY_KIND = {".ipynb": 3.0, "tests/integration/": 8.0, "tests/e2e/": 20.0}


def scope_of(nodeid: str) -> str:
    """The scope a test runs in: its notebook's lab for a notebook, else its file (or the course lab it uses)."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "nb" + path.rsplit("/", 1)[-1][:2]
    return COURSE_LAB_FILES.get(path) or ROOM_FILES.get(path, path)


def _measured() -> dict[str, float]:
    try:
        return json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}


def expected_seconds(nodeid: str, measured: dict[str, float]) -> float:
    """What one test costs: as measured, else the average of its kind (unit tests: next to nothing)."""
    if nodeid in measured:
        return measured[nodeid]
    path = nodeid.split("::", 1)[0]
    return next((s for kind, s in _BY_KIND.items() if path.endswith(kind) or path.startswith(kind)), 0.05)


def pytest_xdist_make_scheduler(config, log):
    """Send each scope to one worker, whole (see scope_of), in collection order (slowest first, see below)."""
    from xdist.scheduler import LoadScopeScheduling

    class CourseLabScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:  # private in xdist: see "Why a private method" above
            return scope_of(nodeid)

    # Without this, xdist orders scopes by their number of tests (--loadscope-reorder, its default) and undoes ours.
    config.option.loadscopereorder = False
    return CourseLabScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Slowest scopes first; the tests of a scope keep their order."""
    measured = _measured()
    cost: dict[str, float] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        scope = scope_of(item.nodeid)
        cost[scope] = cost.get(scope, 0.0) + expected_seconds(item.nodeid, measured)
        first.setdefault(scope, index)
    order = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (-cost[scope_of(item.nodeid)], first[scope_of(item.nodeid)], order[id(item)]))


def durations_from_log(text: str) -> dict[str, float]:
    """Seconds per test (setup + call + teardown) from pytest's `--durations=0` report."""
    found: dict[str, float] = {}
    for seconds, nodeid in re.findall(r"^([\d.]+)s (?:setup|call|teardown)\s+(\S.*?)\s*$", text, re.M):
        found[nodeid] = round(found.get(nodeid, 0.0) + float(seconds), 2)
    return found


if __name__ == "__main__":
    DURATIONS.write_text(json.dumps(durations_from_log(Path(sys.argv[1]).read_text()), indent=0, sort_keys=True) + "\n")
    print(f"wrote {DURATIONS}")
