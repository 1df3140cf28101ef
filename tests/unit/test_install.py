"""labkit installs where it says it does: the Python versions pyproject names are the ones tested, every
third-party import is declared (and pinned in constraints.txt), `import labkit` works without Unix-only
terminal modules (native Windows Python), and labkit's files go where each platform keeps them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import threading
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
UNIX_ONLY = ("termios", "fcntl", "tty", "pty")
# Run first in a child Python: these modules cannot be imported there, as on native Windows.
WITHOUT_UNIX_TERMINAL = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in UNIX_ONLY)


def minimum_python() -> tuple[int, int]:
    found = re.fullmatch(r">=\s*(\d+)\.(\d+)", PYPROJECT["requires-python"].strip())
    assert found, f"requires-python should be a plain minimum, is {PYPROJECT['requires-python']!r}"
    return int(found[1]), int(found[2])


def requirements(extra: str | None = None) -> list[Requirement]:
    listed = PYPROJECT["optional-dependencies"][extra] if extra else PYPROJECT["dependencies"]
    return [Requirement(line) for line in listed]


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, exact = line.partition("==")
            assert exact, f"constraints.txt holds exact versions only: {line!r}"
            pins[canonicalize_name(name)] = exact
    return pins


def python_without_unix_terminal(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_UNIX_TERMINAL + code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


# -- Python versions ------------------------------------------------------------------------------------------------


def test_the_suite_runs_on_the_python_pyproject_declares():
    declared = "{}.{}".format(*minimum_python())
    assert sys.version_info[:2] == minimum_python(), (
        f"pyproject requires Python {declared}+, the suite runs on {sys.version.split()[0]}: "
        "test on the declared minimum, or change the minimum"
    )
    named = {c.rsplit(":: ", 1)[1] for c in PYPROJECT["classifiers"] if re.fullmatch(r".*:: 3\.\d+", c)}
    assert named == {"{}.{}".format(*sys.version_info[:2])}, f"classifiers name {named}"


def test_every_setup_file_names_the_same_python():
    major, minor = minimum_python()
    wanted = f"{major}.{minor}"
    assert re.search(rf"^PYTHON_MIN={re.escape(wanted)}\b", (ROOT / "run").read_text(), re.M), "./run"
    assert f"python={wanted}" in (ROOT / "environment.yml").read_text(), "environment.yml"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == f"python-{wanted}", "binder/runtime.txt"
    assert f"Python {wanted} or newer" in (ROOT / "README.md").read_text(encoding="utf-8"), "README Requirements"


# -- dependencies ---------------------------------------------------------------------------------------------------


def third_party_imports() -> dict[str, set[str]]:
    """Each third-party top-level module labkit imports, and the labkit modules that import it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "labkit").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("labkit", "__future__"):
                    found.setdefault(top, set()).add(module)
    return found


def test_every_third_party_import_is_a_declared_dependency():
    declared = {canonicalize_name(r.name) for r in requirements()}
    distributions = packages_distributions()
    imports = third_party_imports()
    # pytest loads labkit's pytest11 plugin itself, so that module may import pytest without labkit requiring it.
    plugins = set(PYPROJECT["entry-points"]["pytest11"].values())
    assert imports.pop("pytest", set()) <= plugins, "only the pytest plugin may import pytest"
    # An optional extra may serve only its own package: `labkit workshop` needs JupyterHub, `import labkit` does not.
    extras = {
        "labkit.workshop": {canonicalize_name(r.name) for r in requirements("workshop")},
        "labkit.publish": {canonicalize_name(r.name) for r in requirements("site")},
    }

    def served(module: str, importers: set[str]) -> bool:
        names = {canonicalize_name(d) for d in distributions.get(module, [])}
        if names & declared:
            return True
        return any(
            names & extra and all(m.startswith(package + ".") for m in importers) for package, extra in extras.items()
        )

    undeclared = {
        module: distributions.get(module) for module, importers in imports.items() if not served(module, importers)
    }
    assert not undeclared, f"labkit imports these, pyproject does not declare them: {undeclared}"


