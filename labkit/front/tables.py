"""Plain-text tables for the terminal.

Hand-written (15 lines) rather than rich: the output is plain text that tests
and pipes read, and the CLI starts faster without importing a rendering library.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["print_table", "format_table"]


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Dict rows as aligned columns (header from the first row's keys, upper-cased)."""
    if not rows:
        return ""
    cols = list(rows[0])
    widths = {c: max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    lines = ["  ".join(str(c).upper().ljust(widths[c]) for c in cols).rstrip()]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols).rstrip() for r in rows]
    return "\n".join(lines)


def print_table(rows: Sequence[dict[str, Any]], out=None) -> None:
    """Print format_table(rows) (nothing for no rows)."""
    if rows:
        print(format_table(rows), file=out or sys.stdout)
