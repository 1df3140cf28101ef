"""JupyterLab for the browser tests: started on 127.0.0.1 with no token and its own state directories."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit.host.engine import engine_answers

from ..support import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def write_notebook(path: Path, sources: list[str]) -> None:
    """A notebook of code cells (with a kernelspec: without one JupyterLab asks "Select Kernel" and run-all blocks)."""
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [], "source": src}
        for i, src in enumerate(sources)
    ]
    nb = {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
    }
    path.write_text(json.dumps(nb, indent=1))


@contextlib.contextmanager
def jupyter_server(work: Path) -> Iterator[str]:
    """JupyterLab serving `work` on a free port; yields its URL, keeps its log in artifacts/."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    # labkit talks to the engine through the SDK, not the docker CLI; `./run test` starts an engine.
    assert engine_answers(), "no Docker engine answers: run ./run test, which starts one"
    # No "get Jupyter news?" toast over the widgets (and no request to the internet).
    settings = work / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    )
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        JUPYTER_CONFIG_DIR=str(work / ".cfg"),
        JUPYTER_DATA_DIR=str(work / ".data"),
        JUPYTER_RUNTIME_DIR=str(work / ".run"),
    )
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        "--allow-root",  # CI runs as root
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.user_settings_dir={work / '.settings'}",
        f"--LabApp.workspaces_dir={work / '.ws'}",
    ]
    log = open(work / "jupyter.log", "w")
    server = subprocess.Popen(argv, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/status", 60, "JupyterLab to answer", alive=lambda: server.poll() is None)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        (ROOT / "artifacts").mkdir(exist_ok=True)
        shutil.copy(work / "jupyter.log", ROOT / "artifacts" / f"e2e-jupyter-{work.name}.log")


KERNEL_IDLE = """() => { const w = window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle'; }"""


def open_notebook(page, url: str) -> None:
    """Open a notebook in JupyterLab and wait for its kernel (running cells before it exists asks "Select Kernel")."""
    page.goto(url)
    page.wait_for_function("window.jupyterapp !== undefined", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
