"""The course as files: every command of the article is typed somewhere, every notebook follows the conventions,
exercises are empty answer cells with a check, and no cell depends on Python state set by an earlier cell."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from labkit.course.catalog import PLANS

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))

# Every command of the article *Docker Swarm Mode* the course follows, as a learner types it.
SEED_COMMANDS = [
    "docker swarm init --advertise-addr",
    "docker info",
    "docker swarm join-token worker",
    "docker swarm join-token manager",
    "docker node ls",
    "docker node inspect",
    "--pretty",
    "docker node promote",
    "docker node demote",
    "docker node rm",
    "docker swarm leave",
    "docker swarm leave --force",
    "docker service create --name nginx --replicas 2 --publish 8080:80 nginx",
    "docker service scale",
    "docker service ls",
    "docker service ps",
    "docker service inspect",
    "docker service rm",
    "docker service create --name nginx --mode global --publish 8080:80 nginx",
]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_course_has_notebooks_00_to_15():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(16)], [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("command", SEED_COMMANDS)
def test_every_seed_command_is_run_in_a_node_cell(command):
    typed = [
        p.name
        for p in NOTEBOOKS
        for c in cells(p)
        if c["cell_type"] == "code" and source(c).startswith("%%node") and command in source(c)
    ]
    assert typed, f"no %%node cell in the course runs {command!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_conventions(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    first, last = nb["cells"][0], nb["cells"][-1]
    assert first["cell_type"] == "markdown" and "Learning objectives" in source(first)
    assert any("Key points" in source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), "commit notebooks without outputs"
    text = "".join(source(c) for c in nb["cells"])
    assert "the seed" not in text.lower(), "call the source by its title: the article *Docker Swarm Mode*"
    if path.name[:2] in PLANS:
        assert f'lab = open_lab("{path.name[:2]}")' in source(code[0]), "the first code cell opens (resumes) the lab"
        assert "walkthrough" not in text.lower(), "name the article: *Docker Swarm Mode*"
    elif path.name[:2] != "00":
        name = f"nb{path.name[:2]}"
        assert re.search(rf'name="{name}", replace=True', "".join(source(c) for c in code)), f"lab name {name}"
    if path.name[:2] != "00":
        assert source(last).strip() == "lab.stop()", "the last cell stops the lab"


MIGRATED = [p for p in NOTEBOOKS if p.name[:2] in PLANS]
ANSWER_NODE = "# your commands here, then run the cell (Shift-Enter)"  # runs as a no-op: the check says what is missing
ANSWER_BOARD = "# use the board's buttons above; this cell can stay as it is"


def labkit_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("labkit") or {}


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_checks_and_exercises_match_the_catalog(path):
    plan = PLANS[path.name[:2]]
    nb_cells = [c for c in cells(path) if c["cell_type"] == "code"]
    calls = [labkit_meta(c)["check"] for c in nb_cells if labkit_meta(c).get("check")]
    assert sorted(calls) == sorted(c.id for c in plan.checks), "each check of the catalog has exactly one cell"
    for cell in nb_cells:
        if labkit_meta(cell).get("check"):
            assert source(cell).strip() == f'check("{labkit_meta(cell)["check"]}")', "a check cell is one line"
    answers = [i for i, c in enumerate(nb_cells) if labkit_meta(c).get("exercise")]
    assert [labkit_meta(nb_cells[i])["exercise"] for i in answers] == [c.id for c in plan.exercises]
    for i in answers:
        body = source(nb_cells[i]).strip()
        # A %%nodefile answer cell ships with the file as it is at that point, for the learner to edit.
        assert body.startswith("%%nodefile ") or body in (
            ANSWER_BOARD,
            f"%%node {body.split()[1]}\n{ANSWER_NODE}" if body.startswith("%%node") else "",
        ), f"the answer cell ships with only its placeholder, not {body!r}"
        assert labkit_meta(nb_cells[i + 1]).get("check") == labkit_meta(nb_cells[i])["exercise"], (
            "the exercise's check follows its answer cell"
        )
    if path.name[:2] != "00":
        assert len(plan.exercises) >= 2, "every notebook 01-11 has at least two exercises"


def names_read_and_set(cell: dict) -> tuple[set[str], set[str]]:
    """Python names a cell reads and sets (for `%%node` cells: the names inside `{...}` expansions)."""
    text = source(cell)
    if text.startswith("%%") and not text.startswith("%%node"):  # another cell magic (%%bash): no Python in it
        return set(), set()
    if text.startswith("%%node"):
        exprs = re.findall(r"(?<!{){([^{}]+)}(?!})", text)
        tree = ast.parse("\n".join(e.strip() for e in exprs) or "pass")
    else:
        tree = ast.parse("\n".join(line for line in text.splitlines() if not line.startswith(("%", "!"))) or "pass")
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    set_ = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    set_ |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    set_ |= {
        (a.asname or a.name).split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    return read, set_


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_no_cell_depends_on_python_state_set_by_an_earlier_cell(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    _, allowed = names_read_and_set(code[0])  # the setup cell: imports and `lab`
    earlier: dict[str, int] = {}
    for i, cell in enumerate(code[1:], 1):
        read, set_ = names_read_and_set(cell)
        used = sorted(n for n in read - set_ if n in earlier)
        assert not used, f"cell {i} reads {used}, set by cell(s) {[earlier[n] for n in used]}: read it from the lab"
        earlier.update({n: i for n in set_ if n not in allowed})
