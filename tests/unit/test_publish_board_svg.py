"""The board's still picture (labkit/publish/board_svg.py): an SVG drawn from the board's own model."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from labkit.publish.board_svg import LABELS, LABELS_BY_LANG, PALETTE, board_picture, board_svg
from labkit.widgets._model import board_model

from .widgets_support import StubLab, raw_service, raw_task, snapshot, three_nodes, web_snapshot, web_tasks

SVG = "{http://www.w3.org/2000/svg}"


def columns(svg: str) -> dict[str, list[str]]:
    """{node column: the labels of the task cards drawn in it}, read back from the SVG."""
    root = ET.fromstring(svg)
    return {
        g.get("data-node"): [t.get("data-label") for t in g.iter(f"{SVG}g") if t.get("class") == "lk-task"]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "lk-node"
    }


def test_one_column_per_node_with_its_current_tasks():
    svg = board_svg(board_model(web_snapshot()))
    assert columns(svg) == {"manager1": ["web.1"], "worker1": ["web.2"], "worker2": ["web.3"]}
    assert ET.fromstring(svg).get("class") == "labkit-board"
    # A reader who gets no picture (a screen reader, a text browser) gets the same in words.
    assert ET.fromstring(svg).find(f"{SVG}title").text == "[board of t] manager1: web.1; worker1: web.2; worker2: web.3"


def test_history_is_not_drawn_and_unplaced_tasks_get_their_own_column():
    tasks = web_tasks() + [
        raw_task("old", "s1", 2, "n2", state="shutdown", desired="shutdown"),
        raw_task("t4", "s1", 4, None, state="pending"),
    ]
    svg = board_svg(board_model(snapshot(three_nodes(), [raw_service("s1", "web", replicas=4)], tasks)))
    cols = columns(svg)
    assert cols["worker1"] == ["web.2"]  # the shut-down task of slot 2 is history
    assert cols["not placed"] == ["web.4"]


def test_a_killed_node_is_drawn_down_and_its_stranded_task_red():
    svg = board_svg(board_model(web_snapshot(faults={"worker2": "killed"})))
    root = ET.fromstring(svg)
    worker2 = next(g for g in root.iter(f"{SVG}g") if g.get("data-node") == "worker2")
    assert worker2.find(f"{SVG}rect").get("stroke") == "#cf222e"
    assert "killed" in "".join(worker2.itertext())
    card = next(g for g in worker2.iter(f"{SVG}g") if g.get("data-label") == "web.3")
    assert card.find(f"{SVG}rect").get("fill") == "#ffebe9"


def test_services_keep_the_board_colours_and_show_running_over_desired():
    model = board_model(web_snapshot())
    root = ET.fromstring(board_svg(model))
    line = next(g for g in root.iter(f"{SVG}g") if g.get("data-service") == "web")
    assert line.find(f"{SVG}rect").get("fill") == PALETTE[model["services"][0]["color"]]
    assert "3/3" in "".join(line.itertext())


def test_names_are_escaped_and_labels_can_be_another_language():
    model = board_model(web_snapshot())
    model["lab"] = "<lab & co>"
    svg = board_svg(model, {"title": "集群看板：{lab}"})
    assert "集群看板：&lt;lab &amp; co&gt;" in svg
    ET.fromstring(svg)  # still well-formed


def test_the_edition_language_picks_the_words_of_the_picture(monkeypatch):
    assert set(LABELS_BY_LANG["zh-CN"]) == set(LABELS)
    monkeypatch.setenv("LABKIT_LANG", "zh-CN")
    lab = StubLab([web_snapshot(1)])
    try:
        data, _ = board_picture(lab)._repr_mimebundle_()
        assert "Swarm 看板：t" in data["image/svg+xml"] and data["text/plain"].startswith("[t 的看板] manager1: web.1")
    finally:
        from labkit.widgets import board

        board(lab).close()


def test_the_picture_of_a_lab_follows_the_board_after_a_fresh_snapshot():
    lab = StubLab([web_snapshot(1), web_snapshot(2, faults={"worker1": "killed"})])
    picture = board_picture(lab)
    try:
        data, meta = picture._repr_mimebundle_()
        assert "killed" in "".join(ET.fromstring(data["image/svg+xml"]).itertext())
        assert data["text/plain"] == "[board of t] manager1: web.1; worker1: web.2; worker2: web.3"
        assert meta == {"labkit": {"board_picture": True}}
    finally:
        from labkit.widgets import board

        board(lab).close()
