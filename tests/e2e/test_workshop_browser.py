"""A room of three in real Chromium (issue 12, "Done means"): `labkit workshop up --learners 3` prints three logins;
each learner logs in with their card's password, opens notebook 04 on their own lab (inside their own engine) and
runs the course's real cells, passing different checks; a learner who opens the instructor dashboard is refused,
while the instructor's dashboard, left open, shows the three differently as it refreshes by itself.

    learner1  the lab, the article's nginx, its check 04-two-of-three                   passed 1
    learner2  the same, then `docker service scale nginx=3` and check 04-one-per-node   passed 2
    learner3  the same as learner1, then the first exercise: a hint, and its check      passed 1, 1 hint, on it

The room listens on the Docker bridge's gateway, an address beyond loopback, so it serves HTTPS with the certificate
`up` made: the one the hub serves has the fingerprint the cards print, and plain HTTP gets no hub.

Cells are found by their code in the notebook the learner image was built from, and run as a learner runs them: a
click into the cell and Shift+Enter (the hub's JupyterLab does not expose its app object to the page). One room per
engine: this file runs in test_workshop.py's scope (tests/scheduling.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from labkit.workshop import names, room
from labkit.workshop.hub import hub_pid
from labkit.workshop.tls import fingerprint

from ..support import free_port, wait_until
from .conftest import LOAD, LOAD_MS, ROOT, chromium, need_chromium, text_of

pytestmark = pytest.mark.e2e
NOTEBOOK = "04-replicated-vs-global.ipynb"
DASHBOARD = "services/labkit-dashboard/"
KERNEL_IDLE_TEXT = re.compile(r"\(ipykernel\) \| Idle")


def notebook_cells() -> list[str]:
    """The sources of notebook 04's cells, in order (the learner image copies this very file)."""
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    return ["".join(c["source"]) for c in nb["cells"]]


def index_of(sources: list[str], pattern: str, after: int = 0) -> int:
    found = next((i for i, src in enumerate(sources) if i > after and re.search(pattern, src)), None)
    assert found is not None, f"notebook 04 has no cell matching {pattern!r} (after cell {after})"
    return found


SOURCES = notebook_cells()
OPEN_LAB = index_of(SOURCES, r'open_lab\("04"\)', -1)
CREATE = index_of(SOURCES, r"docker service create --name nginx --replicas 2", OPEN_LAB)
CHECK_TWO = index_of(SOURCES, r'^check\("04-two-of-three"\)', CREATE)
SCALE = index_of(SOURCES, r"docker service scale nginx=3", CHECK_TWO)
CHECK_ONE = index_of(SOURCES, r'^check\("04-one-per-node"\)', SCALE)
# The first "Your turn": the learner's own cell, then the exercise's check (learner3 asks a hint first).
EXERCISE_CHECK = index_of(SOURCES, r'^check\("04-[\w-]+"\)', index_of(SOURCES, r"# your commands here", CHECK_ONE))
EXERCISE = re.search(r'"(04-[\w-]+)"', SOURCES[EXERCISE_CHECK]).group(1)
HINT = "hint"  # a cell learner3 adds above the exercise's check: hint("<the exercise>")
PLAN: dict[str, list[int | str]] = {
    "learner1": [OPEN_LAB, CREATE, CHECK_TWO],
    "learner2": [OPEN_LAB, CREATE, CHECK_TWO, SCALE, CHECK_ONE],
    "learner3": [OPEN_LAB, CREATE, CHECK_TWO, HINT, EXERCISE_CHECK + 1],  # +1: the hint cell is above it now
}
# What the dashboard shows for each (its cells: learner, exercise now, passed, hints).
EXPECTED = {
    "learner1": ["learner1", "—", "1: 04-two-of-three", "0"],
    "learner2": ["learner2", "—", "2: 04-two-of-three, 04-one-per-node", "0"],
    "learner3": ["learner3", EXERCISE, "1: 04-two-of-three", "1"],
}


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """`labkit workshop up --learners 3 --listen <the bridge's gateway>`, as the instructor types it; yields
    (url, {login: password}, the cards' text); then down."""
    need_chromium()
    if hub_pid(names.state_dir()) is not None:
        pytest.skip("a workshop is up on this machine: this test would take it down")
    room.down(log=lambda line: None)  # what a killed run left
    cards = tmp_path_factory.mktemp("ws") / "cards.html"
    address = room._bridge_gateway()  # this machine's own address, beyond loopback, that no other machine reaches
    started = time.monotonic()
    argv = [sys.executable, "-m", "labkit.cli", "workshop", "up", "--learners", "3", "--port", str(free_port())]
    up = subprocess.run(
        [*argv, "--listen", address, "--cards", str(cards)], capture_output=True, text=True, timeout=900
    )
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        print(f"workshop up: {time.monotonic() - started:.0f} s")
        url = re.search(r"learners at (\S+)", up.stdout).group(1)
        text = cards.read_text()
        logins = dict(re.findall(r'class="user">([^<]+)</dd>.*?class="password">([^<]+)</dd>', text))
        assert sorted(logins) == ["instructor", "learner1", "learner2", "learner3"]
        yield url, logins, text
    finally:
        room.down(log=lambda line: None)


