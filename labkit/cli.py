"""`python -m labkit.cli` and the `labkit` console script: front's commands (labkit.front.cli) and the course's.

The course front end builds on front (its Lab, status and tables), so front never calls the course: its one
command, `labkit progress`, is joined to the others here, above both. The course is imported only when that
command runs, as every command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse

from .front.cli import build_parser, main
from .front.commands import COMMANDS

__all__ = ["main", "build_parser"]


def _progress(args: argparse.Namespace) -> int:
    from .course.progress_cli import print_progress, reset_progress

    if args.reset is not None:
        return reset_progress(args.reset or None)
    return print_progress(as_json=args.json)


COMMANDS["progress"] = _progress

if __name__ == "__main__":
    raise SystemExit(main())
