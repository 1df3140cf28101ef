"""The load-balancing panel (labkit/widgets/_traffic.py), with a stub lab: no Docker."""

from __future__ import annotations

from labkit import HttpReply
from labkit.widgets import traffic
from labkit.widgets._traffic import answer_label, split_count, summarize

from ..support import wait_until
from .widgets_support import StubLab, raw_service, snapshot, three_nodes, web_snapshot, web_tasks


def reply(node, hostname=None, ok=True, error=""):
    body = f"hostname: {hostname}\naddr: 10.0.1.5\nrequest: /\n" if hostname else ""
    return HttpReply(node, 8080, ok, 200 if ok else None, body, error=error)


def test_answer_label_uses_the_snapshot_to_name_the_task():
    r = reply("worker1", "aaaaaaaaaaaa")
    assert answer_label(r, {"aaaaaaaaaaaa": "web.1 @ manager1"}) == "web.1 @ manager1"
    assert answer_label(r) == "aaaaaaaaaaaa"
    assert answer_label(HttpReply("w", 80, True, 200, "hello")) == "HTTP 200 (answer does not say who)"
    with_task = HttpReply("w", 80, True, 200, "task: web.2.abcdefghijklmnopqrstuvwxy\nnode: worker1\n")
    assert answer_label(with_task) == "web.2 @ worker1"


def test_summarize_counts_answers_and_failures():
    replies = (
        [reply("worker1", "aaaaaaaaaaaa")] * 3
        + [reply("worker1", "bbbbbbbbbbbb")]
        + [reply("worker2", ok=False, error="curl: (7) Failed to connect\nmore")] * 2
    )
    s = summarize(replies, 1.234, {"aaaaaaaaaaaa": "web.1 @ manager1"})
    assert (s["total"], s["ok"], s["failed"], s["seconds"]) == (6, 4, 2, 1.23)
    assert s["bars"] == [{"label": "bbbbbbbbbbbb", "count": 1}, {"label": "web.1 @ manager1", "count": 3}]
    assert s["failures"] == [{"label": "via worker2: curl: (7) Failed to connect", "count": 2}]
    assert s["by_node"] == [{"node": "worker1", "sent": 4, "ok": 4}, {"node": "worker2", "sent": 2, "ok": 0}]


def test_split_count():
    assert split_count(30, ["a", "b", "c"]) == [("a", 10), ("b", 10), ("c", 10)]
    assert split_count(4, ["a", "b", "c"]) == [("a", 2), ("b", 1), ("c", 1)]
    assert split_count(1, ["a", "b"]) == [("a", 1)]
    assert split_count(5, []) == []


def test_spread_over_all_nodes_with_a_mesh():
    lab = StubLab([web_snapshot(1)])
    for i, h in enumerate(("manager1", "worker1", "worker2")):
        lab.http_replies[h] = [reply(h, f"{i}" * 12)] * 10
    p = traffic(lab, "web", 8080)
    assert repr(p) == "TrafficPanel(lab='t', service='web', port=8080)"
    assert p.notice == "" and p.mode == "ingress" and p.count == 30
    r = p.send()
    assert r["total"] == 30 and r["ok"] == 30 and len(r["bars"]) == 3
    assert sorted(c[1] for c in lab.calls if c[0] == "http") == ["manager1", "worker1", "worker2"]
    assert p.targets == ["manager1", "worker1", "worker2"] and not p.running


def test_through_one_node():
    lab = StubLab([web_snapshot(1)])
    lab.http_replies["worker1"] = [reply("worker1", "aaaaaaaaaaaa")] * 30
    p = traffic(lab, "web", 8080, count=7)
    assert p.send(via="worker1")["total"] == 7
    assert [c for c in lab.calls if c[0] == "http"] == [("http", "worker1", 8080, 7)]


def test_without_mesh_the_panel_says_so_and_host_mode_targets_the_task_nodes():
    host = snapshot(
        three_nodes(),
        [raw_service("s1", "web", replicas=2, ports=((8080, 80, "host"),))],
        web_tasks({1: "n1", 2: "n3"}),
    )
    lab = StubLab([host], mesh=False)
    p = traffic(lab, "web", 8080)
    assert p.mode == "host"
    assert "no IPVS" in p.notice and "mode=host, which needs no mesh" in p.notice
    p.send()
    assert p.targets == ["manager1", "worker2"]  # only nodes running a web task listen in host mode
    ingress = StubLab([web_snapshot(1)], mesh=False)
    q = traffic(ingress, "web", 8080)
    assert "expected to fail" in q.notice and "--publish mode=host,published=8080" in q.notice


def test_failures_are_shown_not_raised(capfd):
    lab = StubLab([web_snapshot(1)])
    lab.http_replies["worker1"] = RuntimeError("node worker1 is paused")
    p = traffic(lab, "web", 8080, count=4, via="worker1")
    r = p.send()
    assert r["failed"] == 4 and r["failures"][0]["label"] == "via worker1: node worker1 is paused"
    assert capfd.readouterr() == ("", "")


def test_unknown_service_or_port_is_an_error_in_the_panel():
    lab = StubLab([web_snapshot(1)])
    assert "no service 'db'" in traffic(lab, "db", 80).error
    assert "publishes no port 9999" in traffic(lab, "web", 9999).error


def test_browser_message_runs_in_a_thread_and_records_in_the_timeline():
    from labkit.widgets import watcher_for

    lab = StubLab([web_snapshot(1)])
    lab.http_replies["worker2"] = [reply("worker2", "cccccccccccc")] * 5
    p = traffic(lab, "web", 8080)
    p._on_front_msg(p, {"type": "send", "count": 5, "via": "worker2"}, [])
    wait_until(lambda: p.result and not p.running, 5, "the run started from the browser to finish", interval=0.01)
    assert p.result["ok"] == 5
    assert watcher_for(lab).events[-1]["kind"] == "traffic"
