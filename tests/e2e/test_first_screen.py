"""A learner's first screen: `./run lab` (which runs `labkit lab`) opens JupyterLab on notebook 00, the file
browser lists the course in order, no pop-up asks about JupyterLab news, and notebook 00 is neither "not trusted"
nor marked modified once its kernel runs. Real JupyterLab, real Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.course.catalog import PLANS

from ..support import free_port, wait_http, wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.e2e


@pytest.fixture
def labkit_lab(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    port = free_port()
    # As `./run lab` runs it; only the browser, the port, the token and the per-test state directories differ.
    argv = [
        sys.executable,
        "-m",
        "labkit.cli",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]
    # A trust database of its own (JUPYTER_DATA_DIR), as on a learner's first day: nothing was signed before.
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(
            f"http://127.0.0.1:{port}/api/status",
            120,
            "labkit lab to serve JupyterLab",
            alive=lambda: server.poll() is None,
        )
        yield f"http://127.0.0.1:{port}/", tmp_path / "jupyter.log"  # the root: where a learner's browser lands
    finally:
        server.terminate()
        server.wait(20)
        log.close()


def test_jupyterlab_opens_on_notebook_00_with_the_course_in_order_and_no_news_popup(labkit_lab):
    from playwright.sync_api import sync_playwright

    url, log = labkit_lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        wait_until(lambda: page.locator(".jp-DirListing-itemText").count() >= 12, 90, "the file browser's listing")
        wait_until(
            lambda: page.locator('.lm-TabBar-tabLabel:text-is("00-welcome.ipynb")').count() == 1,
            60,
            "notebook 00 open in a tab",
        )
        wait_until(
            lambda: "Welcome: Docker Swarm mode" in page.locator(".jp-NotebookPanel").first.inner_text(),
            60,
            "notebook 00's title on screen",
        )
        page.wait_for_timeout(3000)  # the news question, where enabled, pops up a moment after start
        page.screenshot(path=str(ROOT / "artifacts" / "first-screen.png"))
        names = [t.strip() for t in page.locator(".jp-DirListing-itemText").all_inner_texts()]
        course = [n for n in names if n[:2].isdigit()]
        assert course == sorted(course) and [n[:2] for n in course] == sorted(PLANS), names
        others = [n for n in names if not n[:2].isdigit()]
        assert others == ["zh-CN"], f"only the course (and its 中文 edition's folder) in the file browser: {names}"
        toasts = page.locator(".Toastify__toast").all_inner_texts()
        assert not any("news" in t.lower() or "trust" in t.lower() for t in toasts), toasts
        # The kernel started (JupyterLab then writes its description into the notebook): still unmodified.
        wait_until(lambda: "Idle" in page.locator(".jp-StatusBar-Widget").first.inner_text(), 90, "the kernel idle")
        page.wait_for_timeout(2000)
        tab = page.locator('.lm-TabBar-tab:has(.lm-TabBar-tabLabel:text-is("00-welcome.ipynb"))')
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "notebook 00 shows as modified on open"
        browser.close()
    assert "is not trusted" not in log.read_text(), "the server says a course notebook is not trusted"
