"""An exercise solved by clicking the board in a real browser: notebook 02's `02-drain-worker2` (drain worker2
without losing a replica), on a lab reset to that section; the check then passes in the notebook."""

from __future__ import annotations

import pytest

from ..support import wait_until
from .conftest import LOAD, ROOT, attr_of, chromium_page, jupyter_server, open_notebook, text_of, write_notebook

pytestmark = pytest.mark.e2e

CELLS = [
    'from labkit.course import *\nlab = reset("02", section="drain")',
    "lab.board(side=True)",  # as notebook 02 does: the board docks itself in a panel beside the notebook
    'check("02-drain-worker2")',  # run by the learner once they have clicked (a busy kernel takes no clicks)
]


def run_cells(page, *, above: int | None = None, only: int | None = None) -> None:
    """Run the cells above index `above`, or the one cell `only`, as JupyterLab's menu commands do."""
    index = above if above is not None else only
    # The board's panel takes the focus when it opens: find the notebook among the main area's widgets.
    page.evaluate(
        "() => { const shell = window.jupyterapp.shell;"
        " const nb = Array.from(shell.widgets('main'))"
        ".find(w => w.content && 'activeCellIndex' in w.content);"
        f" shell.activateById(nb.id); nb.content.activeCellIndex = {index}; }}"
    )
    command = "notebook:run-all-above" if above is not None else "notebook:run-cell"
    page.evaluate(f"() => {{ window.jupyterapp.commands.execute('{command}'); }}")


def test_an_exercise_solved_with_the_board_passes_its_check(tmp_path):
    write_notebook(tmp_path / "exercise.ipynb", CELLS)
    try:
        with jupyter_server(tmp_path) as url, chromium_page(height=1000) as page:
            open_notebook(page, f"{url}/lab/tree/exercise.ipynb")
            run_cells(page, above=2)  # reset the lab to the section, show the board
            # The board is in its sidecar panel (split to the right of the notebook), not in the cell's output.
            worker2 = page.locator('.jupyterlab-sidecar .lk-board .lk-node[data-node="worker2"]')

            def show_notebook():
                page.screenshot(path=str(ROOT / "artifacts" / "e2e-board-exercise-failure.png"), full_page=True)
                print(text_of(page.locator(".jp-Notebook"))[-3000:])

            wait_until(
                lambda: worker2.locator('button[data-action="drain"]').count() == 1,
                480,  # reset() starts a lab of three engines in the kernel: minutes on a loaded machine
                "the board with worker2's drain button",
                on_timeout=show_notebook,
            )
            check_output = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea")
            worker2.locator('button[data-action="drain"]').click()
            assert page.locator(".jp-Cell").nth(1).locator(".lk-board").count() == 0, "not in the cell as well"
            assert any("Swarm board: nb02" in tab for tab in page.locator(".lm-TabBar-tab").all_inner_texts())
            wait_until(
                lambda: attr_of(worker2, "data-availability") == "drain",
                120,  # the board's action, then its refresh: seconds when idle
                "worker2 drained on the board",
                on_timeout=show_notebook,
            )
            run_cells(page, only=2)
            wait_until(
                lambda: "✓ 02-drain-worker2" in text_of(check_output),
                LOAD,
                "the check to pass",
                on_timeout=show_notebook,
            )
            page.screenshot(path=str(ROOT / "artifacts" / "e2e-board-exercise.png"), full_page=True)
    finally:
        from labkit import remove_lab

        remove_lab("nb02")
