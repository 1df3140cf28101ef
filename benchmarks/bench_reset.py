"""Benchmark: a notebook section reset against a fresh start of the same lab, in the same run, on the same engine.

    .venv/bin/python benchmarks/bench_reset.py [--notebook 04] [--section fixed-count] [--rounds 3]

`reset(notebook, section=...)` rebuilds the notebook's lab fresh and replays the steps that lead to the section. The
baseline is the least any reset must do: starting a new lab of the same shape (`Lab(...).start()`). Rounds
alternate, so a warm cache favours neither side; medians are printed with the ratio, so the figure reads as "what
replaying the section costs on top of a start" whatever the machine's speed.

It rebuilds the notebook's own lab (nb04 by default): do not run it while that notebook is open. Progress events
go to a temporary file, not the learner's.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import labkit
from labkit.course import reset
from labkit.course.catalog import plan_of
from labkit.host.teardown import remove_lab


def baseline_round(notebook: str) -> float:
    """Seconds to start a new lab of the notebook's shape (then removed, untimed)."""
    plan = plan_of(notebook)
    lab = labkit.Lab(plan.managers, plan.workers, name=f"bench-{uuid.uuid4().hex[:4]}", swarm=plan.swarm, quiet=True)
    t0 = time.monotonic()
    try:
        lab.start()
        return time.monotonic() - t0
    finally:
        lab.stop()


def reset_round(notebook: str, section: str) -> float:
    """Seconds for `reset(notebook, section=section)` (its lab is removed afterwards, untimed)."""
    t0 = time.monotonic()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the baseline prints nothing either
            reset(notebook, section=section)
        return time.monotonic() - t0
    finally:
        remove_lab(plan_of(notebook).lab_name)


def main() -> None:
    """Run the rounds and print both medians and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notebook", default="04")
    ap.add_argument("--section", default="fixed-count")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    plan = plan_of(args.notebook)
    steps = len(plan.section(args.section).steps)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABKIT_PROGRESS_FILE"] = str(Path(tmp) / "progress.jsonl")
        base, timed = [], []
        for _ in range(args.rounds):  # alternate, so warm caches favour neither side
            base.append(baseline_round(args.notebook))
            timed.append(reset_round(args.notebook, args.section))
    b, r = statistics.median(base), statistics.median(timed)
    call = f'reset("{args.notebook}", section="{args.section}")'
    print(
        f"lab {plan.lab_name}: {plan.managers} manager(s) + {plan.workers} worker(s); medians of {args.rounds} round(s)"
    )
    print(f"  {'fresh start of the same shape (baseline)':<44} {b:6.1f} s  (range {min(base):.1f}-{max(base):.1f})")
    print(
        f"  {call:<44} {r:6.1f} s  (range {min(timed):.1f}-{max(timed):.1f})  "
        f"{r / b:.2f}x the baseline ({steps} step(s) replayed)"
    )


if __name__ == "__main__":
    main()
