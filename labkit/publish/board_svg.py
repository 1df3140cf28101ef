"""A still picture of the board: an SVG drawn in Python from the board's own model (`SwarmBoard.swarm`).

The live board is a widget: in a recorded notebook (on Binder, on the site) it has no kernel behind it and shows
nothing. The recorder therefore adds this picture of the same model, at that moment, next to it: a column per
node, a card per current task coloured by service, the services above, as the board draws them (board.css).
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..base.i18n import language

__all__ = ["board_svg", "board_picture", "BoardPicture", "LABELS", "LABELS_BY_LANG"]

# board.css's --lk-svc-0 .. --lk-svc-11: a service keeps the colour it has on the live board.
PALETTE = "#0969da #bf3989 #1a7f37 #bc4c00 #8250df #0a7e8c #9a6700 #cf222e #57606a #6639ba #116329 #953800".split()
STATE_FILL = {"running": "#dafbe1", "complete": "#ddf4ff", "failed": "#ffebe9", "rejected": "#ffebe9"}
STARTING_FILL = "#fff8c5"  # new, pending, assigned, … starting: not running yet
# The words the picture prints, per edition (the notebook's language picks one: labkit.base.i18n.language).
LABELS = {
    "title": "Swarm board: {lab}",
    "manager": "manager",
    "leader": "★ leader",
    "down": "down",
    "unassigned": "not placed",
    "none": "no tasks",
    "summary": "[board of {lab}]",
}
LABELS_BY_LANG = {
    "en": LABELS,
    "zh-CN": {
        "title": "Swarm 看板：{lab}",
        "manager": "管理节点",
        "leader": "★ Leader",
        "down": "Down",
        "unassigned": "未分配",
        "none": "没有任务",
        "summary": "[{lab} 的看板]",
    },
}
COL_W, GAP, CARD_H, HEAD_H, PAD, SVC_H = 170, 8, 18, 40, 10, 18


def _node_columns(model: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(node, its current task cards) per column, in the model's node order; unplaced tasks get a column."""
    shown = [t for t in model.get("tasks", []) if t.get("current")]
    order = lambda t: (t.get("service", ""), t.get("slot") or 0, t.get("label", ""))  # noqa: E731
    columns = [
        (n, sorted((t for t in shown if t.get("node") == n["hostname"]), key=order)) for n in model.get("nodes", [])
    ]
    loose = sorted((t for t in shown if not t.get("node")), key=order)
    if loose:
        columns.append(({"hostname": "", "unassigned": True}, loose))
    return columns


def _text(x: float, y: float, text: str, size: int = 11, weight: str = "normal", fill: str = "#1f2328") -> str:
    return f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}">{escape(str(text))}</text>'


def _badges(node: dict[str, Any], labels: dict[str, str]) -> str:
    words = []
    if node.get("role") == "manager":
        words.append(labels["leader"] if node.get("leader") else labels["manager"])
    if node.get("availability") not in (None, "", "active"):
        words.append(str(node["availability"]))
    if node.get("down"):
        words.append(node.get("fault") or labels["down"])
    return " · ".join(words)


def _column(x: int, y: int, height: int, node: dict[str, Any], cards: list[dict[str, Any]], labels: dict) -> str:
    down = bool(node.get("down"))
    border = "#cf222e" if down else "#d0d7de"
    dash = ' stroke-dasharray="4 3"' if node.get("unassigned") else ""
    head_fill = "#ffebe9" if down else "#f6f8fa"
    name = node.get("hostname") or labels["unassigned"]
    parts = [
        f'<g class="lk-node" data-node="{escape(name)}">',
        f'<rect x="{x}" y="{y}" width="{COL_W}" height="{height}" rx="5" fill="#ffffff" stroke="{border}"{dash}/>',
        f'<rect x="{x}" y="{y}" width="{COL_W}" height="{HEAD_H - 4}" rx="5" fill="{head_fill}"/>',
    ]
    if not node.get("unassigned"):
        dot = "#cf222e" if down else "#1a7f37"
        parts.append(f'<circle cx="{x + 10}" cy="{y + 12}" r="4" fill="{dot}"/>')
    parts.append(_text(x + 18, y + 16, name, 12, "600"))
    parts.append(_text(x + 8, y + 30, _badges(node, labels), 10, fill="#57606a"))
    cy = y + HEAD_H
    if not cards:
        parts.append(_text(x + 8, cy + 12, labels["none"], 10, fill="#57606a"))
    for card in cards:
        color = PALETTE[int(card.get("color", 0)) % len(PALETTE)]
        state = str(card.get("state", ""))
        fill = "#ffebe9" if card.get("stranded") else STATE_FILL.get(state, STARTING_FILL)
        parts.append(
            f'<g class="lk-task" data-label="{escape(str(card.get("label", "")))}" data-state="{escape(state)}">'
            f'<rect x="{x + 4}" y="{cy}" width="{COL_W - 8}" height="{CARD_H - 2}" rx="3" fill="{fill}"/>'
            f'<rect x="{x + 4}" y="{cy}" width="4" height="{CARD_H - 2}" fill="{color}"/>'
            + _text(x + 12, cy + 12, card.get("label", ""), 11, "600")
            + f'<text x="{x + COL_W - 8}" y="{cy + 12}" font-size="10" fill="#57606a" text-anchor="end">'
            f"{escape(state)}</text></g>"
        )
        cy += CARD_H
    parts.append("</g>")
    return "".join(parts)


