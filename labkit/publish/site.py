"""`./run site`: the static website of the recorded course, one Sphinx build per recorded edition, offline.

For each edition with notebooks under recorded/<lang>/, a source folder is assembled (its index page from
site/templates/, the recorded notebooks with each folded solution wrapped in one <details>), and Sphinx builds it
with site/conf.py into <out>/<lang>/. <out>/index.html lets the reader choose an edition.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html import escape
from pathlib import Path
from typing import Any

import nbformat

from ..base.errors import InvalidInput
from .record import EDITIONS, RECORDED
from .solutions import SOLUTION_TAG

__all__ = ["SITE", "TEXT", "editions_recorded", "wrap_solutions", "prepare_source", "build_site"]

SITE = Path("site")
# What the site itself says, per edition (Sphinx's `language` spells zh-CN as zh_CN).
TEXT = {
    "en": {"name": "English", "sphinx": "en", "fold": "Recorded solution and its check (try it first)"},
    "zh-CN": {"name": "中文", "sphinx": "zh_CN", "fold": "录制的答案及其检查（请先自己试一试）"},
}


def editions_recorded(root: Path = Path(".")) -> list[str]:
    """The editions that have recorded notebooks, English first."""
    return [lang for lang in EDITIONS if sorted((root / RECORDED / lang).glob("*.ipynb"))]


def _marker(html: str) -> Any:
    cell = nbformat.v4.new_markdown_cell(html)
    cell.metadata["labkit"] = {"fold_marker": True}
    return cell


def wrap_solutions(nb: Any, summary: str) -> Any:
    """Put each run of consecutive solution cells (an exercise's answer and its check) inside one <details>.

    Two raw-HTML markdown cells open and close the fold; myst-nb passes them through around the cells' output.
    """
    cells: list[Any] = []
    inside = False
    for cell in nb.cells:
        folded = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        if folded and not inside:
            cells.append(_marker(f'<details class="labkit-solution"><summary>{escape(summary)}</summary>'))
        if inside and not folded:
            cells.append(_marker("</details>"))
        cells.append(cell)
        inside = folded
    if inside:
        cells.append(_marker("</details>"))
    nb.cells = cells
    return nb


def prepare_source(lang: str, source: Path, root: Path = Path(".")) -> list[str]:
    """Fill `source` with one edition's index page and its recorded notebooks (folds added); their names."""
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    names = []
    for path in sorted((root / RECORDED / lang).glob("*.ipynb")):
        nb = wrap_solutions(nbformat.read(path, as_version=4), TEXT[lang]["fold"])
        nbformat.write(nb, source / path.name)
        names.append(path.stem)
    template = (root / SITE / "templates" / f"index.{lang}.md").read_text(encoding="utf-8")
    (source / "index.md").write_text(template.replace("{toc}", "\n".join(names)), encoding="utf-8")
    return names


def _chooser(langs: list[str]) -> str:
    """The site's front page: a link per edition (and straight to it when there is only one)."""
    links = "".join(f'<li><a href="{lang}/index.html" lang="{lang}">{TEXT[lang]["name"]}</a></li>' for lang in langs)
    refresh = f'<meta http-equiv="refresh" content="0; url={langs[0]}/index.html">' if len(langs) == 1 else ""
    title = "labkit · Docker Swarm mode"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{refresh}</head>'
        f"<body><h1>{title}</h1><ul>{links}</ul></body></html>"
    )


def build_site(
    root: Path = Path("."), out: Path | None = None, langs: list[str] | None = None, work: Path | None = None
) -> Path:
    """Build the site of the recorded editions (all that exist, or `langs`) into `out`; returns `out`.

    `work` holds the assembled sources (default: site/_build/src).

    Raises InvalidInput when there is nothing recorded, or Sphinx fails (its own report is printed above).
    """
    out = out or root / SITE / "_build" / "html"
    langs = langs or editions_recorded(root)
    missing = [lang for lang in langs if lang not in editions_recorded(root)]
    if not langs or missing:
        raise InvalidInput(
            f"nothing recorded under {root / RECORDED}/{'|'.join(missing or EDITIONS)}: run ./run record"
        )
    for lang in langs:
        source = (work or root / SITE / "_build" / "src") / lang
        prepare_source(lang, source, root)
        argv = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(root / SITE)]
        argv += ["-D", f"language={TEXT[lang]['sphinx']}", "-d", str(source.parent / f".doctrees-{lang}")]
        done = subprocess.run([*argv, str(source), str(out / lang)], check=False)
        if done.returncode:
            raise InvalidInput(f"Sphinx could not build the {lang} edition (exit {done.returncode}; see above)")
    # myst-nb keeps a copy of each notebook's outputs next to the editions; the pages use their own copies.
    shutil.rmtree(out / "jupyter_execute", ignore_errors=True)
    (out / "index.html").write_text(_chooser(langs), encoding="utf-8")
    return out
