"""The board in a real browser on a real swarm.

JupyterLab is started on 127.0.0.1 (free port, no token), Debian's Chromium is driven by Playwright
(no browser download), and a notebook starts a real labkit Lab and displays the board, the traffic
panel and the timeline. The test then breaks the swarm from Python (kills a worker's container) and
from the board (clicks "drain"), and checks both the browser and the real swarm.

Run: pytest -m e2e tests/e2e -s   (needs a Docker engine, labkit's images and /usr/bin/chromium)
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from ..support import wait_until
from .conftest import ROOT, attr_of, chromium_page, jupyter_server, open_notebook, text_of, write_notebook

LAB = f"e2e-board-{os.getpid() % 10000}"

pytestmark = pytest.mark.e2e

CELLS = [
    "import labkit\nfrom labkit import widgets\n"
    f"lab = labkit.Lab(managers=1, workers=2, name={LAB!r}, quiet=True).start()",
    # Four replicas on three nodes, and a global service published in host mode (works without IPVS).
    "lab.manager.sh('docker service create --detach --no-resolve-image --name web --replicas 4 labkit/whoami:latest')\n"
    "lab.manager.sh('docker service create --detach --no-resolve-image --name hello --mode global "
    "--publish mode=host,published=8080,target=80 labkit/whoami:latest')\n"
    "lab.wait_service('web', 4, timeout=120); lab.wait_service('hello', 3, timeout=120)\n"
    "print('services ready')",
    "widgets.board(lab)",
    "widgets.traffic(lab, 'hello', 8080, count=12)",
    "widgets.timeline(lab)",
]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    write_notebook(work / "board.ipynb", CELLS)
    try:
        with jupyter_server(work) as url:
            yield url
    finally:
        from labkit import remove_lab

        remove_lab(LAB)  # the kernel that owned the lab is gone; clean up by label


def _artifacts() -> Path:
    out = ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    return out


def _wait(predicate, timeout: float, what: str, page=None):
    def show_failure():
        page.screenshot(path=str(_artifacts() / "e2e-failure.png"), full_page=True)
        print(text_of(page.locator(".jp-Notebook"))[-4000:])

    return wait_until(predicate, timeout, what, interval=0.25, on_timeout=show_failure if page is not None else None)


def test_board_follows_and_changes_a_real_swarm(jupyter):
    import labkit

    with chromium_page(height=1100) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        open_notebook(page, f"{jupyter}/lab/tree/board.ipynb")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        # 1. Columns and cards render from the real swarm.
        board = page.locator(".lk-board")
        _wait(
            lambda: page.locator(".lk-board .lk-task[data-state=running]").count() == 7,
            600,  # a lab of three engines started in the kernel: minutes on a loaded machine
            "7 running task cards (web x4, hello x3)",
            page,
        )
        assert [board.locator(".lk-node").nth(i).get_attribute("data-node") for i in range(3)] == [
            "manager1",
            "worker1",
            "worker2",
        ]
        assert "★ leader" in board.locator('.lk-node[data-node="manager1"]').inner_text()

        # 2. The traffic panel reaches every node's host-mode port and names who answered.
        page.click(".lk-traffic .lk-tr-send")
        named = '.lk-traffic .lk-bar.lk-ok[data-label^="hello@"]'
        _wait(lambda: page.locator(named).count() == 3, 120, "the 3 hello tasks named in the chart", page)
        assert "12 requests" in page.locator(".lk-tr-summary").inner_text()
        assert page.locator(".lk-traffic .lk-bar.lk-fail").count() == 0

        # 3. Kill worker2 from Python (outside the kernel, as `docker kill` would): its column goes Down
        #    and its web tasks are rescheduled onto the other nodes.
        lab = labkit.Lab.attach(LAB)
        w2_cards = board.locator('.lk-node[data-node="worker2"] .lk-task[data-service="web"]').count()
        assert w2_cards >= 1
        t0 = time.monotonic()
        lab.node("worker2").kill()
        worker2 = board.locator('.lk-node[data-node="worker2"]')
        # The board's refresh and the swarm's own reactions are seconds when idle; a loaded machine (swarms booting
        # beside this test) slows both many times over: the bounds below catch a board that stopped, not a slow one.
        _wait(lambda: "lk-down" in attr_of(worker2, "class"), 60, "worker2 column marked down", page)
        t_fault = time.monotonic() - t0
        _wait(lambda: attr_of(worker2, "data-state") == "down", 120, "the swarm to declare worker2 down", page)
        t_down = time.monotonic() - t0
        running_web = '.lk-node:not([data-node="worker2"]) .lk-task[data-service="web"][data-state=running]'
        _wait(
            lambda: page.locator(running_web).count() == 4 and worker2.locator(".lk-task").count() == 0,
            180,
            "web's 4 replicas running on manager1 and worker1 only",
            page,
        )
        t_moved = time.monotonic() - t0
        print(
            f"\nkill worker2: column down after {t_fault:.1f} s, swarm Down after {t_down:.1f} s, "
            f"tasks moved after {t_moved:.1f} s"
        )
        page.wait_for_timeout(500)
        board.screenshot(path=str(_artifacts() / "e2e-board-after-kill.png"))

        # 4. A control button changes the real swarm: drain worker1 from the board.
        worker1 = board.locator('.lk-node[data-node="worker1"]')
        worker1.locator('button[data-action="drain"]').click()
        _wait(lambda: lab.snapshot().node("worker1").availability == "drain", 60, "worker1 drained in the swarm", page)
        _wait(lambda: attr_of(worker1, "data-availability") == "drain", 60, "worker1 column drained", page)
        log = board.locator('.lk-log-entry[data-action="drain"]')
        _wait(lambda: log.count() == 1 and attr_of(log, "data-status") == "ok", 60, "the drain log entry", page)
        assert "docker node update --availability drain worker1" in log.inner_text()
        _wait(
            lambda: (
                page.locator(running_web.replace(':not([data-node="worker2"])', '[data-node="manager1"]')).count() == 4
            ),
            180,
            "web's replicas all on manager1 after the drain",
            page,
        )

        # 5. The timeline told the story.
        story = ("worker2: its container was killed from the host", "worker1 availability active → drain")
        _wait(lambda: all(line in text_of(page.locator(".lk-timeline")) for line in story), 60, "the timeline", page)
        timeline = page.locator(".lk-timeline").inner_text()
        assert "worker2: its container was killed from the host" in timeline
        assert "worker2 is down" in timeline and "worker1 availability active → drain" in timeline
        assert "✓ docker node update --availability drain worker1" in timeline

        _wait(
            lambda: page.locator('.lk-board .lk-task:not([data-mark=""])').count() == 0,
            60,
            "the arrival/leaving marks to fade (for the README picture)",
            page,
        )
        board.screenshot(path=str(_artifacts() / "e2e-board.png"))
        if os.environ.get("LABKIT_UPDATE_DOCS") == "1":  # refresh the README picture only when asked
            shutil.copy(_artifacts() / "e2e-board.png", _docs_png())
        page.screenshot(path=str(_artifacts() / "e2e-notebook.png"), full_page=True)
        assert errors == [], errors


def _docs_png() -> Path:
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    return docs / "board.png"