def _service_line(x: int, y: int, service: dict[str, Any]) -> str:
    color = PALETTE[int(service.get("color", 0)) % len(PALETTE)]
    running, desired = service.get("running", 0), service.get("desired", 0)
    count_color = "#1a7f37" if running >= desired else "#cf222e"
    ports = " ".join(service.get("ports") or [])
    rest = "  ".join(str(v) for v in (service.get("mode", ""), service.get("image", ""), ports, service.get("update")))
    return (
        f'<g class="lk-svc" data-service="{escape(str(service.get("name", "")))}">'
        f'<rect x="{x}" y="{y}" width="4" height="{SVC_H - 4}" fill="{color}"/>'
        + _text(x + 10, y + 11, service.get("name", ""), 12, "600")
        + _text(x + 110, y + 11, f"{running}/{desired}", 11, "600", count_color)
        + _text(x + 160, y + 11, rest.strip(), 10, fill="#57606a")
        + "</g>"
    )


def board_svg(model: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """The SVG of a board model (`board_model(snapshot)`: nodes, services, tasks), as a standalone document."""
    words = {**LABELS, **(labels or {})}
    columns = _node_columns(model)
    services = list(model.get("services", []))
    tallest = max([len(cards) for _, cards in columns] + [1])
    col_h = HEAD_H + tallest * CARD_H + 6
    width = max(PAD * 2 + len(columns) * (COL_W + GAP) - GAP, 360)
    top = PAD + 22 + len(services) * SVC_H + (6 if services else 0)
    height = top + col_h + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="labkit-board" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif">',
        f"<title>{escape(_summary(model, words))}</title>",
        f'<rect width="{width}" height="{height}" rx="6" fill="#ffffff" stroke="#d0d7de"/>',
        _text(PAD, PAD + 12, words["title"].format(lab=model.get("lab", "")), 13, "600"),
    ]
    parts += [_service_line(PAD, PAD + 22 + i * SVC_H, s) for i, s in enumerate(services)]
    for i, (node, cards) in enumerate(columns):
        parts.append(_column(PAD + i * (COL_W + GAP), top, col_h, node, cards, words))
    parts.append("</svg>")
    return "\n".join(parts)


def _summary(model: dict[str, Any], labels: dict[str, str]) -> str:
    """A one-line text form of the picture (what a reader without images gets)."""
    per_node = [
        f"{node.get('hostname') or '-'}: {', '.join(c.get('label', '') for c in cards) or '-'}"
        for node, cards in _node_columns(model)
    ]
    return labels["summary"].format(lab=model.get("lab", "")) + " " + "; ".join(per_node)


class BoardPicture:
    """A board picture as a notebook output: the SVG, with a text line for readers without images."""

    def __init__(self, model: dict[str, Any], labels: dict[str, str] | None = None):
        self.model = model
        self.labels = {**LABELS, **(labels or {})}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        data = {"image/svg+xml": board_svg(self.model, self.labels), "text/plain": _summary(self.model, self.labels)}
        return data, {"labkit": {"board_picture": True}}


def board_picture(lab: Any, labels: dict[str, str] | None = None) -> BoardPicture:
    """The picture of a lab's board as it is now: one fresh snapshot through the board's watcher, then its model.

    Runs in the notebook's kernel (the recorder calls it after a cell that shows the board); its words are the
    edition's (the notebook's language) unless `labels` are given.
    """
    from ..widgets import board, watcher_for

    labels = labels or LABELS_BY_LANG.get(language(), LABELS)
    shown = board(lab)  # the lab's open board (the one `lab.board(side=True)` docked): the same widget
    watcher_for(lab).tick()  # the board's model follows the snapshot this takes, synchronously
    return BoardPicture(dict(shown.swarm), labels)
