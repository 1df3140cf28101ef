"""Which language the course speaks, and its text in that language, with no second copy of any message.

The language: a notebook under `zh-CN/` speaks Chinese. A kernel that jupyter_server starts for a notebook has
JPY_SESSION_NAME set to the notebook's path (jupyter_server/services/sessions/sessionmanager.py, get_kernel_env),
so the same first cell selects Chinese in notebooks/zh-CN/ and English in notebooks/. Elsewhere (a terminal, nbval,
a recording) the kernel's working folder does (nbval and nbclient start a kernel in its notebook's folder), or
LABKIT_LANG; else English.

The text: labkit's messages stay where they are written, as English f-strings. `lang/en.json` lists their
templates ("worker1 is a {}; expected it promoted to manager"), extracted from the code (i18n_extract.py, and a
unit test keeps it equal to the code); `lang/zh-CN.json` maps an English template to its Chinese one. `tr(text)`
matches a message against the templates, translates what filled each hole when that is a message too, and renders
the Chinese template with those values; a message with no entry stays English.
"""

from __future__ import annotations

import functools
import json
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path

__all__ = ["LANGUAGES", "WORDS", "language", "tr", "catalogue", "template_holes", "literal_text"]

LANGUAGES = ("en", "zh-CN")
ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "zh-hans": "zh-CN", "en": "en", "en-us": "en"}
HERE = Path(__file__).resolve().parent / "lang"
# Single words the course prints that i18n_extract would not take for messages: a value that fills a message's hole
# ("services: none", from course/verdicts.py), a column of `labkit progress`. tr() translates a hole on its own.
WORDS = ("none", "tries")
TOP = 3  # how deep tr() looks into holes within holes; TOP is a whole text


def _one_word(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z][\w-]*", text) is not None


def language(env: Mapping[str, str] | None = None) -> str:
    """ "zh-CN" for a notebook under a zh-CN/ folder (its path, or the kernel's folder), else LABKIT_LANG
    ("zh-CN", "zh", "en"; unknown: "en")."""
    env = os.environ if env is None else env
    if "zh-CN" in Path(env.get("JPY_SESSION_NAME", "")).parts[:-1]:
        return "zh-CN"
    if env is os.environ and Path.cwd().name == "zh-CN":  # nbval and nbclient start a kernel in its notebook's folder
        return "zh-CN"
    return ALIASES.get(env.get("LABKIT_LANG", "").strip().lower(), "en")


def template_holes(template: str) -> int:
    """How many `{}` holes a template has (its literal braces are doubled, as in str.format)."""
    return sum(1 for _, name, _, _ in string.Formatter().parse(template) if name is not None)


def literal_text(template: str) -> str:
    """A template without its holes: what a message must contain, literally, to match it."""
    return "".join(lit for lit, _, _, _ in string.Formatter().parse(template))


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """English template → template in `lang` ({} for English, or a language with no catalogue file)."""
    path = HERE / f"{lang}.json"
    if lang == "en" or not path.exists():
        return {}
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if v}


@functools.cache
def _matchers(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """Each translated template as a whole-text pattern, the most specific (longest literal text) first."""
    found = []
    for english, translated in catalogue(lang).items():
        parsed = string.Formatter().parse(english)
        pattern = "".join(re.escape(lit) + ("(.*?)" if name is not None else "") for lit, name, _, _ in parsed)
        found.append((len(literal_text(english)), re.compile(pattern + r"\Z", re.S), translated))
    found.sort(key=lambda m: -m[0])
    return [(p, t) for _, p, t in found]


def tr(text: str, lang: str | None = None, depth: int = TOP) -> str:
    """`text` in the course's language (`lang`, else language()); unchanged if no template matches.

    A single word that fills a hole stays as it is (a learner's service may be called `task` or `web`), unless it is
    one of WORDS; a label that is one word is translated where it is printed on its own."""
    lang = lang or language()
    if lang == "en" or not text or (depth < TOP and text not in WORDS and _one_word(text)):
        return text
    exact = catalogue(lang).get(text.replace("{", "{{").replace("}", "}}"))
    if exact is not None and template_holes(exact) == 0:
        return exact.replace("{{", "{").replace("}}", "}")
    # A message may match several templates ("{} (still so after {} s)" wraps any other): the reading that leaves
    # the least English wins, the most specific template first on a tie.
    best, left = text, _english(text)
    for pattern, translated in _matchers(lang):
        m = pattern.match(text)
        if m:
            values = [tr(v, lang, depth - 1) if depth > 0 else v for v in m.groups()]
            try:
                rendered = translated.format(*values)
            except (IndexError, KeyError, ValueError):  # a broken catalogue entry must not hide the message
                continue
            if _english(rendered) < left:
                best, left = rendered, _english(rendered)
    return best


def _english(text: str) -> int:
    return sum(ch.isascii() and ch.isalpha() for ch in text)
