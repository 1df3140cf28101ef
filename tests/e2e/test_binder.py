"""Binder as far as this machine can take it, for real and with no Docker engine: mybinder.org cannot be reached from
here and repo2docker needs a base image from Docker Hub, so the test does repo2docker's steps itself. In a fresh venv
on a copy of the repository: `pip install -r binder/requirements.txt` from the repository's root, as repo2docker runs
it, then `binder/postBuild`, with HOME a folder of the test's own (on Binder, the image's /home/jovyan). Then that
venv's JupyterLab, with no engine reachable as on Binder, in Debian's Chromium: the recorded notebook 00 opens first,
trusted, its recorded outputs and board picture on screen; and a cell that needs the engine answers with labkit's
EngineUnavailable and its fix, not a traceback (binder/README.md's promises)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..support import free_port, wait_until
from .conftest import LOAD, ROOT, _serving, chromium_page, need_chromium, text_of

pytestmark = pytest.mark.e2e

NOTEBOOK_00 = "recorded/en/00-welcome.ipynb"
# What a local server needs beside Binder's: loopback, no browser, no token, and root (CI runs as root).
SERVER_OPTIONS = [
    "--no-browser",
    "--ip=127.0.0.1",
    "--IdentityProvider.token=",
    "--ServerApp.password=",
    "--allow-root",
]
INSTALL = 900.0  # s: pip's install of JupyterLab and labkit on a loaded machine; a bound that catches a hang only

# A kernel of the venv runs the cell of notebook 00 that starts its lab; prints the reply's status and error.
RUN_FIRST_LAB_CELL = """
import json, sys
from jupyter_client.manager import start_new_kernel
cells = json.load(open(sys.argv[1]))["cells"]
source = next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and "open_lab(" in "".join(c["source"]))
km, kc = start_new_kernel(kernel_name="python3")
errors = []
try:
    hook = lambda msg: errors.append(msg["content"]) if msg["msg_type"] == "error" else None
    reply = kc.execute_interactive(source, timeout=120, output_hook=hook)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps({"status": reply["content"]["status"], "errors": errors}))
"""


def _copy_of_the_repository(dst: Path) -> Path:
    """The files git tracks, as they are in the working tree: what Binder clones (no .venv, no build leftovers), and
    what postBuild's `jupyter trust` and the editable install write into stays out of the checkout."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in listing.decode().split("\0"):
        src = ROOT / name
        if name and src.is_file():  # a tracked file deleted in the working tree is not in the next commit
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    return dst


