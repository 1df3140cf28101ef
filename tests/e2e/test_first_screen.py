"""A learner's first screen: `./run lab` (which runs `labkit lab`) opens JupyterLab on notebook 00, the file
browser lists the course in order, no pop-up asks about JupyterLab news, and notebook 00 is neither "not trusted"
nor marked modified once its kernel runs. Real JupyterLab, real Chromium."""

from __future__ import annotations

import pytest

from labkit.course.catalog import PLANS

from ..support import wait_until
from .conftest import LOAD, ROOT, chromium_page, labkit_lab, text_of

pytestmark = pytest.mark.e2e


def test_jupyterlab_opens_on_notebook_00_with_the_course_in_order_and_no_news_popup(tmp_path):
    with labkit_lab(tmp_path) as url, chromium_page() as page:
        page.goto(url)
        # JupyterLab's start in the page (its bundles, the listing, the notebook) takes long on a loaded machine.
        wait_until(lambda: page.locator(".jp-DirListing-itemText").count() >= 12, LOAD, "the file browser's listing")
        wait_until(
            lambda: page.locator('.lm-TabBar-tabLabel:text-is("00-welcome.ipynb")').count() == 1,
            LOAD,
            "notebook 00 open in a tab",
        )
        wait_until(
            lambda: "Welcome: Docker Swarm mode" in text_of(page.locator(".jp-NotebookPanel").first),
            LOAD,
            "notebook 00's title on screen",
        )
        page.wait_for_timeout(3000)  # the news question, where enabled, pops up a moment after start
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "first-screen.png"))
        names = [t.strip() for t in page.locator(".jp-DirListing-itemText").all_inner_texts()]
        course = [n for n in names if n[:2].isdigit()]
        assert course == sorted(course) and [n[:2] for n in course] == sorted(PLANS), names
        others = [n for n in names if not n[:2].isdigit()]
        assert others == ["zh-CN"], f"only the course (and its 中文 edition's folder) in the file browser: {names}"
        toasts = page.locator(".Toastify__toast").all_inner_texts()
        assert not any("news" in t.lower() or "trust" in t.lower() for t in toasts), toasts
        # The kernel started (JupyterLab then writes its description into the notebook): still unmodified.
        wait_until(lambda: "Idle" in text_of(page.locator(".jp-StatusBar-Widget").first), LOAD, "the kernel idle")
        page.wait_for_timeout(2000)
        tab = page.locator('.lm-TabBar-tab:has(.lm-TabBar-tabLabel:text-is("00-welcome.ipynb"))')
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "notebook 00 shows as modified on open"
    log = (tmp_path / "jupyter.log").read_text()
    assert "is not trusted" not in log, "the server says a course notebook is not trusted"
