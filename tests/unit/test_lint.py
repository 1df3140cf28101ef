"""The tree is lint-clean, formatted and type-checked: ruff and mypy as configured in pyproject.toml.

Each tool runs from the venv this suite runs in, over the same paths a developer would give it; a failure shows
the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PATHS = ["labkit", "tests", "benchmarks", "conftest.py"]


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("args", [("check", *PATHS), ("format", "--check", *PATHS)], ids=["ruff-check", "ruff-format"])
def test_ruff(args):
    done = run("ruff", *args)
    assert done.returncode == 0, f"ruff {' '.join(args)}:\n{done.stdout}{done.stderr}"


def test_mypy():
    done = run("mypy")  # the packages and options are in pyproject.toml's [tool.mypy]
    assert done.returncode == 0, f"mypy:\n{done.stdout}{done.stderr}"
