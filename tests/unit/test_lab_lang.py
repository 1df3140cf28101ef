"""`labkit lab --lang zh-CN`: the Chinese edition in JupyterLab's Chinese interface; English stays English."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from labkit.base.errors import InvalidInput
from labkit.front import jupyter
from labkit.front.cli import _parse
from labkit.front.jupyter import LOCALE_PLUGIN, edition, jupyter_argv, settings_dir, write_overrides


@pytest.mark.parametrize(
    ("argv", "lang", "jupyter"),
    [
        (["lab"], "en", []),
        (["lab", "--lang", "zh-CN"], "zh-CN", []),
        (["lab", "--lang=zh-CN", "--no-browser"], "zh-CN", ["--no-browser"]),
        (["lab", "--no-browser", "--lang", "zh", "--port", "8899"], "zh", ["--no-browser", "--port", "8899"]),
        (["lab", "--", "--lang", "zh-CN"], "en", ["--lang", "zh-CN"]),  # after --, everything is JupyterLab's
    ],
)
def test_lang_is_labkit_lab_s_own_option(argv: list[str], lang: str, jupyter: list[str]) -> None:
    """--lang is taken out of the arguments; the rest still goes to JupyterLab as typed."""
    args = _parse(argv)
    assert (args.lang, args.jupyter_args) == (lang, jupyter)


def test_a_language_without_an_edition_is_refused() -> None:
    """A clear error naming the editions, not a JupyterLab in some other language."""
    assert edition("zh") == "zh-CN" and edition("EN") == "en"
    with pytest.raises(InvalidInput, match="en, zh-CN"):
        edition("fr")
    with pytest.raises(InvalidInput, match="needs a language"):
        _parse(["lab", "--lang"])


def test_overrides_select_the_interface_language_and_keep_other_keys(tmp_path: Path) -> None:
    """zh-CN writes the locale zh_CN; a later English start writes en back; other settings are kept."""
    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    write_overrides(str(tmp_path), lang="zh-CN")
    written = json.loads(path.read_text())
    assert written[LOCALE_PLUGIN] == {"locale": "zh_CN"}
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert written["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false"}
    write_overrides(str(tmp_path))
    assert json.loads(path.read_text())[LOCALE_PLUGIN] == {"locale": "en"}


def test_jupyter_opens_notebook_00_of_the_edition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Chinese start lands on zh-CN/00-welcome.ipynb, the English one on 00-welcome.ipynb."""
    (tmp_path / "zh-CN").mkdir()
    (tmp_path / "00-welcome.ipynb").write_text("{}")
    (tmp_path / "zh-CN" / "00-welcome.ipynb").write_text("{}")
    monkeypatch.setattr(jupyter, "course_dir", lambda: tmp_path)
    assert "--LabApp.default_url=/lab/tree/00-welcome.ipynb" in jupyter_argv([])
    zh = jupyter_argv(["--no-browser"], "zh-CN")
    assert "--LabApp.default_url=/lab/tree/zh-CN/00-welcome.ipynb" in zh
    assert f"--ServerApp.root_dir={tmp_path}" in zh and zh[-1] == "--no-browser"


def test_the_language_pack_matches_jupyterlab() -> None:
    """Language packs follow JupyterLab's minor version; the installed one is within JupyterLab's major version."""
    pack, lab = version("jupyterlab-language-pack-zh-CN"), version("jupyterlab")
    assert pack.split(".")[0] == lab.split(".")[0], (pack, lab)


def test_a_lab_with_its_own_settings_folder_gets_its_overrides_there(tmp_path: Path) -> None:
    """`--LabApp.app_settings_dir=D` (a test's JupyterLab) moves overrides.json to D: the environment's is untouched."""
    assert settings_dir([], "/env") == Path("/env/share/jupyter/lab/settings")
    own = tmp_path / "appsettings"
    assert settings_dir(["--no-browser", f"--LabApp.app_settings_dir={own}"], "/env") == own
    write_overrides("/nonexistent", lang="zh-CN", settings=own)
    assert json.loads((own / "overrides.json").read_text())[LOCALE_PLUGIN] == {"locale": "zh_CN"}
