"""What a %%node cell shows: a command's terminal output rendered as a terminal would show it (no engine).

The fixtures in tests/fixtures/terminal are the raw bytes of real commands on a 200x50 exec TTY in a lab node
(exec_create(tty=True), exec_resize(50, 200), as the magic runs them): `docker service create --name rec
--replicas 2 labkit/whoami`, then `docker service scale rec=3`, and `docker node ls; docker service ls`
recorded once on a TTY (.bin) and once without (.txt).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from labkit.front import screen
from labkit.front.screen import CellScreen, TerminalText

FIXTURES = Path(__file__).parents[1] / "fixtures" / "terminal"


def recorded(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def rendered(text: str, chunk: int | None = None) -> str:
    terminal = TerminalText()
    step = chunk or len(text) or 1
    for start in range(0, len(text), step):
        terminal.feed(text[start : start + step])
    return terminal.text()


def test_service_create_ends_as_its_final_screen_not_a_line_per_tick():
    raw = recorded("service-create-2-replicas.bin")
    assert raw.count("verify:") > 10, "the recording holds the redraws a stream would show as lines"
    lines = rendered(raw).splitlines()
    assert lines[1:4] == [
        "overall progress: 2 out of 2 tasks",
        "1/2: running   [==================================================>]",
        "2/2: running   [==================================================>]",
    ]
    assert [line for line in lines if line.startswith("verify:")] == [lines[-1]]
    assert lines[-1].startswith("verify: Service ") and lines[-1].endswith(" converged")
    assert len(lines) == 5


def test_service_scale_ends_as_its_final_screen():
    lines = rendered(recorded("service-scale-to-3.bin")).splitlines()
    assert lines == ["rec scaled to 3", "overall progress: 3 out of 3 tasks"] + [
        f"{n}/3: running   [==================================================>]" for n in (1, 2, 3)
    ] + ["verify: Service rec converged"]


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_output_split_anywhere_renders_the_same(chunk):
    raw = recorded("service-create-2-replicas.bin")  # escape sequences cut in half, as frames may cut them
    assert rendered(raw, chunk) == rendered(raw)


def test_a_plain_command_shows_the_same_text_as_without_a_terminal():
    plain = recorded("node-ls-service-ls.txt")
    shown = rendered(recorded("node-ls-service-ls.bin"))
    assert "\r" not in shown and "\x1b" not in shown
    assert shown == "\n".join(line.rstrip() for line in plain.splitlines())


def test_lines_that_scroll_off_the_top_are_kept():
    count = screen.LINES * 3
    shown = rendered("".join(f"line {n}\r\n" for n in range(count)))
    assert shown.splitlines() == [f"line {n}" for n in range(count)]


def test_a_redraw_after_scrolling_changes_only_the_screen():
    text = "".join(f"row {n}\r\n" for n in range(screen.LINES + 5)) + "50%\r100%\r\n"
    lines = rendered(text).splitlines()
    assert lines[-1] == "100%" and lines[0] == "row 0" and len(lines) == screen.LINES + 6


@pytest.mark.parametrize(
    "raw,shown",
    [
        ("\x1b[31mred\x1b[0m and plain\r\n", "red and plain"),  # colours are dropped, the text stays
        ("downloading 10%\rdownloading 100%\r\n", "downloading 100%"),
        ("wide 日本 chars\r\n", "wide 日本 chars"),
        ("no newline at the end", "no newline at the end"),
        ("trailing blanks   \r\n\r\n\r\n", "trailing blanks"),
        ("", ""),
    ],
)
def test_what_a_terminal_would_show(raw, shown):
    assert rendered(raw) == shown


def test_the_terminal_is_wide_enough_for_a_wide_table_row():
    row = "x" * (screen.COLUMNS - 1)
    assert rendered(row + "\r\n") == row


class FakeDisplay:
    """Stands in for IPython.display.display and the DisplayHandle it returns."""

    def __init__(self):
        self.shown: list[str] = []
        self.updated = threading.Event()

    def display(self, bundle, raw, display_id):
        assert raw and display_id is True
        self.shown.append(bundle["text/plain"])
        return self

    def update(self, bundle, raw):
        self.shown.append(bundle["text/plain"])
        self.updated.set()


@pytest.fixture
def fake_display(monkeypatch):
    fake = FakeDisplay()
    monkeypatch.setattr("IPython.display.display", fake.display)
    return fake


def test_a_live_cell_shows_output_at_once_then_its_final_screen(fake_display):
    view = CellScreen(live=True, interval=3600)  # no second update can fall due during the test
    view.write("progress 1%\r")
    view.write("progress 50%\r")
    assert fake_display.shown == ["progress 1%"]
    view.write("progress 100%\r\ndone\r\n")
    view.finish()
    assert fake_display.shown == ["progress 1%", "progress 100%\ndone"]
    view.write("after the end\r\n")
    assert fake_display.shown[-1] == "progress 100%\ndone", "nothing is shown after finish()"


def test_output_that_then_pauses_is_shown_without_another_write(fake_display):
    view = CellScreen(live=True, interval=0.2)
    view.write("first\r\n")
    view.write("second\r\n")
    assert fake_display.updated.wait(timeout=30), "the pending output was never shown"
    assert fake_display.shown[-1] == "first\nsecond"
    view.finish()
    assert fake_display.shown[-1] == "first\nsecond"


def test_a_command_that_prints_nothing_shows_nothing(fake_display, capsys):
    for live in (True, False):
        CellScreen(live=live).finish()
    assert fake_display.shown == [] and capsys.readouterr().out == ""


def test_outside_a_kernel_the_final_screen_is_printed_once(capsys):
    view = CellScreen(live=False)
    view.write("verify: Waiting 1 seconds\r")
    view.write("\x1b[2Kverify: Service web converged\r\n")
    view.finish()
    assert capsys.readouterr().out == "verify: Service web converged\n"
    assert view.window == (screen.LINES, screen.COLUMNS)
