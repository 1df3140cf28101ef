"""Resume and reset: every notebook's first cell attaches to its running lab, and any section can be reached
directly in one call.

`open_lab("04")` attaches to lab nb04 if it runs (after a kernel restart, or in a new session) without
rebuilding it, and starts it otherwise. `reset("04", section="global")` rebuilds the lab fresh and brings it
to the state that section starts from, running the real commands and showing them.
"""

from __future__ import annotations

from ..base.errors import LabNotRunning
from ..front.lab import Lab, current_lab
from ..front.status import all_labs
from . import progress
from .catalog import plan_of

__all__ = ["open_lab", "reset"]


def open_lab(notebook: str) -> Lab:
    """The lab of a notebook: the running one (attached, not rebuilt), else a fresh one."""
    plan = plan_of(notebook)
    health = next(iter(all_labs(plan.lab_name)), None)
    usable = health is not None and health.state != "half-built" and not any(f == "removed" for _, f in health.faults)
    if usable:
        lab = Lab.attach(plan.lab_name, quiet=False)
        print(f"✓ lab {plan.lab_name!r} is already running ({health.nodes} nodes, {health.state}): carrying on "
              f"where you left it. To start this notebook over: reset(\"{plan.number}\")")
        return lab
    if health is not None:
        print(f"lab {plan.lab_name!r} cannot be used as it is ({health.note}); starting it again")
    return Lab(plan.managers, plan.workers, name=plan.lab_name, replace=True, swarm=plan.swarm).start()


def reset(notebook: str, section: str | None = None) -> Lab:
    """Rebuild a notebook's lab fresh and bring it to the start of `section` (default: the first one)."""
    plan = plan_of(notebook)
    target = plan.sections[0] if section is None else plan.section(section)
    try:
        lab = current_lab(plan.lab_name)
    except LabNotRunning:
        lab = Lab(plan.managers, plan.workers, name=plan.lab_name, swarm=plan.swarm)
    lab.rebuild() if lab.running else lab.start()
    for step in target.steps:
        print(f"  ↻ {step.what}")
        step.do(lab)
    progress.record("reset", plan.number, section=target.slug)
    print(f"✓ lab {plan.lab_name!r} is ready for section {target.slug!r}: {target.title}")
    return lab
