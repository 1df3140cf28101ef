"""`python -m labkit.cli` and the `labkit` console script: see labkit.front.cli."""

from .front.cli import build_parser, main

__all__ = ["main", "build_parser"]

if __name__ == "__main__":
    raise SystemExit(main())
