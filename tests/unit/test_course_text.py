"""The course's learner text: no wording about the machine it was built on, the source cited once, links to the
Docker docs in every notebook, and what is said once (How exercises work) said only in 00."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# A learner cares about their own host (as `labkit doctor` reports it), not the one the course was built on.
BUILD_MACHINE = ("test machine", "our machine", "the machine this course is built", "tested on")
DOCKING_BY_HAND = ("Create New View for Cell Output", "right-click")


def text(path: Path) -> str:
    """Every cell's source, markdown and code, joined."""
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


def test_there_are_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS][:12] == [f"{i:02d}" for i in range(12)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_text_speaks_of_the_machine_the_course_was_built_on(path):
    found = [w for w in BUILD_MACHINE if re.search(rf"\b{w}", text(path).lower())]
    assert not found, f"{path.name}: say what happens on the learner's host (`labkit doctor`), not {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_a_further_reading_line_into_the_docker_docs(path):
    lines = [ln for ln in text(path).splitlines() if ln.startswith("**Further reading**")]
    assert len(lines) == 1, f"{path.name}: one 'Further reading' line"
    assert re.search(r"\]\(https://docs\.docker\.com/[^)\s]*\)", lines[0]), "with at least one Docker docs link"


def test_the_source_is_cited_in_full_once_in_00():
    cited = [p.name for p in NOTEBOOKS if "2016-10-24" in text(p)]
    assert cited == ["00-welcome.ipynb"]
    welcome = text(NOTEBOOKS[0])
    for part in ("*Docker Swarm Mode*", "Chinese", "blog post", "no author", "Docker 1.12"):
        assert part in welcome, part


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_how_exercises_work_is_said_in_00_and_linked_elsewhere(path):
    body = text(path)
    if path.name.startswith("00"):
        assert "## How exercises work" in body
        return
    assert "**How exercises work.**" not in body and "## How exercises work" not in body
    if path.name[:2] in ("01", "02", "03", "04"):
        assert "[How exercises work](00-welcome.ipynb#How-exercises-work)" in body


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_board_docks_itself_instead_of_being_docked_by_hand(path):
    cells = nbformat.read(path, as_version=4).cells
    assert not [w for w in DOCKING_BY_HAND if w in text(path)], f"{path.name}: `lab.board(side=True)` docks it"
    boards = [c.source for c in cells if c.cell_type == "code" and "lab.board(" in c.source]
    assert all("lab.board(side=True)" in b for b in boards), boards
