"""The course catalog: every notebook's plan, and every check by id."""

from __future__ import annotations

import importlib
import pkgutil
from difflib import get_close_matches

from ..base.errors import InvalidInput
from . import notebooks
from .model import Check, NotebookPlan

__all__ = ["PLANS", "plan_of", "check_by_id", "all_checks", "all_exercises"]


def _plans() -> dict[str, NotebookPlan]:
    """Every notebooks/nbNN.py module's PLAN, by notebook number (a new notebook is one new module)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(notebooks.__path__), key=lambda m: m.name):
        if info.name.startswith("nb"):
            plan = importlib.import_module(f"{notebooks.__name__}.{info.name}").PLAN
            found[plan.number] = plan
    return found


PLANS: dict[str, NotebookPlan] = _plans()


def plan_of(notebook: str) -> NotebookPlan:
    """The plan of a notebook ("04"); InvalidInput listing the notebooks otherwise."""
    key = str(notebook).zfill(2)[:2]
    if key not in PLANS:
        raise InvalidInput(f"no course notebook {notebook!r}; notebooks: {', '.join(sorted(PLANS))}")
    return PLANS[key]


def all_checks() -> list[Check]:
    """Every check of the course, in notebook order."""
    return [c for number in sorted(PLANS) for c in PLANS[number].checks]


def all_exercises() -> list[Check]:
    """Every exercise of the course, in notebook order."""
    return [c for c in all_checks() if c.is_exercise]


def check_by_id(check_id: str) -> Check:
    """The check with this id; InvalidInput suggesting close ids otherwise."""
    for c in all_checks():
        if c.id == check_id:
            return c
    close = get_close_matches(str(check_id), [c.id for c in all_checks()], n=3)
    raise InvalidInput(f"no check {check_id!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
