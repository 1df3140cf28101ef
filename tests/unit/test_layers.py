"""The architecture holds: imports only go downward, and only the host layer talks to Docker.

    base (0) ← host (1) ← images (2) ← swarm (3) ← front ends: front, widgets, course (4)

Every import counts, including ones inside functions and under TYPE_CHECKING,
so a cycle cannot hide from this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "labkit"
LAYERS = {"base": 0, "host": 1, "images": 2, "swarm": 3, "front": 4, "widgets": 4, "course": 4}
TOP = 9  # labkit/__init__.py and labkit/cli.py: entry points above everything
DOCKER_LIBRARIES = ("docker", "testcontainers")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] not in LAYERS:
        return TOP
    return LAYERS[parts[1]]


def imports_of(path: Path) -> list[str]:
    """Absolute names of every module imported by a file (relative imports resolved)."""
    here = dotted(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
                # `from . import x` imports the submodule x
                found += [f"{prefix}.{a.name}" if not node.module else prefix for a in node.names]
            else:
                found.append(node.module or "")
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_downward(path):
    mine = layer(dotted(path))
    upward = [m for m in imports_of(path) if m.startswith("labkit") and layer(m) > mine]
    assert not upward, f"{dotted(path)} (layer {mine}) imports upward: {upward}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_host_layer_touches_docker(path):
    if layer(dotted(path)) == LAYERS["host"]:
        return
    docker = [m for m in imports_of(path) if m.split(".")[0] in DOCKER_LIBRARIES]
    assert not docker, f"{dotted(path)} imports {docker}; only labkit.host may talk to the Docker engine"


def test_every_module_belongs_to_a_layer():
    loose = [dotted(p) for p in modules() if layer(dotted(p)) == TOP and dotted(p) not in ("labkit", "labkit.cli")]
    assert not loose, f"modules outside the layers: {loose}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_files_stay_small_and_documented(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 300, f"{path.name} has {len(text.splitlines())} lines; split it by job"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{dotted(path)} has no module docstring saying what it holds"
    public = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    undocumented = [n.name for n in public if not ast.get_docstring(n)]
    assert not undocumented, f"{dotted(path)}: public without a docstring: {undocumented}"
