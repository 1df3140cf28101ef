"""The browser tests' shared set-up: JupyterLab (plain, or started as `./run lab` starts it), Debian's Chromium driven
by Playwright, and reads of the page that never block a wait loop."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labkit.base.poll import poll
from labkit.host.engine import engine_answers

from ..support import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# What depends on load. `./run test` runs three files at a time on two cores while swarms boot beside them: JupyterLab
# and its kernels, seconds to start when idle, then take many times that. The bound catches a hang, not a slow machine.
LOAD = 240.0  # s: JupyterLab answering, a page navigation, JupyterLab's start in the page, a notebook's kernel idle
LOAD_MS = int(LOAD * 1000)  # the same for Playwright, which counts in ms
# One read of the page inside a wait loop: the loop tries again, so the read itself must not wait (Playwright's own
# default, 30 s, would outlast the loop and end it with its TimeoutError).
READ = 1_000  # ms


def need_chromium() -> None:
    """Skip the test where Debian's Chromium is missing (Playwright drives it; no browser download)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright; closed after."""
    from playwright.sync_api import sync_playwright

    need_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A page of its own in Debian's Chromium, whose navigations may take as long as a loaded machine needs."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_navigation_timeout(LOAD_MS)
        yield page


def text_of(locator: Any) -> str:
    """The text of what `locator` finds, or "" while it finds nothing: a read for a wait loop's condition."""
    from playwright.sync_api import TimeoutError as NotThere

    try:
        return locator.inner_text(timeout=READ) if locator.count() else ""
    except NotThere:  # it went between count() and the read (JupyterLab re-renders)
        return ""


def attr_of(locator: Any, name: str) -> str:
    """The attribute `name` of what `locator` finds, or "" while it finds nothing or it is unset (see text_of)."""
    from playwright.sync_api import TimeoutError as NotThere

    try:
        return (locator.get_attribute(name, timeout=READ) or "") if locator.count() else ""
    except NotThere:
        return ""


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
def _serving(argv: list[str], cwd: Path, env: dict[str, str], log: Path, what: str) -> Iterator[None]:
    """Run a JupyterLab server (argv, its output in `log`) until it answers on the URL its argv names, then until the
    block ends."""
    port = next(a.split("=", 1)[1] for a in argv if a.startswith("--port="))
    with open(log, "w") as out:
        server = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/api/status", LOAD, what, alive=lambda: server.poll() is None)
            yield
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _server_argv(module: list[str], state: Path) -> tuple[list[str], str]:
    """The arguments every test's JupyterLab takes (loopback, a free port, no token, app object in the page, settings
    and workspaces in the test's own `state` folder); and its URL."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        *module,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",  # a port taken meanwhile: fail now, not serve elsewhere while we wait here
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={state / 'settings'}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        # Kernels on socket files in this server's own folder, not TCP ports (tests/kernels.py says why).
        "--KernelManager.transport=ipc",
        f"--KernelManager.ip={state / 'kernel'}",
    ]
    return argv, f"http://127.0.0.1:{port}"


def _state_env(state: Path) -> dict[str, str]:
    """The environment with Jupyter's config, data (its trust database) and runtime folders in `state`."""
    return dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(state / "cfg"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "run"),
    )


@contextlib.contextmanager
def labkit_lab(state: Path, *options: str) -> Iterator[str]:
    """`labkit lab *options` as `./run lab` runs it (`--lang zh-CN` for the 中文 edition), with only the browser, the
    port, the token and the state folders (in `state`, so nothing reaches other tests' labs) differing; yields the
    root URL, where a learner's browser lands. Its output is state/jupyter.log."""
    need_chromium()
    argv, url = _server_argv(["labkit.cli", "lab", *options], state)
    # Its own app settings: labkit writes the locale and the "no news" setting there, not into the environment's.
    argv.append(f"--LabApp.app_settings_dir={state / 'appsettings'}")
    env = _state_env(state)  # a trust database of its own, as on a learner's first day: nothing was signed before
    env.pop("LABKIT_LANG", None)  # the edition comes from `options` (and a notebook's folder) alone
    with _serving(argv, ROOT, env, state / "jupyter.log", "labkit lab to serve JupyterLab"):
        yield url + "/"


