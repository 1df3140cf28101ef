"""The commands `./run record` and `./run site` call: `python -m labkit.publish record [--lang L] [NN ...] | site`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..base.errors import LabkitError
from .record import EDITIONS, numbers, record
from .site import build_site


def main(argv: list[str] | None = None) -> int:
    """Record notebooks or build the site; a clear message and exit status 2 on bad input, no traceback."""
    parser = argparse.ArgumentParser(prog="./run", description="the published edition of the course")
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="run notebooks on a real swarm and write recorded/<lang>/")
    rec.add_argument("notebooks", nargs="*", metavar="NN", help="notebook numbers (default: all)")
    rec.add_argument("--lang", default="en", choices=sorted(EDITIONS), help="the edition (default: en)")
    site = commands.add_parser("site", help="build the static site of the recorded editions")
    site.add_argument("--out", type=Path, default=None, help="output folder (default: site/_build/html)")
    args = parser.parse_args(argv)
    try:
        if args.command == "record":
            for number in numbers(args.notebooks):
                print(f"recording notebook {number} ({args.lang})", file=sys.stderr, flush=True)
                print(f"wrote {record(number, args.lang)}", flush=True)
        else:
            out = build_site(out=args.out)
            print(f"site built: {out / 'index.html'}", flush=True)
    except LabkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
