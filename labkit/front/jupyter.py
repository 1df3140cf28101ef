"""`labkit lab`: JupyterLab on the course, opened on notebook 00, without the news pop-up.

JupyterLab reads default settings from `<environment>/share/jupyter/lab/settings/overrides.json`; labkit
adds its keys there (keeping any others) so a first-time learner is not asked about JupyterLab news.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

__all__ = ["OVERRIDES", "course_dir", "write_overrides", "jupyter_argv"]

OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
FIRST_NOTEBOOK = "00-welcome.ipynb"


def course_dir() -> Path:
    """The course's notebooks folder (beside the labkit package in a checkout, else ./notebooks)."""
    beside = Path(__file__).resolve().parents[2] / "notebooks"
    return beside if beside.is_dir() else Path.cwd() / "notebooks"


def write_overrides(prefix: str = sys.prefix) -> Path:
    """Merge labkit's JupyterLab defaults into the environment's overrides.json; return its path."""
    path = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except ValueError:
            current = {}
    for plugin, values in OVERRIDES.items():
        current.setdefault(plugin, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


def jupyter_argv(extra: list[str]) -> list[str]:
    """The `python -m jupyter lab` command line: the course as root, notebook 00 open, extra arguments last."""
    notebooks = course_dir()
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    if (notebooks / FIRST_NOTEBOOK).exists():
        # The browser JupyterLab opens, and any visit to its root, land on notebook 00.
        argv.append(f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}")
    return argv + list(extra)