def _binder_env(venv: Path, home: Path, no_engine: Path) -> dict[str, str]:
    """The environment of a Binder session: the venv's bin first on PATH (repo2docker puts its environment's there),
    HOME of its own, and an engine that is not there (mybinder.org has none); nothing of this machine's Jupyter,
    labkit or Docker settings."""
    drop = ("JUPYTER", "LABKIT", "DOCKER", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        HOME=str(home),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        DOCKER_HOST=f"unix://{no_engine}",
    )
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    """Run a build step; its result, or an AssertionError with its output when it fails."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=INSTALL)
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_binder_builds_and_opens_the_recorded_notebook_00_trusted_with_its_outputs(tmp_path):
    need_chromium()
    repo = _copy_of_the_repository(tmp_path / "repo")
    runtime = (repo / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (runtime, sys.version)
    home, venv = tmp_path / "home", tmp_path / "venv"
    home.mkdir()
    env = _binder_env(venv, home, tmp_path / "no-engine.sock")
    _run([sys.executable, "-m", "venv", str(venv)], repo, env, "python -m venv")
    # repo2docker's own command (`pip install --no-cache-dir -r binder/requirements.txt`, from the repository's root),
    # plus --no-compile: writing the .pyc files of JupyterLab's ~180 packages is most of the install's time here
    # (measured on 2 loaded cores: 113 s with them, 39 s without; 16 s more from a local wheelhouse, which would have
    # to be built first, so not worth it). Python compiles what it imports anyway; resolver, indexes, versions and the
    # editable labkit are pip's own.
    pip = [str(venv / "bin" / "pip"), "install", "--no-cache-dir", "--no-compile", "-r", "binder/requirements.txt"]
    _run(pip, repo, env, "pip install -r binder/requirements.txt")
    done = _run(["bash", "binder/postBuild"], repo, env, "binder/postBuild")
    built = done.stdout + done.stderr
    notebooks = sorted(p.relative_to(repo).as_posix() for p in repo.glob("recorded/*/*.ipynb"))
    assert NOTEBOOK_00 in notebooks, notebooks
    assert all(f"Signing notebook: {nb}" in built for nb in notebooks), built[-3000:]

    # Step 3 first (no browser needed): the cell that starts notebook 00's lab, run by the venv's own kernel.
    kernel = [str(venv / "bin" / "python"), "-c", RUN_FIRST_LAB_CELL, NOTEBOOK_00]
    reply = json.loads(_run(kernel, repo, env, "a kernel").stdout)
    assert reply["status"] == "error" and len(reply["errors"]) == 1, reply
    error = reply["errors"][0]
    lines = error["traceback"]
    assert error["ename"] == "EngineUnavailable", error
    assert lines[0].startswith("EngineUnavailable: no Docker engine answers"), lines
    assert "labkit needs a running Docker engine." in lines, lines  # the fix follows the one-line message
    frames = [line for line in lines if "Traceback" in line or 'File "' in line or "Cell In[" in line]
    assert not frames, f"a traceback, not labkit's message: {lines}"

    port = free_port()
    argv = [str(venv / "bin" / "jupyter"), "lab", f"--port={port}", *SERVER_OPTIONS]
    log = tmp_path / "jupyter.log"
    with _serving(argv, repo, env, log, "the venv's JupyterLab"), chromium_page() as page:
        _check_the_first_page(page, f"http://127.0.0.1:{port}/")
    assert "is not trusted" not in log.read_text(), "the server opened a recorded notebook that is not trusted"


def _check_the_first_page(page: Any, url: str) -> None:
    """The root URL lands on the recorded notebook 00, trusted: its recorded outputs, its board picture (JupyterLab
    draws an SVG only in a trusted notebook) and a folded solution whose check's ✓ shows once unfolded."""
    page.goto(url)
    wait_until(lambda: NOTEBOOK_00 in page.url, LOAD, f"the root URL to redirect to {NOTEBOOK_00}: postBuild's default")
    panel = page.locator(".jp-NotebookPanel").first
    wait_until(lambda: "Welcome: Docker Swarm mode" in text_of(panel), LOAD, "notebook 00's title on screen")
    tabs = page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel").all_inner_texts()
    assert "00-welcome.ipynb" in tabs, tabs
    page.wait_for_timeout(3000)  # the news question, where enabled, pops up a moment after start
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    assert not any("news" in t.lower() for t in toasts), f"postBuild left JupyterLab's news question on: {toasts}"
    # JupyterLab 4 has no "Not Trusted" indicator: trust shows in the board picture below and in the server's log.
    outputs = panel.locator(".jp-OutputArea-output")
    # A command's recorded output (`docker node ls` on the lab's manager) and a ✓ of `labkit doctor`'s.
    for text in ("MANAGER STATUS", "✓ Docker engine"):
        shown = outputs.filter(has_text=text).first
        shown.scroll_into_view_if_needed(timeout=LOAD * 1000)
        assert shown.is_visible(), f"the recorded output with {text!r} is not on screen"
    # The board picture: an SVG drawn (an untrusted notebook would show its text/plain stand-in instead).
    picture = panel.locator(".jp-RenderedSVG img, .jp-RenderedSVG svg").first
    wait_until(picture.count, LOAD, "a board picture (SVG) drawn: is notebook 00 trusted? (postBuild's jupyter trust)")
    picture.scroll_into_view_if_needed(timeout=LOAD * 1000)
    assert picture.is_visible(), "no board picture (SVG) on screen"
    assert page.evaluate("(e) => e.getBoundingClientRect().width > 100", picture.element_handle())
    # An exercise's solution: folded; the bar opens it, and its check's ✓ is there.
    folded = panel.locator(".jp-CodeCell", has=page.locator(".jp-OutputPlaceholder")).filter(has_text="✓ 00-").first
    wait_until(lambda: folded.count() == 1, LOAD, "a folded solution with a check in notebook 00")
    # By its place: the cell is no longer "folded" once open.
    cell = panel.locator(f'.jp-CodeCell[data-windowed-list-index="{folded.get_attribute("data-windowed-list-index")}"]')
    verdict = cell.locator(".jp-OutputArea-output", has_text="✓").first
    assert not verdict.is_visible(), "the solution's check is not folded"
    # JupyterLab draws a cell's insides only near the viewport (its windowing): bring the cell there first.
    cell.scroll_into_view_if_needed(timeout=LOAD * 1000)
    cell.locator(".jp-InputCollapser").click()  # the bar beside the solution shows its code, then its output's
    cell.locator(".jp-OutputPlaceholder").click()
    verdict.scroll_into_view_if_needed(timeout=LOAD * 1000)
    assert verdict.is_visible(), "the folded solution's ✓ does not show once unfolded"
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "binder-first-page.png"))