def test_the_hub_serves_https_with_the_certificate_on_the_cards(three):
    url, _, cards = three
    assert url.startswith("https://") and "127.0.0.1" not in url
    host, port = url.split("//")[1].strip("/").rsplit(":", 1)
    on_cards = set(re.findall(r'class="fingerprint">([^<]+)</dd>', cards))
    served = fingerprint(ssl.get_server_certificate((host, int(port))).encode())
    assert on_cards == {served}
    with socket.create_connection((host, int(port)), timeout=10) as plain:  # HTTP to the HTTPS port: no hub page
        plain.sendall(b"GET /hub/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        with contextlib.suppress(ConnectionResetError):  # a TLS server may just drop it
            while chunk := plain.recv(65536):
                answer += chunk
    assert b"password" not in answer.lower()


# As each learner's engine starts, its networks appear on this machine: Chromium sees "the network changed" and drops
# a navigation under way, with one of these two messages. Only these are tried again; any other error is a failure.
NETWORK_CHANGED = ("ERR_NETWORK_CHANGED", 'interrupted by another navigation to "chrome-error://chromewebdata/"')
ATTEMPTS = 4
ERROR_PAGE = "chrome-error://"  # where Chromium lands when it drops a navigation
BLANK = 120  # s; a learner's JupyterLab page with no JupyterLab on it this long is loaded again


def goto(page, url: str):
    """page.goto, again (a few times, after a short pause) if Chromium saw the machine's networks change meanwhile."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return page.goto(url)
        except Exception as exc:  # playwright's Error; only the network change is retried
            if not any(sign in str(exc) for sign in NETWORK_CHANGED) or attempt == ATTEMPTS:
                raise
            time.sleep(2)  # let the new network settle
    return None


def log_in(browser, url: str, user: str, password: str, then: str = ""):
    """A browser context of its own (its own cookies) logged in to the hub, then at `then` (a path); its page.
    (Without `then` the hub sends a user to their own server, which it starts.)"""
    # The room's own certificate: a browser warns until it is trusted (the test checked its fingerprint above).
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    context.set_default_navigation_timeout(LOAD_MS)  # the hub answers slowly while three servers start
    page = context.new_page()
    for attempt in range(1, ATTEMPTS + 1):
        goto(page, url + "hub/login" + (f"?next={then}" if then else ""))
        page.fill("#username_input", user)
        page.fill("#password_input", password)
        page.click("#login_submit")  # a navigation too: the form's POST, which a network change drops the same way
        page.wait_for_url(lambda at: "/hub/login" not in at, timeout=LOAD_MS)
        if not page.url.startswith(ERROR_PAGE) or attempt == ATTEMPTS:
            break
        time.sleep(2)
    assert not page.url.startswith(ERROR_PAGE), f"{user}'s login dropped by Chromium {ATTEMPTS} times"
    assert "Invalid username or password" not in page.content()
    return page


def reload_if_lost(page, url: str, blank_since: dict[str, float], problems: list[str]) -> None:
    """Load a learner's page again, as they would, where it is lost:
    - Chromium dropped one of the hub's own redirects (the spawn page sends a learner on to their server) for a
      network change, and shows its error page: go to `url` again;
    - the learner's JupyterLab page has stayed blank for BLANK seconds: its scripts did not load (a network change
      drops them too; CI saw one blank for 480 s). `blank_since` keeps when each page was first seen blank."""
    if page.url.startswith(ERROR_PAGE):
        goto(page, url)
        return
    path = urllib.parse.urlsplit(page.url).path  # /user/<name>/lab/...: the learner's server, not the hub's pages
    if not (path.startswith("/user/") and "/lab" in path) or page.locator(".jp-LabShell").count():
        blank_since.pop(page.url, None)
        return
    if time.monotonic() - blank_since.setdefault(page.url, time.monotonic()) > BLANK:
        print(f"no JupyterLab at {page.url} after {BLANK} s: loaded again; failed loads: {problems[-5:]}")
        del blank_since[page.url]
        goto(page, page.url)


def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def run(page, index: int) -> None:
    """Run one cell as a learner does: click into its code, Shift+Enter (a busy kernel queues it)."""
    target = cell(page, index)
    target.scroll_into_view_if_needed()
    target.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")


def insert_above(page, index: int, source: str) -> None:
    """A new code cell above cell `index`, typed by the learner (Esc, A, then the code)."""
    run_target = cell(page, index)
    run_target.locator(".cm-content").click()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    cell(page, index).locator(".cm-content").click()
    page.keyboard.type(source)


CELLS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map(c => [
    (c.querySelector('.jp-InputPrompt') || {}).textContent || '',
    !!c.querySelector("[data-mime-type='application/vnd.jupyter.stderr']"),
    (c.querySelector('.jp-OutputArea') || {}).innerText || ''])"""


