"""Resume and reset: every notebook's first cell attaches to its running lab, and any section can be reached
directly in one call.

`open_lab("04")` attaches to lab nb04 if it runs (after a kernel restart, or in a new session) without
rebuilding it; takes it if it was prepared in advance; starts it otherwise — and then prepares notebook 05's
lab in the background, so the next notebook starts at once. `reset("04", section="global")` rebuilds the lab
fresh and brings it to the state that section starts from, running the real commands and showing them.
"""

from __future__ import annotations

import subprocess
import sys

from ..base.errors import LabNotRunning
from ..base.i18n import tr
from ..base.poll import poll
from ..front.lab import Lab, current_lab
from ..front.status import all_labs
from ..swarm.prepared import budget, prepared_nodes
from . import progress
from .catalog import PLANS, plan_of

__all__ = ["open_lab", "reset", "prepare_next", "prepare_for", "warm_start"]


def _health(name: str):
    return next(iter(all_labs(name)), None)


def open_lab(notebook: str) -> Lab:
    """The lab of a notebook: the running one (attached, not rebuilt), else a prepared or fresh one."""
    plan = plan_of(notebook)
    health = _health(plan.lab_name)
    if health is not None and health.state == "starting":  # being prepared in the background right now
        print(tr(f"lab {plan.lab_name!r} is being prepared in the background; waiting for it"))
        health = poll(
            lambda: _health(plan.lab_name),
            lambda h: h is None or h.state != "starting",
            timeout=180,
            interval=0.5,
            what=f"lab {plan.lab_name} to be prepared",
            show=lambda h: h.state if h else "gone",
        )
    usable = (
        health is not None
        and health.state in ("running", "degraded")
        and not any(f == "removed" for _, f in health.faults)
    )
    if usable:
        lab = Lab.attach(plan.lab_name, quiet=False)
        print(
            tr(
                f"✓ lab {plan.lab_name!r} is already running ({health.nodes} nodes, {health.state}): carrying on "
                f'where you left it. To start this notebook over: reset("{plan.number}")'
            )
        )
    else:
        if health is not None and health.state != "prepared":
            print(tr(f"lab {plan.lab_name!r} cannot be used as it is ({health.note}); starting it again"))
        lab = Lab(
            plan.managers,
            plan.workers,
            name=plan.lab_name,
            replace=health is not None and health.state != "prepared",
            swarm=plan.swarm,
        ).start()
    prepare_next(plan.number)
    return lab


def prepare_next(notebook: str) -> str | None:
    """Start the next notebook's lab in the background (a separate process), within LABKIT_POOL; its name or None."""
    later = sorted(n for n in PLANS if n > notebook)
    return prepare_for(later[0]) if later else None


def warm_start() -> str | None:
    """Prepare the lab a learner opens first: their last notebook's (from their progress record), else the first
    notebook's. A workshop's server runs this as it starts, so the first `open_lab` takes a ready lab."""
    events = progress.read_events()
    last = str(events[-1].get("notebook", "")) if events else ""
    return prepare_for(last if last in PLANS else min(PLANS))


def prepare_for(notebook: str) -> str | None:
    """Start this notebook's lab in the background (a separate process), within LABKIT_POOL; its name or None."""
    if budget() == 0:  # preparing is off: ask the engine nothing
        return None
    nxt = PLANS[notebook]
    if _health(nxt.lab_name) is not None or prepared_nodes() + nxt.managers + nxt.workers > budget():
        return None
    argv = [
        sys.executable,
        "-m",
        "labkit.cli",
        "prepare",
        nxt.lab_name,
        "--managers",
        str(nxt.managers),
        "--workers",
        str(nxt.workers),
    ] + ([] if nxt.swarm else ["--no-swarm"])
    # Its own session and no output: it outlives this kernel and never prints into a notebook.
    subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    return nxt.lab_name


def reset(notebook: str, section: str | None = None) -> Lab:
    """Rebuild a notebook's lab fresh and bring it to the start of `section` (default: the first one)."""
    plan = plan_of(notebook)
    target = plan.sections[0] if section is None else plan.section(section)
    try:
        lab = current_lab(plan.lab_name)
    except LabNotRunning:
        lab = Lab(plan.managers, plan.workers, name=plan.lab_name, swarm=plan.swarm, replace=True)
    lab.rebuild() if lab.running else lab.start()
    for step in target.steps:
        print(f"  ↻ {tr(step.what)}")
        step.do(lab)
    progress.record("reset", plan.number, section=target.slug)
    print(tr(f"✓ lab {plan.lab_name!r} is ready for section {target.slug!r}: {tr(target.title)}"))
    return lab
