"""The 中文 edition cannot drift from the English one: every course notebook has a twin in notebooks/zh-CN/ with the
same cells in the same order (types and metadata equal), byte-identical code and raw cells, and only markdown
translated; a Chinese notebook with no English twin fails too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ZH = NOTEBOOKS / "zh-CN"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def cells(path: Path) -> list[dict]:
    """A notebook's cells as stored (JSON, so bytes compare as written)."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    """A cell's source as one string (nbformat stores it as a list of lines or one string)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def differences(english: Path, chinese: Path) -> list[str]:
    """What differs between an English notebook and its twin, beyond translated markdown ([] if nothing)."""
    en, zh = cells(english), cells(chinese)
    found = []
    if len(en) != len(zh):
        found.append(f"{len(en)} cells in English, {len(zh)} in zh-CN")
    for i, (a, b) in enumerate(zip(en, zh, strict=False)):
        where = f"cell {i}"
        if a["cell_type"] != b["cell_type"]:
            found.append(f"{where}: {a['cell_type']} in English, {b['cell_type']} in zh-CN")
            continue
        if a.get("metadata", {}) != b.get("metadata", {}):
            found.append(f"{where}: metadata differs")
        if a["cell_type"] != "markdown" and source(a) != source(b):
            found.append(f"{where}: {a['cell_type']} source differs (it must be byte-identical)")
    return found


def test_the_course_has_notebooks() -> None:
    """The glob below finds the course (an empty list would make every other test vacuous)."""
    assert len(ENGLISH) >= 16


def test_every_english_notebook_has_a_chinese_twin() -> None:
    """notebooks/zh-CN/ holds a notebook of the same name for each course notebook, including ones added later."""
    missing = [p.name for p in ENGLISH if not (ZH / p.name).exists()]
    assert not missing, f"{len(missing)} notebook(s) have no zh-CN twin: {', '.join(missing)}"


def test_no_chinese_notebook_without_an_english_one() -> None:
    """A zh-CN notebook whose English original was renamed or removed is an orphan."""
    orphans = sorted(p.name for p in ZH.glob("*.ipynb") if not (NOTEBOOKS / p.name).exists())
    assert not orphans, f"zh-CN notebook(s) with no English twin: {', '.join(orphans)}"


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem[:2] for p in ENGLISH])
def test_twin_has_the_same_code(english: Path) -> None:
    """Same cells, order, types and metadata; code and raw cells byte-identical to English."""
    chinese = ZH / english.name
    assert chinese.exists(), f"{english.name} has no zh-CN twin"
    assert not (found := differences(english, chinese)), f"{chinese.name}: " + "; ".join(found)


def test_twin_markdown_is_translated() -> None:
    """A twin that is a plain copy is no translation: each existing twin has Chinese in its markdown."""
    untranslated = [
        p.name
        for p in sorted(ZH.glob("*.ipynb"))
        if not any("\u4e00" <= ch <= "\u9fff" for c in cells(p) if c["cell_type"] == "markdown" for ch in source(c))
    ]
    assert not untranslated, f"zh-CN notebook(s) with no Chinese in their markdown: {', '.join(untranslated)}"


def test_differences_catches_drift(tmp_path: Path) -> None:
    """The comparison itself fails on a changed code cell, a changed type and a missing cell."""
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    md = {"cell_type": "markdown", "metadata": {}, "source": "Hello"}
    code = {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None}
    en, zh = tmp_path / "en.ipynb", tmp_path / "zh.ipynb"
    en.write_text(json.dumps({**nb, "cells": [md, code]}))
    zh.write_text(json.dumps({**nb, "cells": [{**md, "source": "你好"}, code]}))
    assert differences(en, zh) == []
    zh.write_text(json.dumps({**nb, "cells": [md, {**code, "source": "x = 2"}]}))
    assert differences(en, zh) == ["cell 1: code source differs (it must be byte-identical)"]
    zh.write_text(json.dumps({**nb, "cells": [code, code]}))
    assert "cell 0: markdown in English, code in zh-CN" in differences(en, zh)
    zh.write_text(json.dumps({**nb, "cells": [md]}))
    assert differences(en, zh) == ["2 cells in English, 1 in zh-CN"]
