"""The course as files: every seed command is typed somewhere, and every notebook follows the conventions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))

# Every command of the walkthrough the project grew from (the seed), as a learner types it.
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


def test_the_course_has_notebooks_00_to_11():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(12)], [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("command", SEED_COMMANDS)
def test_every_seed_command_is_run_in_a_node_cell(command):
    typed = [p.name for p in NOTEBOOKS for c in cells(p)
             if c["cell_type"] == "code" and source(c).startswith("%%node") and command in source(c)]
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
    if path.name[:2] != "00":
        name = f"nb{path.name[:2]}"
        assert re.search(rf'name="{name}", replace=True', "".join(source(c) for c in code)), f"lab name {name}"
        assert source(last).strip() == "lab.stop()", "the last cell stops the lab"
