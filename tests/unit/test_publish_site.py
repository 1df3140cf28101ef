"""The site's sources (labkit/publish/site.py): which editions are built, and what each edition's folder holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from labkit.base.errors import InvalidInput
from labkit.publish.site import build_site, editions_recorded, prepare_source
from labkit.publish.solutions import SOLUTION_TAG

ROOT = Path(__file__).resolve().parents[2]


def recorded(root: Path, lang: str, name: str) -> None:
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("x")
    answer.metadata["tags"] = [SOLUTION_TAG]
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), answer]
    (root / "recorded" / lang).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, root / "recorded" / lang / f"{name}.ipynb")


def test_only_editions_with_recorded_notebooks_are_built(tmp_path):
    assert editions_recorded(tmp_path) == []
    with pytest.raises(InvalidInput, match="run ./run record|record it first"):
        build_site(root=tmp_path)
    recorded(tmp_path, "zh-CN", "00-welcome")
    recorded(tmp_path, "en", "00-welcome")
    assert editions_recorded(tmp_path) == ["en", "zh-CN"]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_edition_folder_holds_its_index_and_its_notebooks_with_their_folds(tmp_path, lang):
    shutil.copytree(ROOT / "site" / "templates", tmp_path / "site" / "templates")
    recorded(tmp_path, lang, "04-replicated-vs-global")
    recorded(tmp_path, lang, "00-welcome")
    names = prepare_source(lang, tmp_path / "src", tmp_path)
    assert names == ["00-welcome", "04-replicated-vs-global"]
    index = (tmp_path / "src" / "index.md").read_text(encoding="utf-8")
    assert "{toc}" not in index and "00-welcome\n04-replicated-vs-global" in index
    cells = nbformat.read(tmp_path / "src" / "00-welcome.ipynb", as_version=4).cells
    assert cells[1].source.startswith('<details class="labkit-solution">') and cells[-1].source == "</details>"
