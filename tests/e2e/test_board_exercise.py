"""An exercise solved by clicking the board in a real browser: notebook 02's `02-drain-worker2` (drain worker2
without losing a replica), on a lab reset to that section; the check then passes in the notebook."""

from __future__ import annotations

import pytest

from ..support import wait_until
from .conftest import CHROMIUM, ROOT, jupyter_server, write_notebook

pytestmark = pytest.mark.e2e
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

CELLS = [
    'from labkit.course import *\nlab = reset("02", section="drain")',
    "lab.board()",
    # Stands for the learner reading the board and clicking: the check runs once worker2 is drained.
    'lab.wait(lambda s: s.node("worker2").availability == "drain", timeout=300, what="a click on drain", quiet=True)\n'
    'check("02-drain-worker2")',
]


@pytest.mark.xdist_group("nb02")  # lab nb02: never alongside notebook 02 itself
def test_an_exercise_solved_with_the_board_passes_its_check(tmp_path):
    from playwright.sync_api import sync_playwright

    write_notebook(tmp_path / "exercise.ipynb", CELLS)
    try:
        with jupyter_server(tmp_path) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/exercise.ipynb")
            wait_until(lambda: page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell.currentWidget)"),
                       90, "the notebook to open")
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            worker2 = page.locator('.lk-board .lk-node[data-node="worker2"]')
            wait_until(lambda: worker2.locator('button[data-action="drain"]').count() == 1, 240,
                       "the board with worker2's drain button")
            check_output = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea")
            assert "✓" not in check_output.inner_text(), "the check must wait for the click"
            worker2.locator('button[data-action="drain"]').click()
            wait_until(lambda: "✓ 02-drain-worker2" in check_output.inner_text(), 120, "the check to pass")
            page.screenshot(path=str(ROOT / "artifacts" / "e2e-board-exercise.png"), full_page=True)
            browser.close()
    finally:
        from labkit import remove_lab

        remove_lab("nb02")
