"""A course notebook can be run again from the top in the same kernel, even while its lab is still up.

nbval runs each notebook once on a fresh kernel; this covers the other half of
issue 4's "self-contained" rule: a learner who re-runs everything mid-way.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from labkit.host.engine import client

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "03-services-and-tasks.ipynb"


def lab_containers(name: str) -> list[str]:
    return sorted(c.name for c in client().containers.list(all=True, filters={"label": f"labkit.lab={name}"}))


def test_notebook_runs_again_in_the_same_kernel_while_its_lab_is_up():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    runner = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with runner.setup_kernel():
        # First pass stops before the last cell (lab.stop()): the lab is still running.
        for index, cell in enumerate(nb.cells[:-1]):
            runner.execute_cell(cell, index)
        first = lab_containers("nb03")
        assert first, "the first pass should leave lab nb03 running"
        # Second pass from the top: replace=True removes the running lab and builds a new one.
        for index, cell in enumerate(nb.cells):
            runner.execute_cell(cell, index)
    assert lab_containers("nb03") == [], "the second pass ends with lab.stop()"
