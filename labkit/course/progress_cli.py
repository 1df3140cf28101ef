"""`labkit progress`: the course map in a terminal, and forgetting progress."""

from __future__ import annotations

import json

from ..base.i18n import tr
from ..front.tables import print_table
from .catalog import PLANS, all_exercises
from .progress import course_map, forget, read_events, store_path

__all__ = ["print_progress", "reset_progress", "map_rows"]


def map_rows() -> list[dict[str, str]]:
    """One row per exercise, in course order: notebook, exercise, done, attempts, hints, solution."""
    rows = []
    for p in course_map([(c.id, c.title) for c in all_exercises()], read_events()):
        rows.append(
            {
                "notebook": f"{p.notebook} {tr(PLANS[p.notebook].title)}",
                "exercise": p.exercise,
                "what": tr(p.title),
                "done": "✓" if p.done else "·",
                "tries": str(p.attempts),
                "hints": str(p.hints),
                "solution": tr("seen") if p.solution else "",
            }
        )
    return rows


def print_progress(as_json: bool = False) -> int:
    """Print the course map (or JSON); 0."""
    rows = map_rows()
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    done = sum(r["done"] == "✓" for r in rows)
    print(tr(f"{done} of {len(rows)} exercises done (progress kept in {store_path()})\n"))
    # The columns' names are the widget's words (widgets/_labels.py) and WORDS (base/i18n.py); JSON keeps the keys.
    print_table([{tr(column): value for column, value in row.items()} for row in rows])
    return 0


def reset_progress(notebook: str | None) -> int:
    """Forget the progress of one notebook, or all of it; 0."""
    removed = forget(notebook)
    print(tr(f"forgot {removed} recorded event(s)" + (f" of notebook {notebook}" if notebook else "")))
    return 0
