"""How an exercise is published (labkit/publish/solutions.py, site.py): the goal in view, then one fold holding
the recorded solution and its check; the board's text line tells the recorder where a picture goes."""

from __future__ import annotations

import nbformat

from labkit.course.catalog import all_exercises
from labkit.publish.record import coalesce_streams, drop_widget_views, shows_board
from labkit.publish.site import wrap_solutions
from labkit.publish.solutions import SOLUTION_TAG, fill_solutions, fold_solutions


def lesson(exercise: str) -> nbformat.NotebookNode:
    """Goal, answer cell, its check, then a lesson cell and a lesson check."""
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("# your commands here")
    answer.metadata["labkit"] = {"exercise": exercise}
    check = nbformat.v4.new_code_cell(f'check("{exercise}")')
    check.metadata["labkit"] = {"check": exercise}
    lesson_check = nbformat.v4.new_code_cell('check("other")')
    lesson_check.metadata["labkit"] = {"check": "other"}
    goal = nbformat.v4.new_markdown_cell("**Goal:** …")
    nb.cells = [goal, answer, check, nbformat.v4.new_code_cell("x"), lesson_check]
    return nb


def test_the_answer_gets_the_course_solution_and_only_it_and_its_check_are_folded():
    exercise = all_exercises()[0]
    nb = fold_solutions(fill_solutions(lesson(exercise.id)))
    assert nb.cells[1].source == exercise.solution
    folded = [SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells]
    assert folded == [False, True, True, False, False]
    assert nb.cells[2].metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}  # JupyterLab, Binder


def test_the_site_wraps_the_answer_and_its_check_in_one_details_block():
    nb = wrap_solutions(fold_solutions(lesson(all_exercises()[0].id)), "Recorded solution")
    kinds = [c.cell_type if c.cell_type == "code" else c.source.split(">")[0] + ">" for c in nb.cells]
    assert kinds == ["**Goal:** …>", '<details class="labkit-solution">', "code", "code", "</details>", "code", "code"]
    assert "<summary>Recorded solution</summary>" in nb.cells[1].source


def test_a_cell_shows_the_board_in_the_cell_or_docked():
    docked = nbformat.v4.new_code_cell("lab.board(side=True)")
    text = "SwarmBoard(lab='nb06', nodes=4) → docked beside the notebook"
    docked.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)]
    other = nbformat.v4.new_code_cell("print(1)")
    other.outputs = [nbformat.v4.new_output("stream", name="stdout", text="SwarmBoard(\n")]
    assert shows_board(docked) and not shows_board(other)


def test_a_checks_progress_arriving_in_pieces_is_kept_as_one_output():
    pieces = ["⏳ waiting for web (up to 60 s) ", ".", ".", " ✓ after 3.5 s\n"]
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in pieces]
    outputs.insert(3, nbformat.v4.new_output("stream", name="stderr", text="warning\n"))
    outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "✓"}, execution_count=1))
    joined = coalesce_streams(outputs)
    assert [(o["output_type"], o.get("text")) for o in joined] == [
        ("stream", "⏳ waiting for web (up to 60 s) .."),
        ("stream", "warning\n"),
        ("stream", " ✓ after 3.5 s\n"),
        ("execute_result", None),
    ]


def test_a_widget_keeps_its_text_line_but_not_its_dead_view():
    view = {"model_id": "0123456789abcdef0123456789abcdef", "version_major": 2, "version_minor": 0}
    data = {"application/vnd.jupyter.widget-view+json": view, "text/plain": "CourseMap(1 of 50 exercises done)"}
    outputs = drop_widget_views([nbformat.v4.new_output("execute_result", data=data, execution_count=1)])
    assert outputs[0]["data"] == {"text/plain": "CourseMap(1 of 50 exercises done)"}