def output(page, index: int) -> str:
    return cell(page, index).locator(".jp-OutputArea").inner_text()


def done(page, name: str, last: int) -> bool:
    """The learner's last cell has run (its prompt shows a number). AssertionError at once if it never will: an
    earlier cell failed, and JupyterLab dropped the queued ones (their prompts go from [*] back to [ ])."""
    cells = page.evaluate(CELLS)
    prompt = cells[last][0]
    if re.search(r"\[\d+\]", prompt):
        return True
    if "*" not in prompt:
        failed = "\n".join(f"cell {i}: {text[-1500:]}" for i, (_, error, text) in enumerate(cells) if error)
        raise AssertionError(f"{name}: cell {last} was dropped from the queue; errors:\n{failed}")
    return False


# Read in one go: the dashboard replaces its rows at every refresh, so row-by-row reads may find a row gone.
ROWS = """() => Array.from(document.querySelectorAll('#learners tbody tr'))
    .map(tr => Array.from(tr.cells).map(td => td.innerText))"""


def dashboard_rows(page) -> dict[str, list[str]]:
    return {tds[0]: tds[:4] for tds in page.evaluate(ROWS) if tds}


def test_three_learners_pass_different_checks_and_the_dashboard_shows_them(three):
    url, logins, _ = three
    shots = ROOT / "artifacts"
    shots.mkdir(exist_ok=True)
    with chromium() as browser:
        learners = {name: log_in(browser, url, name, logins[name]) for name in PLAN}
        spawn = {name: f"{url}hub/spawn/{name}?next=/user/{name}/lab/tree/course/{NOTEBOOK}" for name in PLAN}
        # What a page failed to load, said when a learner's JupyterLab never comes.
        problems: dict[str, list[str]] = {name: [] for name in PLAN}
        for name, page in learners.items():
            page.on("requestfailed", lambda r, name=name: problems[name].append(f"{r.url}: {r.failure}"))
            page.on("pageerror", lambda e, name=name: problems[name].append(f"page error: {e}"))
        # Each asks the hub for their server, opening notebook 04: the three start at once, as in a room.
        for name, page in learners.items():
            goto(page, spawn[name])
        # A learner who opens the dashboard's URL is refused by the hub, and sees no one's progress.
        refused = learners["learner1"].context.new_page()
        answer = goto(refused, url + DASHBOARD)
        assert answer is not None and answer.status == 403, refused.content()[-2000:]
        assert "learner2" not in refused.content()
        refused.close()
        instructor = log_in(browser, url, "instructor", logins["instructor"], then="/" + DASHBOARD)
        assert goto(instructor, url + DASHBOARD).status == 200
        # Nobody has checked anything yet; the page is left open and never reloaded from here on.
        assert all(row[2] == "0" for row in dashboard_rows(instructor).values())

        def show(page, name: str):
            def dump():
                page.screenshot(path=str(shots / f"e2e-workshop-{name}-failure.png"), full_page=True)
                print(name, page.url, text_of(page.locator("body"))[-3000:], "\nfailed loads:", problems[name][-20:])

            return dump

        blank_since: dict[str, float] = {}

        def ready(page, name: str) -> int:
            reload_if_lost(page, spawn[name], blank_since, problems[name])
            # The status bar's kernel item, not the toolbar's indicator: under load JupyterLab's toolbar can move
            # its indicator into the overflow menu (CI saw "Python 3 (ipykernel) | Idle" and no indicator, 480 s).
            return page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE_TEXT).count()

        started = time.monotonic()
        for name, page in learners.items():
            wait_until(
                lambda page=page, name=name: ready(page, name),
                2 * LOAD,  # three servers, each in its own engine, and their kernels, all at once on two cores
                f"{name}'s JupyterLab with notebook 04 and its kernel",
                interval=0.5,
                on_timeout=show(page, name),
            )
        print(f"three servers and kernels: {time.monotonic() - started:.0f} s")
        for name, page in learners.items():
            for step in PLAN[name]:
                if step == HINT:
                    insert_above(page, EXERCISE_CHECK, f'hint("{EXERCISE}")')
                    page.keyboard.press("Shift+Enter")
                else:
                    run(page, int(step))
        started = time.monotonic()
        for name, page in learners.items():
            last = int(PLAN[name][-1])
            wait_until(
                lambda page=page, name=name, last=last: done(page, name, last),
                2 * LOAD,  # notebook 04's lab and service in each learner's engine, three at once
                f"{name}'s cells",
                interval=1,
                on_timeout=show(page, name),
            )
            page.screenshot(path=str(shots / f"e2e-workshop-{name}.png"), full_page=True)
        print(f"the learners' cells: {time.monotonic() - started:.0f} s")
        assert "✓ 04-two-of-three" in output(learners["learner1"], CHECK_TWO)
        assert "✓ 04-one-per-node" in output(learners["learner2"], CHECK_ONE)
        assert "✓ 04-two-of-three" in output(learners["learner3"], CHECK_TWO)
        assert "Hint 1" in output(learners["learner3"], EXERCISE_CHECK)  # the added cell, where the check was
        assert f"✓ {EXERCISE}" not in output(learners["learner3"], EXERCISE_CHECK + 1)  # not done: it does not pass
        wait_until(
            lambda: dashboard_rows(instructor) == EXPECTED,
            LOAD,  # a refresh every 5 s, each reading the learners' progress: slow on a loaded machine
            "the dashboard to show the three learners' progress",
            interval=0.5,
            on_timeout=lambda: print(dashboard_rows(instructor)),
        )
        assert "3 learners · 0 stuck" in instructor.locator("#summary").inner_text()
        instructor.screenshot(path=str(shots / "e2e-workshop-dashboard.png"), full_page=True)


def test_down_leaves_no_hub_state(three):
    room.down(log=lambda line: None)
    assert not Path(names.state_dir()).exists() and hub_pid(names.state_dir()) is None
