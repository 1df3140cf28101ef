"""The widgets speak the notebook's language: Python sends `labels` (widgets/_labels.py), the front end's `say`
shows them, and UI_TEXT is exactly the text the JavaScript writes. The board drawn in Chromium with the zh-CN labels
is tested with the other drawings, in test_widgets_js.py (its browser and page fixtures)."""

from __future__ import annotations

import re

import pytest

from labkit import HttpReply
from labkit.base.i18n import tr
from labkit.swarm.state import SwarmSnapshot
from labkit.widgets import traffic
from labkit.widgets._actions import ActionRunner
from labkit.widgets._assets import STATIC
from labkit.widgets._diff import diff_snapshots
from labkit.widgets._labels import UI_TEXT, labels
from labkit.widgets._model import status_model
from labkit.widgets._traffic import answer_label, summarize

from .widgets_support import StubLab, raw_service, raw_task, snapshot, three_nodes, web_snapshot, web_tasks

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


# -- the text the widgets build in Python: tr() at the point it is made, English untouched --------------------------


@pytest.fixture
def speak(monkeypatch: pytest.MonkeyPatch):
    """speak("zh-CN") or speak("en"): the kernel's language, as a notebook's folder would choose it."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return lambda lang: monkeypatch.setenv("LABKIT_LANG", lang)


def _story() -> list[SwarmSnapshot]:
    """A node goes down, another is promoted, a task fails and is replaced, a service is created."""
    before = web_snapshot(1)
    after = snapshot(
        three_nodes(worker2={"state": "down", "message": "heartbeat failure"}, worker1={"role": "manager"}),
        [raw_service("s1", "web"), raw_service("s2", "api", replicas=2)],
        web_tasks()[:2] + [raw_task("t3", "s1", 3, "n3", state="failed", desired="shutdown", err="exit 1")],
        t=2,
    )
    return [before, after]


def test_timeline_events_speak_the_notebook_language(speak) -> None:
    """The same two snapshots: English events as they always were; in Chinese, Docker's states and names stay."""
    speak("en")
    english = [e["text"] for e in diff_snapshots(*_story())]
    assert "worker2 is down (heartbeat failure) (was ready)" in english
    assert "web.3 on worker2: running → failed (desired shutdown): exit 1" in english
    speak("zh-CN")
    zh = [e["text"] for e in diff_snapshots(*_story())]
    assert len(zh) == len(english)
    assert "worker2 变为 down (heartbeat failure)（之前是 ready）" in zh
    assert "worker1 被提升为管理节点" in zh
    assert "web.3 在 worker2 上：running → failed（理想状态 shutdown）: exit 1" in zh  # Docker's error as it is
    assert "服务 api 已创建（2 个副本，labkit/whoami:latest）" in zh
    killed = web_snapshot(3, faults={"worker1": "killed"})
    assert [e["text"] for e in diff_snapshots(web_snapshot(2), killed)] == ["worker1: 它的容器被主机杀掉了"]


def test_traffic_and_board_texts_speak_the_notebook_language(speak) -> None:
    """The traffic panel's notice, errors and bars, the board's waiting line and an action's note."""
    lab = StubLab([web_snapshot(1)], mesh=False)
    speak("en")
    english = traffic(lab, "web", 8080)
    assert english.notice.startswith("No routing mesh in this lab: the kernel has no IPVS. Requests to port 8080")
    assert answer_label(HttpReply("w", 80, True, 200, "")) == "HTTP 200 (answer does not say who)"
    assert status_model(None, None)["error"] == "waiting for the first snapshot…"
    speak("zh-CN")
    zh = traffic(lab, "web", 8080)
    assert zh.notice.startswith("这个实验环境没有路由网格：the kernel has no IPVS。经由 ingress 路由网格发往端口 8080")
    assert "服务 web 没有发布端口 9999" in traffic(lab, "web", 9999).error
    assert answer_label(HttpReply("w", 80, True, 200, "")) == "HTTP 200（应答中没有说明是谁）"
    failed = summarize([HttpReply("worker1", 8080, False, None, "", error="connection refused")])
    assert failed["failures"] == [{"label": "经由 worker1：connection refused", "count": 1}]
    assert status_model(None, None)["error"] == "正在等待第一个快照…"
    reason = (  # swarm/capabilities.py's, as a lab without IPVS measures it
        "the kernel has no IPVS (/proc/net/ip_vs is missing): `--publish 8080:80` is accepted and tasks run, but the "
        "ingress routing mesh and VIP load balancing cannot answer; use `--publish mode=host` and `--endpoint-mode "
        "dnsrr` instead"
    )
    assert tr(f"No routing mesh in this lab: {reason}. ", "zh-CN").startswith("这个实验环境没有路由网格：内核没有 IPVS")
    entries: list[dict] = []
    runner = ActionRunner(lab, entries.append)
    runner.submit("drain", "no such node!")
    assert entries[-1]["output"] == "无效的目标 'no such node!'"
    assert runner.submit("drain", "worker1")["note"] == "它的任务转移到其他节点；节点本身继续运行"
    assert runner.wait(10)
    speak("en")
    assert runner.submit("drain", "worker1")["note"] == "its tasks move to other nodes; the node keeps running"
    assert runner.wait(10)


def test_js_only_words_are_translated_too() -> None:
    """The board's column of unplaced tasks: its name and tooltip come from UI_TEXT as well."""
    zh = labels("zh-CN")
    assert zh["(no node)"] == "（无节点）" and "调度器" in zh["tasks the scheduler could not place on any node yet"]
