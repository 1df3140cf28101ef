"""The architecture holds: each package imports only the packages its row of MAY_IMPORT names, the table is a
layering (no cycle, not even between front ends), and only host and testing talk to Docker.

    base ← host ← images ← swarm ← testing
                             swarm ← widgets, workshop ← front ← course
    labkit/__init__.py and labkit/cli.py (the `labkit` command) on top

Every import counts, including ones inside functions and under TYPE_CHECKING, so a cycle cannot hide in a
lazy import. (A name imported by `importlib` is not seen: labkit/__init__.py's lazy names are checked to be
mirrored under TYPE_CHECKING, where they are.)
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "labkit"

# Which labkit packages each one may import, besides itself. The two top-level modules are rows too.
MAY_IMPORT: dict[str, set[str]] = {
    "base": set(),  # errors, names, labels, messages: the floor
    "host": {"base"},  # the Docker engine
    "images": {"base", "host"},
    "swarm": {"base", "host", "images"},  # lab state, start steps and their runner, snapshots
    # Test swarms as testcontainers containers (pytest fixtures), built from the same parts as a lab.
    "testing": {"base", "host", "images", "swarm"},
    # A widget gets its lab duck-typed (widgets/_protocol.py), so it never imports front.
    "widgets": {"base", "host", "swarm"},
    # A room of learners on JupyterHub; the `labkit workshop` commands of front call it, so it never imports front.
    "workshop": {"base", "host", "images", "swarm"},
    "front": {"base", "host", "images", "swarm", "widgets", "workshop"},  # Lab, the `labkit` commands, magics
    "course": {"base", "swarm", "front", "widgets"},  # the course builds on front's Lab; front never calls it
    "publish": {"base", "swarm", "front", "widgets", "course"},  # recorded notebooks and the site built from them
    "labkit": {"base", "host", "swarm", "front"},  # labkit/__init__.py: the public API
    "labkit.cli": {"front", "course"},  # the `labkit` command: front's commands joined with the course's
}
PACKAGES = {name for name in MAY_IMPORT if "." not in name and name != "labkit"}

DOCKER_LIBRARIES = ("docker", "testcontainers")
# host is the only engine client of the library; testing hands containers to testcontainers, which is docker-py.
MAY_USE_DOCKER = {"host", "testing"}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The row of MAY_IMPORT a module belongs to: its package, or itself for a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in PACKAGES) else module


def imports_of(path: Path) -> list[str]:
    """Absolute names of every module imported by a file (relative imports resolved), wherever the import is."""
    here = dotted(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
                # `from . import x` imports the submodule x
                found += [f"{prefix}.{a.name}" if not node.module else prefix for a in node.names]
            else:
                found.append(node.module or "")
    return found


def package_graph() -> dict[str, dict[str, list[str]]]:
    """{unit: {unit it imports: the module imports that make that edge}}, over every file of labkit."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in modules():
        me = dotted(path)
        for name in imports_of(path):
            if name.split(".")[0] == "labkit" and unit(name) != unit(me):
                graph.setdefault(unit(me), {}).setdefault(unit(name), []).append(f"{me} → {name}")
    return graph


def test_the_table_is_a_layering():
    unknown = {row: deps - MAY_IMPORT.keys() for row, deps in MAY_IMPORT.items() if deps - MAY_IMPORT.keys()}
    assert not unknown, f"MAY_IMPORT names packages it has no row for: {unknown}"
    try:
        list(TopologicalSorter(MAY_IMPORT).static_order())
    except CycleError as exc:
        pytest.fail(f"MAY_IMPORT has a cycle: {' → '.join(exc.args[1][::-1])}")


def test_packages_import_each_other_without_a_cycle():
    graph = package_graph()
    try:
        list(TopologicalSorter({u: set(edges) for u, edges in graph.items()}).static_order())
    except CycleError as exc:
        cycle = exc.args[1][::-1]  # graphlib lists each unit before the one that imports it
        why = [line for a, b in zip(cycle, cycle[1:], strict=False) for line in graph[a][b][:3]]
        pytest.fail(f"packages import each other in a cycle {' → '.join(cycle)}:\n" + "\n".join(why))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_table(path):
    me = unit(dotted(path))
    allowed = MAY_IMPORT.get(me, set()) | {me}
    outside = [m for m in imports_of(path) if m.split(".")[0] == "labkit" and unit(m) not in allowed]
    assert not outside, f"{dotted(path)} ({me}) imports {outside}; MAY_IMPORT[{me!r}] allows {sorted(allowed)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_packages_reach_each_other_only_through_public_modules(path):
    me = unit(dotted(path))
    private = [
        m
        for m in imports_of(path)
        if m.split(".")[0] == "labkit"
        and unit(m) != me
        and any(part.startswith("_") and not part.startswith("__") for part in m.split("."))
    ]
    assert not private, f"{dotted(path)} imports another package's private module(s) {private}; export what it needs"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_host_and_testing_touch_docker(path):
    if unit(dotted(path)) in MAY_USE_DOCKER:
        return
    docker = [m for m in imports_of(path) if m.split(".")[0] in DOCKER_LIBRARIES]
    assert not docker, f"{dotted(path)} imports {docker}; only {sorted(MAY_USE_DOCKER)} may talk to Docker"


def test_every_module_belongs_to_a_row_of_the_table():
    loose = [dotted(p) for p in modules() if unit(dotted(p)) not in MAY_IMPORT]
    assert not loose, f"modules in no row of MAY_IMPORT (add their package to it): {loose}"


def test_the_lazy_names_of_labkit_are_seen_by_this_test():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    lazy = next(
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_LAZY"
    )
    checked = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    mirrored = {a.name: node.module for node in checked.body if isinstance(node, ast.ImportFrom) for a in node.names}
    assert {name: mirrored.get(name) for name in lazy} == lazy, "import each lazy name under TYPE_CHECKING too"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_files_stay_small_and_documented(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 300, f"{path.name} has {len(text.splitlines())} lines; split it by job"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{dotted(path)} has no module docstring saying what it holds"
    public = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    undocumented = [n.name for n in public if not ast.get_docstring(n)]
    assert not undocumented, f"{dotted(path)}: public without a docstring: {undocumented}"
