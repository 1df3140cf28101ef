"""The widgets' front ends rendered in Debian's Chromium with a minimal anywidget model (no Jupyter, no Docker).

Models come from the Python side (`board_model`, `status_model`, `summarize`), so these tests check that
what Python sends is drawn as intended and that clicks send the right messages back.
"""

from __future__ import annotations

import os

import pytest

from labkit.swarm.state import SwarmSnapshot
from labkit.widgets._diff import make_event
from labkit.widgets._labels import labels
from labkit.widgets._model import ColorBook, MarkTracker, board_model, status_model

from .widgets_support import (
    CHROMIUM,
    WidgetPage,
    big_snapshot,
    raw_service,
    raw_task,
    snapshot,
    three_nodes,
    web_snapshot,
    web_tasks,
)

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser():
    wp = WidgetPage()
    yield wp
    wp.close()


@pytest.fixture
def page(browser):
    browser.errors.clear()
    yield browser
    assert browser.errors == []  # no exception in the widget's JavaScript


def board_state(snap, **kw):
    state = {
        "lab_name": "t",
        "swarm": board_model(snap),
        "status": status_model(snap, snap),
        "log": [],
        "history": False,
        "service_filter": "",
        "controls": True,
    }
    state.update(kw)
    return state


def test_board_draws_columns_and_cards(page):
    page.mount("board", board_state(web_snapshot(faults={"worker2": "killed"})))
    p = page.page
    assert p.locator(".lk-node").count() == 3
    assert p.locator(".lk-task").count() == 3
    w2 = p.locator('.lk-node[data-node="worker2"]')
    assert "lk-down" in w2.get_attribute("class") and "killed" in w2.inner_text()
    assert "★ leader" in p.locator('.lk-node[data-node="manager1"]').inner_text()
    assert w2.locator('.lk-task[data-label="web.3"].lk-stranded').count() == 1
    assert w2.locator('button[data-action="start"]').count() == 1  # a killed node offers start, not kill
    assert p.locator(".lk-svc").inner_text().count("3/3 running") == 1


def test_card_moves_to_its_new_node_with_a_mark(page):
    marks, colors = MarkTracker(), ColorBook()
    first = web_snapshot(1)
    marks.update(first, 1)
    page.mount("board", board_state(first, swarm=board_model(first, marks, colors)))
    tasks = web_tasks()[:2] + [
        raw_task("t3", "s1", 3, "n3", state="shutdown", desired="shutdown"),
        raw_task("t9", "s1", 3, "n2", state="starting"),
    ]
    second = snapshot(three_nodes(), [raw_service("s1", "web")], tasks, t=2)
    marks.update(second, 2)
    page.update(swarm=board_model(second, marks, colors))
    p = page.page
    assert p.locator('.lk-node[data-node="worker1"] .lk-task.lk-arriving[data-label="web.3"]').count() == 1
    assert p.locator('.lk-node[data-node="worker2"] .lk-task.lk-leaving[data-label="web.3"]').count() == 1
    marks.expire(100)
    page.update(swarm=board_model(second, marks, colors))
    assert p.locator('.lk-node[data-node="worker2"] .lk-task').count() == 0  # history is off
    assert p.locator('.lk-node[data-node="worker2"] .lk-empty').count() == 1


def test_buttons_send_actions(page):
    page.mount("board", board_state(web_snapshot()))
    p = page.page
    p.click('.lk-node[data-node="worker1"] button[data-action="drain"]')
    assert page.sent() == [{"type": "action", "action": "drain", "target": "worker1", "value": None}]
    remove = p.locator('.lk-svc button[data-action="remove"]')
    remove.click()
    assert len(page.sent()) == 1 and remove.inner_text() == "sure?"  # a second click is needed
    remove.click()
    assert page.sent()[-1] == {"type": "action", "action": "remove", "target": "web", "value": None}
    p.locator(".lk-slider").fill("6")
    p.locator(".lk-slider").dispatch_event("change")
    assert page.sent()[-1] == {"type": "action", "action": "scale", "target": "web", "value": 6}


def test_running_actions_disable_their_buttons_and_the_log_shows_commands(page):
    log = [
        {
            "id": 1,
            "t": 0,
            "time": "10:00:00",
            "action": "kill",
            "target": "worker2",
            "status": "ok",
            "command": "docker kill t-worker2",
            "where": "host",
            "note": "on the host: killed from outside",
            "output": "",
            "seconds": 0.2,
        },
        {
            "id": 2,
            "t": 0,
            "time": "10:00:01",
            "action": "drain",
            "target": "worker1",
            "status": "running",
            "command": "docker node update --availability drain worker1",
            "where": "manager",
            "note": "",
            "output": "",
        },
    ]
    page.mount("board", board_state(web_snapshot(), log=log))
    p = page.page
    assert p.locator('.lk-node[data-node="worker1"] button[data-action="drain"]').is_disabled()
    assert not p.locator('.lk-node[data-node="worker2"] button[data-action="kill"]').is_disabled()
    text = p.locator(".lk-log").inner_text()
    assert "host$ docker kill t-worker2" in text and "manager$ docker node update --availability drain worker1" in text
    page.update(log=[log[0], dict(log[1], status="error", output="Error: node not found", ran_on="manager1")])
    assert "manager1$ docker node update" in p.locator(".lk-log").inner_text()
    assert p.locator('.lk-log-entry[data-status="error"] .lk-log-out').inner_text() == "Error: node not found"
    assert not p.locator('.lk-node[data-node="worker1"] button[data-action="drain"]').is_disabled()


