"""The widgets' front-end files: each widget's ES module with the shared `dom.js` inlined.

anywidget loads a widget's module as one file, so `import { h } from "./dom.js"`
is replaced by dom.js itself here; a browser test serving static/ over HTTP
loads the same files with the import as written.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["STATIC", "esm", "css"]

STATIC = Path(__file__).parent / "static"
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./(\w+)\.js";\n', re.M)


def _inline(match: re.Match) -> str:
    return (STATIC / f"{match.group(1)}.js").read_text().replace("export function", "function")


def esm(widget: str) -> str:
    """The ES module of a widget (board, traffic, timeline), self-contained."""
    return _IMPORT.sub(_inline, (STATIC / f"{widget}.js").read_text())


def css(widget: str) -> Path:
    """The stylesheet of a widget."""
    return STATIC / f"{widget}.css"
