"""A learner who skips the exercises: notebook 04 runs top to bottom in a real kernel with its answer cells as
shipped (empty). Each exercise's check fails cleanly with its stated reason (no crash, no traceback); then the
solution is typed and the check passes, and the lesson goes on."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from labkit.course.catalog import check_by_id, plan_of
from labkit.host.teardown import remove_lab

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_exercise_fails_with_its_reason_when_left_undone_then_passes_once_solved():
    plan = plan_of("04")
    nb = nbformat.read(NOTEBOOKS / plan.file, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    failures = {}
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                checked = (cell.metadata.get("labkit") or {}).get("check")
                if checked and check_by_id(checked).is_exercise:
                    ex = check_by_id(checked)
                    try:
                        client.execute_cell(cell, i)
                    except CellExecutionError as exc:
                        failures[ex.id] = exc
                    else:
                        raise AssertionError(f"{ex.id} passed although its answer cell was left empty")
                    client.execute_cell(nbformat.v4.new_code_cell(ex.solution), i)  # the learner solves it
                client.execute_cell(cell, i)
    finally:
        remove_lab(plan.lab_name)
    assert sorted(failures) == sorted(e.id for e in plan.exercises)
    for exercise, exc in failures.items():
        assert exc.ename == "ExerciseNotDone", f"{exercise} failed with {exc.ename}, not a clean check failure"
        assert check_by_id(exercise).unsolved in exc.evalue, exc.evalue
        assert "Traceback" not in str(exc.traceback) and f'hint("{exercise}")' in exc.evalue