def test_history_toggle_and_service_filter(page):
    tasks = web_tasks() + [
        raw_task("old", "s1", 1, "n1", state="failed", desired="shutdown"),
        raw_task("d1", "s2", 1, "n2"),
    ]
    snap = snapshot(three_nodes(), [raw_service("s1", "web"), raw_service("s2", "db", replicas=1, ports=())], tasks)
    page.mount("board", board_state(snap))
    p = page.page
    assert p.locator(".lk-task").count() == 4
    p.check(".lk-history")
    assert p.locator(".lk-task").count() == 5 and p.evaluate("window.lk.state.history") is True
    p.select_option(".lk-filter", "db")
    assert p.locator(".lk-task").count() == 1 and p.evaluate("window.lk.state.service_filter") == "db"


def test_no_quorum_banner_and_stale_board(page):
    good = web_snapshot(1)
    lost = SwarmSnapshot(lab="t", taken_at=2, manager=None, error="no quorum: the swarm has no leader", quorum=False)
    page.mount("board", board_state(good, status=status_model(lost, good)))
    p = page.page
    assert p.locator(".lk-banner.lk-show").inner_text().startswith("No quorum: no quorum: the swarm has no leader")
    assert "lk-stale" in p.locator("#root").get_attribute("class")
    assert p.locator(".lk-node").count() == 3
    page.update(status=status_model(good, good))
    assert p.locator(".lk-banner.lk-show").count() == 0
    page.update(status=dict(status_model(good, good), waiting=4))
    assert "no answer from the managers for 4 s" in p.locator(".lk-clock.lk-waiting").inner_text()


def test_ten_nodes_and_a_hundred_tasks_fit_without_horizontal_scrolling(page):
    page.mount("board", board_state(big_snapshot(10, 100)))
    p = page.page
    assert p.locator(".lk-node").count() == 10 and p.locator(".lk-task").count() == 100
    assert "lk-dense" in p.locator("#root").get_attribute("class")
    assert p.evaluate("() => { const n = document.querySelector('.lk-nodes'); return n.scrollWidth <= n.clientWidth; }")
    p.screenshot(path=_artifact("board-10x100.png"), full_page=True)


def test_traffic_panel_draws_bars_failures_and_the_mesh_notice(page):
    result = {
        "total": 30,
        "ok": 27,
        "failed": 3,
        "seconds": 1.5,
        "by_node": [],
        "bars": [{"label": "web.1 @ manager1", "count": 14}, {"label": "web.2 @ worker1", "count": 13}],
        "failures": [{"label": "via worker2: connection refused", "count": 3}],
    }
    state = {
        "lab_name": "t",
        "service": "web",
        "port": 8080,
        "count": 30,
        "via": "all",
        "nodes": ["manager1", "worker1", "worker2"],
        "mode": "host",
        "notice": "No routing mesh in this lab",
        "targets": ["manager1", "worker1"],
        "result": result,
        "running": False,
        "error": "",
    }
    page.mount("traffic", state)
    p = page.page
    assert p.locator(".lk-bar.lk-ok").count() == 2 and p.locator(".lk-bar.lk-fail").count() == 1
    assert p.locator(".lk-tr-notice").is_visible()
    assert "27 answered by 2 task(s), 3 failed" in p.locator(".lk-tr-summary").inner_text()
    p.select_option(".lk-tr-via", "worker1")
    p.fill(".lk-tr-count", "12")
    p.click(".lk-tr-send")
    assert page.sent() == [{"type": "send", "count": 12, "via": "worker1"}]


def test_timeline_lists_events_and_filters_kinds(page):
    events = [
        make_event(1_000, "node", "worker2 is down (was ready)", "error", "worker2"),
        make_event(1_001, "task", "web.3 new on worker1: assigned", "info", "web.3"),
    ]
    page.mount("timeline", {"lab_name": "t", "events": events, "kinds": [], "height": "10em"})
    p = page.page
    assert p.locator(".lk-tl-ev").count() == 2 and p.locator(".lk-tl-ev.lk-error").count() == 1
    p.click('.lk-tl-chip[data-kind="task"]')
    assert p.locator(".lk-tl-ev").count() == 1
    page.update(events=events + [make_event(1_002, "node", "worker2 is ready (was down)", "ok", "worker2")])
    assert p.locator(".lk-tl-ev").count() == 2


def _artifact(name: str) -> str:
    root = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts")
    os.makedirs(root, exist_ok=True)
    return os.path.join(root, name)


def test_availability_buttons_follow_the_nodes_availability(page):
    nodes = three_nodes(worker1={"availability": "drain"}, worker2={"availability": "pause"})
    page.mount("board", board_state(snapshot(nodes, [raw_service("s1", "web")], [])))
    p = page.page

    def actions(node: str) -> set[str]:
        return set(
            p.locator(f'.lk-node[data-node="{node}"] button').evaluate_all("bs => bs.map(b => b.dataset.action)")
        )

    assert {"drain"} <= actions("manager1") and "activate" not in actions("manager1")
    assert {"activate"} <= actions("worker1") and "drain" not in actions("worker1")
    assert {"drain", "activate"} <= actions("worker2"), "a paused node can be drained or made active again"


def test_board_draws_its_words_in_chinese(page):
    """The same board, given the zh-CN labels: counts, the leader badge and tooltips are Chinese, Docker's verbs not."""
    page.mount("board", board_state(web_snapshot(), labels=labels("zh-CN")))
    p = page.page
    assert "3/3 运行中" in p.locator(".lk-svc").inner_text()
    assert "★ 领导者" in p.locator('.lk-node[data-node="manager1"]').inner_text()
    assert "实验环境 t 的集群" in p.locator(".lk-title").inner_text()
    kill = p.locator('.lk-node[data-node="worker1"] button[data-action="kill"]')
    assert kill.inner_text() == "kill" and "模拟崩溃" in (kill.get_attribute("title") or "")
