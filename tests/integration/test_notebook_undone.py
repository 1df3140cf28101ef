"""A learner who skips the exercises: notebook 04 runs top to bottom in a real kernel with its answer cells as
shipped (empty). Each exercise's check fails cleanly with its stated reason (no crash, no traceback); then the
solution is typed and the check passes, and the lesson goes on. In both editions: the 中文 notebook (its kernel
started in notebooks/zh-CN/, as nbval and JupyterLab do) gives the same checks' reasons in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from labkit.course.catalog import check_by_id, plan_of
from labkit.host.teardown import remove_lab

from ..kernels import AsyncIpcKernelManager

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("edition", ["en", "zh-CN"])
def test_every_exercise_fails_with_its_reason_when_left_undone_then_passes_once_solved(edition, monkeypatch):
    monkeypatch.delenv("LABKIT_LANG", raising=False)  # the notebook's folder alone chooses the language
    plan = plan_of("04")
    folder = NOTEBOOKS if edition == "en" else NOTEBOOKS / edition
    nb = nbformat.read(folder / plan.file, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        kernel_manager_class=AsyncIpcKernelManager,
        resources={"metadata": {"path": str(folder)}},
    )
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
        assert "Traceback" not in str(exc.traceback) and f'hint("{exercise}")' in exc.evalue
        reason = exc.evalue.split(f"{exercise}:", 1)[-1].splitlines()[0]
        if edition == "en":
            assert check_by_id(exercise).unsolved in exc.evalue, exc.evalue
        else:  # the same check's reason, in the notebook's language
            assert re.search("[\u4e00-\u9fff]", reason), f"{exercise}: the reason is not in Chinese: {exc.evalue}"
