"""The 中文 edition in a browser: `labkit lab --lang zh-CN` (what `./run lab --lang zh-CN` runs) opens the Chinese
notebook 00 in JupyterLab's Chinese interface, and the kernel that JupyterLab starts for it speaks Chinese: a check's
verdict shows in Chinese. Real JupyterLab (with jupyterlab-language-pack-zh-CN), real Chromium; a screenshot goes
to artifacts/ (Debian's fonts-noto-cjk draws the Chinese, `./run test` installs it)."""

from __future__ import annotations

import pytest

from ..support import wait_until
from .conftest import LOAD, ROOT, chromium_page, labkit_lab, text_of, wait_for_kernel

CJK = lambda text: sum("\u4e00" <= ch <= "\u9fff" for ch in text)  # noqa: E731 - how many Chinese characters

pytestmark = pytest.mark.e2e

# A verdict as check() shows it, rendered by the notebook's own kernel (its language comes from the notebook's path).
VERDICT = """
from labkit.course.display import CheckResult
print(repr(CheckResult("00-hello-service", False, "no node runs a task of hello", 2)))
"""
RUN = """async (code) => {
    const main = Array.from(window.jupyterapp.shell.widgets('main'));
    const nb = main.find(w => w.content && 'activeCellIndex' in w.content);
    const kernel = nb.sessionContext.session.kernel;
    const future = kernel.requestExecute({ code });
    let out = "";
    future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") out += msg.content.text; };
    await future.done;
    return out;
}"""


def test_chinese_jupyterlab_opens_the_chinese_notebook_00_and_speaks_chinese(tmp_path):
    with labkit_lab(tmp_path, "--lang", "zh-CN") as url, chromium_page() as page:
        page.goto(url)
        wait_until(lambda: "zh-CN/00-welcome.ipynb" in page.url, LOAD, "JupyterLab to open zh-CN/00-welcome.ipynb")
        wait_for_kernel(page)
        menu = page.locator("#jp-menu-panel").inner_text()
        assert "文件" in menu and "编辑" in menu and "运行" in menu, menu  # the language pack's menu bar
        markdown = wait_until(
            lambda: text_of(page.locator(".jp-MarkdownOutput").first), LOAD, "the notebook's markdown"
        )
        assert CJK(markdown) > 10, markdown  # the notebook itself is the Chinese edition
        verdict = page.evaluate(RUN, VERDICT)
        assert verdict.startswith("✗ 00-hello-service: 没有节点运行 hello 的任务"), verdict
        assert "卡住了？" in verdict, verdict
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "e2e-zh-edition.png"))
