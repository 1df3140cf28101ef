"""The README's Python example, run as written on a real swarm, so the README cannot drift from what labkit does."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import labkit

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_python_example() -> str:
    """The first ```python block of the README's "Using labkit" section."""
    section = README.read_text().split("## Using labkit", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Using labkit section has no python block"
    return match.group(1)


def test_the_readme_example_waits_for_the_replacements_and_prints_what_it_says():
    code = readme_python_example()
    shown = re.search(r"print\(snap\.describe\(\)\)\s+#\s*\.\.\.(.*)", code)
    assert shown, "the example shows what snap.describe() prints, in a comment"
    ns: dict = {}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), ns)
    finally:
        lab = ns.get("lab")
        if isinstance(lab, labkit.Lab):
            lab.stop()
    printed = out.getvalue()
    assert shown.group(1).strip() in printed, printed[-2000:]  # e.g. "worker2=down/active(killed); services: web 6/6"
    snap = ns["snap"]
    assert len(snap.running("web")) == 6 and "worker2" not in snap.placement("web")
