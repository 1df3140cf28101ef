"""Composing shell commands: every argument labkit puts into a script is quoted.

Scripts run inside nodes with `sh -c`; a node name, path or token that reaches
one must never be read as shell syntax.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

__all__ = ["sh_join", "q"]


def q(value: object) -> str:
    """One shell word: `q("a b")` is `'a b'`; safe words stay as they are."""
    return shlex.quote(str(value))


def sh_join(argv: Iterable[object]) -> str:
    """A command line from words, each quoted: `sh_join(["docker", "node", "rm", name])`."""
    return " ".join(q(a) for a in argv)
