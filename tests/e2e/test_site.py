"""The published edition: `./run site` builds the recorded notebooks checked into recorded/ into a static site,
and a page of each edition renders in real Chromium with its recorded outputs, a check's ✓, a folded solution that
opens on a click, and a picture of the board. No engine: nothing is executed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from labkit.publish.site import build_site, editions_recorded
from labkit.publish.solutions import SOLUTION_TAG

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = pytest.mark.e2e


def page_to_read(lang: str) -> str:
    """The first recorded notebook of an edition with a board picture and a folded solution (a fault lesson's)."""
    for path in sorted((ROOT / "recorded" / lang).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        pictures = [o for c in cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
        folded = [c for c in cells if SOLUTION_TAG in c.get("metadata", {}).get("tags", [])]
        if pictures and folded:
            return path.stem
    pytest.fail(f"recorded/{lang} has no notebook with a board picture and a solution: run ./run record 06")


def test_each_edition_renders_recorded_outputs_a_check_and_a_board_picture(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    langs = editions_recorded(ROOT)
    assert "en" in langs, "recorded/en/ holds no recorded notebook: run ./run record"
    out = build_site(root=ROOT, out=tmp_path / "html", work=tmp_path / "src")
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto((out / "index.html").as_uri())
        if len(langs) == 1:  # the front page goes straight to the only edition
            page.wait_for_url("**/en/index.html")
        else:
            assert all(page.locator(f"a[href='{lang}/index.html']").count() == 1 for lang in langs)
        for lang in langs:
            name = page_to_read(lang)
            page.goto((out / lang / f"{name}.html").as_uri())
            assert page.locator("html").get_attribute("lang") == lang
            # Recorded outputs: the real output of the lesson's commands, under their cells.
            assert page.locator(".cell .cell_output").count() >= 5
            # A lesson check's verdict, in view (not folded).
            verdicts = page.locator(".cell:not(.tag_labkit-solution) .cell_output", has_text="✓")
            assert verdicts.first.is_visible()
            # The board picture: an SVG the browser loaded and draws.
            picture = page.locator(".cell_output img[src$='.svg']").first
            picture.scroll_into_view_if_needed()
            assert picture.is_visible()
            assert page.evaluate("(img) => img.complete && img.naturalWidth > 100", picture.element_handle())
            # An exercise: folded, its ✓ hidden until the reader opens it.
            fold = page.locator("details.labkit-solution").first
            solved = fold.locator(".tag_labkit-solution .cell_output", has_text="✓").first
            assert not solved.is_visible()
            fold.locator("summary").click()
            assert solved.is_visible()
            page.screenshot(path=str(artifacts / f"site-{lang}.png"), full_page=False)
        browser.close()
