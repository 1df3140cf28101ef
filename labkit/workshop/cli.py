"""`labkit workshop ...`: the thin shell over labkit.workshop.room (the parser is in cli_args)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..base.errors import InvalidInput
from .engine import Limits
from .room import down, read_roster, reset, status, up

__all__ = ["run"]


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "no learners"
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in cols)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _up(args: argparse.Namespace) -> int:
    if args.roster:
        learners = read_roster(Path(args.roster))
    else:
        if not 1 <= args.learners <= 200:
            raise InvalidInput(f"--learners must be 1-200 (got {args.learners})")
        learners = [f"learner{i}" for i in range(1, args.learners + 1)]
    if args.cpus <= 0:
        raise InvalidInput(f"--cpus must be above 0 (got {args.cpus})")
    limits = Limits(args.memory, args.cpus, args.lab_memory, 1.0)
    room = up(
        learners,
        port=args.port,
        listen=args.listen,
        limits=limits,
        idle_timeout=args.idle_timeout,
        cards=Path(args.cards) if args.cards else None,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    print(f"✓ workshop up in {room.seconds:.0f} s: {len(room.learners)} learners at {room.url}")
    print(f"  login cards (the passwords, printable): {room.cards}")
    print("  the instructor logs in as `instructor` (on the cards too); `labkit workshop status` lists the learners")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run one `labkit workshop` subcommand."""
    if args.workshop_cmd == "up":
        return _up(args)
    if args.workshop_cmd == "status":
        rows = status()
        print(json.dumps(rows, indent=1) if args.json else _table(rows))
        return 0
    if args.workshop_cmd == "reset":
        seconds = reset(args.learner, keep_progress=args.keep_progress)
        print(f"✓ {args.learner} has a fresh engine ({seconds:.0f} s)")
        return 0
    removed = down()
    print("✓ removed " + "; ".join(removed) if removed else "nothing to remove: no workshop was up")
    return 0
