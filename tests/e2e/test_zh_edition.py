"""The 中文 edition in a browser: `labkit lab --lang zh-CN` (what `./run lab --lang zh-CN` runs) opens the Chinese
notebook 00 in JupyterLab's Chinese interface, and the kernel that JupyterLab starts for it speaks Chinese: a check's
verdict shows in Chinese. Real JupyterLab (with jupyterlab-language-pack-zh-CN), real Chromium; a screenshot goes
to artifacts/ (Debian's fonts-noto-cjk draws the Chinese, `./run test` installs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..support import free_port, wait_http, wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
CJK = lambda text: sum("\u4e00" <= ch <= "\u9fff" for ch in text)  # noqa: E731 - how many Chinese characters

pytestmark = pytest.mark.e2e

# A verdict as check() shows it, rendered by the notebook's own kernel (its language comes from the notebook's path).
VERDICT = """
from labkit.course.display import CheckResult
print(repr(CheckResult("00-hello-service", False, "no node runs a task of hello", 2)))
"""
RUN = """async (code) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({ code });
    let out = "";
    future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") out += msg.content.text; };
    await future.done;
    return out;
}"""
KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle'; }"""


@pytest.fixture
def chinese_lab(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "labkit.cli",
        "lab",
        "--lang",
        "zh-CN",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        # Its own settings folder: the zh_CN locale must not reach the English labs other tests start meanwhile.
        f"--LabApp.app_settings_dir={tmp_path / 'appsettings'}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    env.pop("LABKIT_LANG", None)  # the notebook's folder alone must choose Chinese
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/api/status", 120, "labkit lab to serve JupyterLab", alive=lambda: server.poll() is None)
        yield url + "/"
    finally:
        server.terminate()
        server.wait(20)
        log.close()


def test_chinese_jupyterlab_opens_the_chinese_notebook_00_and_speaks_chinese(chinese_lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(chinese_lab)
        wait_until(lambda: "zh-CN/00-welcome.ipynb" in page.url, 90, "JupyterLab to open zh-CN/00-welcome.ipynb")
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        menu = page.locator("#jp-menu-panel").inner_text()
        assert "文件" in menu and "编辑" in menu and "运行" in menu, menu  # the language pack's menu bar
        wait_until(lambda: page.locator(".jp-MarkdownOutput").count() > 0, 60, "the notebook's markdown")
        markdown = page.locator(".jp-MarkdownOutput").first.inner_text()
        assert CJK(markdown) > 10, markdown  # the notebook itself is the Chinese edition
        verdict = page.evaluate(RUN, VERDICT)
        assert verdict.startswith("✗ 00-hello-service: 没有节点运行 hello 的任务"), verdict
        assert "卡住了？" in verdict, verdict
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "e2e-zh-edition.png"))
        browser.close()
