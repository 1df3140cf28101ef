"""The recorded edition (recorded/<lang>/) was recorded from the learner notebooks as they are: the same cells in
the same order, text and code byte for byte, except each exercise's answer cell, which holds the course's solution;
and a board exercise shows the board before and after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.course.catalog import check_by_id
from labkit.publish.record import EDITIONS

ROOT = Path(__file__).resolve().parents[2]
RECORDED = sorted((ROOT / "recorded").glob("*/*.ipynb"))


def sources(path: Path) -> list[tuple[str, str, str]]:
    """(cell type, exercise id or "", source) of every cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (c["cell_type"], c.get("metadata", {}).get("labkit", {}).get("exercise", ""), "".join(c["source"]))
        for c in cells
    ]


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_recording_holds_the_code_of_its_notebook(path):
    lang = path.parent.name
    assert lang in EDITIONS, f"recorded/{lang}: no such edition ({', '.join(EDITIONS)})"
    source = ROOT / EDITIONS[lang] / path.name
    assert source.exists(), f"{path.relative_to(ROOT)} has no learner notebook {source.relative_to(ROOT)}"
    expected = [(kind, ex, check_by_id(ex).solution if ex else text) for kind, ex, text in sources(source)]
    assert sources(path) == expected, f"the notebook changed since it was recorded: ./run record {path.name[:2]}"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert any(c.get("outputs") for c in cells), "a recording has outputs"


def pictures(cell: dict) -> int:
    return sum("image/svg+xml" in o.get("data", {}) for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_board_exercise_shows_the_board_before_and_after(path):
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for i, cell in enumerate(cells):
        exercise = cell.get("metadata", {}).get("labkit", {}).get("exercise")
        if exercise and check_by_id(exercise).board:
            assert any(pictures(c) for c in cells[:i]), f"{exercise}: no board picture before it"
            assert pictures(cell) and pictures(cells[i + 1]), f"{exercise}: no board picture after it"