@contextlib.contextmanager
def jupyter_server(work: Path) -> Iterator[str]:
    """JupyterLab serving `work` on a free port; yields its URL, keeps its log in artifacts/."""
    need_chromium()
    # labkit talks to the engine through the SDK, not the docker CLI; `./run test` starts an engine.
    assert engine_answers(), "no Docker engine answers: run ./run test, which starts one"
    state = work / ".jupyter"  # hidden: `work` is what the file browser shows
    # No "get Jupyter news?" toast over the widgets (and no request to the internet).
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    )
    argv, url = _server_argv(["jupyter", "lab"], state)
    argv += ["--ServerApp.disable_check_xsrf=True", "--allow-root", f"--ServerApp.root_dir={work}"]  # CI runs as root
    env = dict(_state_env(state), PYTHONPATH=str(ROOT))
    try:
        with _serving(argv, work, env, work / "jupyter.log", "JupyterLab to answer"):
            yield url
    finally:
        (ROOT / "artifacts").mkdir(exist_ok=True)
        shutil.copy(work / "jupyter.log", ROOT / "artifacts" / f"e2e-jupyter-{work.name}.log")


# The notebook among the main area's widgets, not the current one: a launcher or a board's panel may have the focus.
KERNEL_IDLE = """() => { const app = window.jupyterapp;
    const nb = app && Array.from(app.shell.widgets('main')).find(w => w.content && 'activeCellIndex' in w.content);
    const k = nb && nb.sessionContext.session && nb.sessionContext.session.kernel;
    return !!k && k.status === 'idle'; }"""


RELOADS = 2  # times a page that failed to load its theme is loaded again


def _idle_or_reload(page: Any, reloaded: list[bool]) -> bool:
    """One look: the current notebook's kernel is idle. A theme's stylesheet that failed to load under load leaves
    JupyterLab behind a modal "Error Loading Theme": load the page again, up to RELOADS times, as a user would."""
    theme_error = page.locator(".jp-Dialog", has_text="Error Loading Theme")
    if theme_error.count() and len(reloaded) < RELOADS:
        # Loading the page again clears the dialog (a click on its button could time out under the same load).
        reloaded.append(True)
        with contextlib.suppress(Exception):  # a reload cut short is looked at again by the next call
            page.reload(timeout=LOAD_MS)
        return False
    try:
        return bool(page.evaluate(KERNEL_IDLE))
    except Exception:  # the page is between two loads (its script context went away): look again
        return False


def wait_for_kernel(page: Any) -> None:
    """Wait for JupyterLab's app in the page and its current notebook's kernel, idle (running cells before it exists
    asks "Select Kernel")."""
    reloaded: list[bool] = []
    try:
        page.wait_for_function("window.jupyterapp !== undefined", timeout=LOAD_MS)
        poll(
            lambda: _idle_or_reload(page, reloaded), bool, timeout=LOAD, what="the notebook's kernel idle", interval=0.5
        )
    except Exception as exc:  # say what the page showed instead (a dialog?), and keep a picture of it
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "kernel-not-idle.png"))
        dialogs = [text_of(d) for d in page.locator(".jp-Dialog").all()]
        raise AssertionError(
            f"no idle kernel at {page.url}; dialogs: {dialogs}; status bar: "
            f"{text_of(page.locator('.jp-StatusBar-Widget').first)!r}"
        ) from exc


def open_notebook(page: Any, url: str) -> None:
    """Open a notebook in JupyterLab and wait for its kernel."""
    page.goto(url)
    wait_for_kernel(page)
