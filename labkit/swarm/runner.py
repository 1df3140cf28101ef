"""Running a start: the steps of steps.py in order, each numbered and timed, and if one fails (or Ctrl-C comes)
the lab that this start created is removed, unless it is kept for debugging.

The runner sits beside the steps, as kind keeps its action runner beside its actions; the front end
(labkit.Lab) says what to start and reads the timings. Steps are objects: a caller that must act on one
(Lab retires its namesakes before REMOVE_PREVIOUS) compares it by identity, never by its title.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ..host import teardown
from .context import LabPhase, LabState
from .steps import Step

__all__ = ["run_start", "Timings"]

Timings = list[tuple[str, float]]  # (step title, seconds): where a cold start's time went


def _nothing(step: Step) -> None:
    """No preparation before a step."""


def run_start(
    state: LabState,
    steps: Sequence[Step],
    *,
    retain: bool = False,
    timings: Timings | None = None,
    before: Callable[[Step], None] = _nothing,
) -> None:
    """Run a starting lab's steps in order; the lab is then running.

    Each step is announced as [i/n] (the reporter shows it when asked to, as `labkit up` does), `before(step)`
    runs first, and its seconds are appended to `timings`. On any failure, Ctrl-C included, the lab is stopped,
    what this start created is removed by its instance label (unless `retain`), and the exception, re-raised,
    carries a note naming the step that failed.
    """
    report = state.report
    current: Step | None = None
    try:
        for index, step in enumerate(steps, 1):
            current = step
            report.begin(step.title, index, len(steps))
            before(step)
            began = time.monotonic()
            step.run(state)
            if timings is not None:
                timings.append((step.title, time.monotonic() - began))
    except BaseException as exc:
        exc.add_note(f"labkit: starting lab {state.name!r} failed at step: {current.title if current else ''}")
        state.enter(LabPhase.STOPPED)
        if retain:
            report.line(f"start failed; retain=True keeps the lab for debugging (labkit down {state.name})")
        else:
            teardown.remove_lab(state.name, instance=state.instance)
        raise
    state.enter(LabPhase.RUNNING)
