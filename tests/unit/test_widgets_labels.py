"""The widgets speak the notebook's language: Python sends `labels` (widgets/_labels.py), the front end's `say`
shows them, and UI_TEXT is exactly the text the JavaScript writes."""

from __future__ import annotations

import os
import re

import pytest

from labkit.widgets._assets import STATIC
from labkit.widgets._labels import UI_TEXT, labels
from labkit.widgets._model import board_model, status_model

from .widgets_support import CHROMIUM, WidgetPage, web_snapshot

SAY = re.compile(r'say\(model, "((?:[^"\\]|\\.)*)"')


def js_text() -> str:
    """Every widget's JavaScript, concatenated."""
    return "\n".join(p.read_text() for p in sorted(STATIC.glob("*.js")))


def test_ui_text_is_what_the_javascript_says() -> None:
    """Each `say(model, "…")` piece is listed in UI_TEXT, and each UI_TEXT piece is written in the JavaScript."""
    said = {s.encode().decode("unicode_escape") if "\\" in s else s for s in SAY.findall(js_text())}
    assert said and not said - set(UI_TEXT), sorted(said - set(UI_TEXT))
    # The course map's cells come from Python: its one word ("seen") is translated there, with tr().
    written = js_text() + (STATIC.parents[1] / "course" / "progress_cli.py").read_text()
    unused = [t for t in UI_TEXT if json_literal(t) not in written]
    assert not unused, unused


def json_literal(text: str) -> str:
    """How a piece of text is written as a JavaScript string literal."""
    return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'


def test_labels_are_chinese_in_a_chinese_notebook_and_empty_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """English sends nothing (the JavaScript's own text shows); zh-CN sends every translated piece."""
    assert labels("en") == {}
    zh = labels("zh-CN")
    assert zh["refresh"] == "刷新" and zh["{}/{} running"] == "{}/{} 运行中"
    monkeypatch.setenv("JPY_SESSION_NAME", "/x/notebooks/zh-CN/02-managing-nodes.ipynb")
    assert labels() == zh


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)")
def test_board_draws_its_words_in_chinese() -> None:
    """The same board, given the zh-CN labels: counts, the leader badge and tooltips are Chinese, Docker's verbs not."""
    page = WidgetPage()
    try:
        snap = web_snapshot()
        state = {
            "lab_name": "t",
            "swarm": board_model(snap),
            "status": status_model(snap, snap),
            "log": [],
            "history": False,
            "service_filter": "",
            "controls": True,
            "labels": labels("zh-CN"),
        }
        page.mount("board", state)
        p = page.page
        assert "3/3 运行中" in p.locator(".lk-svc").inner_text()
        assert "★ 领导者" in p.locator('.lk-node[data-node="manager1"]').inner_text()
        assert "实验环境 t 的集群" in p.locator(".lk-title").inner_text()
        kill = p.locator('.lk-node[data-node="worker1"] button[data-action="kill"]')
        assert kill.inner_text() == "kill" and "模拟崩溃" in (kill.get_attribute("title") or "")
        assert page.errors == []
    finally:
        page.close()
