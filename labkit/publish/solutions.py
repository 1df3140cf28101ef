"""Which cells of a course notebook are exercises and checks, and the notebook with every solution filled in.

The shipped notebooks keep their exercise cells empty; an exercise cell carries `metadata.labkit.exercise`, a
check cell `metadata.labkit.check`. A solution comes from the course catalog, the one place solutions are written
(tests/notebook_solutions.py uses this for nbval).
"""

from __future__ import annotations

from typing import Any

from ..course.catalog import check_by_id

__all__ = ["exercise_of", "check_of", "fill_solutions", "fold_solutions", "SOLUTION_TAG"]

SOLUTION_TAG = "labkit-solution"  # the site folds cells with this tag (a recorded solution and its check)


def _labkit(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("labkit") or {}


def exercise_of(cell: Any) -> str | None:
    """The exercise id a cell is the answer cell of, or None."""
    return _labkit(cell).get("exercise")


def check_of(cell: Any) -> str | None:
    """The check id a `check("id")` cell runs, or None."""
    return _labkit(cell).get("check")


def fill_solutions(nb: Any) -> Any:
    """Put each exercise's solution into its (empty) answer cell; returns the notebook."""
    for cell in nb.cells:
        exercise = exercise_of(cell)
        if exercise:
            cell.source = check_by_id(exercise).solution
    return nb


def fold_solutions(nb: Any) -> Any:
    """Tag each exercise's answer cell and its check cell as the folded solution; returns the notebook.

    JupyterLab (Binder) shows them collapsed (`metadata.jupyter`), the site in one fold (`SOLUTION_TAG`).
    """
    open_exercise = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exercise = exercise_of(cell)
        folded = bool(exercise) or (open_exercise is not None and check_of(cell) == open_exercise)
        open_exercise = exercise  # its check is the next code cell
        if folded:
            tags = cell.metadata.setdefault("tags", [])
            if SOLUTION_TAG not in tags:
                tags.append(SOLUTION_TAG)
            cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    return nb
