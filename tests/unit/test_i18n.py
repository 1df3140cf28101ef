"""The course's language: chosen by the notebook's folder (or LABKIT_LANG), and its text translated from templates
extracted from the code (labkit/base/i18n.py, i18n_extract.py), so no message and no check exists twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.base import i18n
from labkit.base.i18n import catalogue, language, template_holes, tr
from labkit.base.i18n_extract import PACKAGE, coverage, extract, templates_of
from labkit.course.catalog import PLANS

EN = PACKAGE / "base" / "lang" / "en.json"
ZH = PACKAGE / "base" / "lang" / "zh-CN.json"
# What every learner meets whatever the notebook: verdict frames, hints' and solutions' captions, progress, resets.
FIXED = ["course/display.py", "course/runner.py", "course/reset.py", "course/progress_cli.py", "course/catalog.py"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"JPY_SESSION_NAME": "/home/me/labkit/notebooks/zh-CN/04-replicated-vs-global.ipynb"}, "zh-CN"),
        ({"JPY_SESSION_NAME": "zh-CN/00-welcome.ipynb"}, "zh-CN"),  # an API path, relative to the server's root
        ({"JPY_SESSION_NAME": "/home/me/labkit/notebooks/04-replicated-vs-global.ipynb"}, "en"),
        ({"JPY_SESSION_NAME": "/home/me/zh-CN.ipynb"}, "en"),  # the folder decides, not the file's name
        ({"JPY_SESSION_NAME": "04-replicated-vs-global.ipynb", "LABKIT_LANG": "zh-CN"}, "zh-CN"),
        ({"LABKIT_LANG": "zh"}, "zh-CN"),
        ({"LABKIT_LANG": "zh_CN"}, "zh-CN"),
        ({"LABKIT_LANG": "en"}, "en"),
        ({"LABKIT_LANG": "klingon"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_the_notebook_then_labkit_lang(env: dict[str, str], expected: str) -> None:
    """A notebook under zh-CN/ speaks Chinese (jupyter_server gives its kernel JPY_SESSION_NAME); else LABKIT_LANG."""
    assert language(env) == expected


def test_a_kernel_started_in_the_zh_folder_speaks_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """nbval and nbclient start a notebook's kernel in the notebook's folder, without JPY_SESSION_NAME."""
    for name in ("JPY_SESSION_NAME", "LABKIT_LANG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "zh-CN").mkdir()
    monkeypatch.chdir(tmp_path)
    assert language() == "en"
    monkeypatch.chdir(tmp_path / "zh-CN")
    assert language() == "zh-CN"


def test_english_catalogue_is_the_code() -> None:
    """lang/en.json is what the code says today: after changing a message, `python -m labkit.base.i18n_extract`."""
    assert json.loads(EN.read_text(encoding="utf-8")) == extract(), "run: python -m labkit.base.i18n_extract"


def test_extraction_makes_templates_and_skips_code() -> None:
    """f-strings become templates with {} holes (literal braces doubled); docstrings and commands are not messages."""
    source = '''
def verdict(w1):
    """A docstring is not a message."""
    fmt = "{{.Swarm.LocalNodeState}}"
    sh("manager1", "docker service create --name web nginx")
    Check("01-x", "init", "worker1 promoted", verdict, solution="%%node manager1\\ndocker swarm init")
    Section("drain", "Drain")
    failed(f"worker1 is a {w1.role}; expected it {'promoted' if w1 else 'x'} to manager")
    return "no running task" + f" on {w1}"
'''
    found = templates_of(source)
    assert "worker1 is a {}; expected it {} to manager" in found
    assert "no running task on {}" in found  # a sum of strings is one message
    assert "worker1 promoted" in found and "Drain" in found  # titles, even of one word
    assert not [t for t in found if "docstring" in t or "docker" in t or "Swarm" in t]


def test_zh_catalogue_entries_are_current_and_well_formed() -> None:
    """Every zh-CN entry translates a template the code still has, with the same number of holes."""
    english = {t for found in extract().values() for t in found}
    zh = json.loads(ZH.read_text(encoding="utf-8"))
    stale = [k for k in zh if k not in english]
    assert not stale, f"zh-CN.json translates text the code no longer has: {stale[:5]}"
    broken = [k for k, v in zh.items() if v and template_holes(k) != template_holes(v)]
    assert not broken, f"holes differ between English and Chinese: {broken[:5]}"


def test_zh_catalogue_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    """The frames every learner meets and every title on the course map are translated; the rest is reported."""
    missing = coverage("zh-CN")
    assert not [t for module in FIXED for t in missing.get(module, [])], {m: missing.get(m) for m in FIXED}
    titles = {p.title for p in PLANS.values()} | {c.title for p in PLANS.values() for c in p.checks}
    titles |= {s.title for p in PLANS.values() for s in p.sections}
    assert not sorted(titles - set(catalogue("zh-CN")))
    total = sum(len(found) for found in extract().values())
    left = sum(len(m) for m in missing.values())
    with capsys.disabled():
        print(f"\nzh-CN catalogue: {total - left} of {total} templates translated; untranslated by module:")
        print("\n".join(f"  {m}: {len(ts)}" for m, ts in missing.items() if ts))


def test_tr_renders_the_chinese_template_with_the_values() -> None:
    """Values are carried over; a value that is itself a message is translated too; unknown text stays English."""
    assert tr("no node runs a task of web", "zh-CN") == "没有节点运行 web 的任务"
    assert tr("3 running task(s) of web", "zh-CN") == "web 的 3 个运行中的任务"  # holes reordered
    text = "there is no service web (services: none) (still so after 60 s)"
    assert tr(text, "zh-CN") == "没有服务 web（现有服务：无）（60 秒后仍是如此）"  # "none" is one of WORDS
    assert tr("something labkit never says", "zh-CN") == "something labkit never says"
    assert tr("no node runs a task of web", "en") == "no node runs a task of web"


def test_a_learners_name_that_is_a_catalogue_word_stays_as_named() -> None:
    """A service called `task` (or `node`, `lab`, `history`) is the learner's name, not the word: it is translated
    only where it is printed on its own."""
    assert tr("no node runs a task of task", "zh-CN") == "没有节点运行 task 的任务"
    assert tr("there is no service history (services: none)", "zh-CN") == "没有服务 history（现有服务：无）"
    assert tr("task", "zh-CN") == "任务"  # a label on its own: the timeline's filter button


def test_a_broken_entry_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese template with a hole too many shows the English message rather than failing the check."""
    monkeypatch.setattr(i18n, "catalogue", lambda lang: {"no node runs a task of {}": "{} {}"})
    i18n._matchers.cache_clear()
    try:
        assert tr("no node runs a task of web", "zh-CN") == "no node runs a task of web"
    finally:
        i18n._matchers.cache_clear()


def test_check_result_and_hint_speak_the_notebook_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """One CheckResult, shown in a zh-CN notebook: the ✗ line, the help line and the HTML are Chinese."""
    from labkit.course.display import CheckResult, Note

    result = CheckResult("04-web-on-workers", False, "no node runs a task of web", 2)
    assert "no node runs" in repr(result)
    monkeypatch.setenv("JPY_SESSION_NAME", "zh-CN/04-replicated-vs-global.ipynb")
    assert (
        repr(result)
        == '✗ 04-web-on-workers: 没有节点运行 web 的任务\n卡住了？hint("04-web-on-workers") 给出一条提示（还剩 2 条）。'
    )
    assert "没有节点运行 web 的任务" in result._repr_html_()
    assert repr(Note("Hint 1 of 3 for 04-web-on-workers", "x")).startswith(
        "04-web-on-workers 的提示（第 1 条，共 3 条）"
    )
    assert repr(Note("Solution of 04-x. A cell that solves it:", "docker service ls", code=True)).endswith(
        "\ndocker service ls"
    )