def test_dependencies_are_ranges_and_constraints_pin_the_versions_in_use():
    pins = constraints()
    exact_on_purpose = {"pytest-xdist"}  # tests/scheduling.py overrides a private method of xdist
    for req in requirements() + requirements("test"):
        name = canonicalize_name(req.name)
        exact = [s for s in req.specifier if s.operator == "=="]
        assert not exact or name in exact_on_purpose, f"{req}: a library states a range (exact: constraints.txt)"
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"constraints.txt: {name}=={pins[name]}, not {req}"
        assert version(req.name) == pins[name], (
            f"{req.name} {version(req.name)} is installed, constraints.txt says {pins[name]}: "
            "reinstall with `.venv/bin/pip install -e '.[test]' -c constraints.txt`"
        )


# -- native Windows Python: no termios, fcntl, tty or pty ---------------------------------------------------------


def test_labkit_imports_without_unix_terminal_modules():
    code = """
import importlib, pkgutil
import labkit
print(labkit.Lab.__name__, labkit.Node.__name__)
for module in pkgutil.walk_packages(labkit.__path__, "labkit."):
    importlib.import_module(module.name)
import termios
"""
    done = python_without_unix_terminal(code)
    assert "Lab Node" in done.stdout, done.stderr
    # The last line shows the modules really were missing in the child, so the imports before it did without them.
    assert done.returncode == 1 and "ModuleNotFoundError: import of termios halted" in done.stderr, done.stderr


def test_the_cli_parses_without_unix_terminal_modules():
    done = python_without_unix_terminal("from labkit.cli import main\nmain(['shell', '--help'])")
    assert done.returncode == 0, done.stderr
    assert "usage: labkit shell" in done.stdout


def test_a_shell_without_a_unix_terminal_says_what_to_run_instead():
    code = """
from labkit.base.errors import LabkitError
from labkit.host.terminal import interactive
try:
    interactive("no-such-container", ["sh"])
except LabkitError as exc:
    print(exc)
"""
    done = python_without_unix_terminal(code)
    assert done.returncode == 0, done.stderr
    assert "needs a Unix terminal" in done.stdout and "WSL 2" in done.stdout and "labkit exec" in done.stdout


# -- where labkit keeps its files ---------------------------------------------------------------------------------


def test_progress_is_kept_in_the_user_data_directory(monkeypatch, tmp_path):
    from labkit.course.progress import store_path

    monkeypatch.delenv("LABKIT_PROGRESS_FILE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    # On Linux platformdirs follows XDG, so the file stays where labkit kept it before it used platformdirs.
    assert store_path() == tmp_path / "labkit" / "progress.jsonl"
    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(tmp_path / "mine.jsonl"))
    assert store_path() == tmp_path / "mine.jsonl"


def test_one_image_build_at_a_time_and_a_waiting_build_says_so(monkeypatch, tmp_path):
    from filelock import FileLock

    from labkit.images import ensure

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ensure.lock_path() == tmp_path / "labkit" / "images.lock"  # the user's own, not a shared temp file
    said, inside = threading.Event(), threading.Event()
    messages: list[str] = []

    def log(message: str) -> None:
        messages.append(message)
        said.set()

    def second_build() -> None:
        with ensure._build_lock(log):
            inside.set()

    with FileLock(ensure.lock_path()):  # another process's build
        waiting = threading.Thread(target=second_build)
        waiting.start()
        assert said.wait(60), "the second build neither waited nor said so"
        assert not inside.is_set()
    waiting.join(60)
    assert inside.is_set() and messages == ["images: waiting for another labkit build to finish ..."]


def test_a_free_lock_is_taken_without_a_message(monkeypatch, tmp_path):
    from labkit.images import ensure

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    messages: list[str] = []
    with ensure._build_lock(messages.append):
        pass
    with ensure._build_lock(messages.append):  # released: the next build takes it at once
        pass
    assert messages == []
