"""`check`, `hint` and `solution`: what a learner calls in an exercise's cells.

A check looks at the live swarm (a snapshot and the Engine API) and never
re-runs a command. While what the learner had to set is right but the swarm
is still converging, it waits (with progress); otherwise it answers at once.
Every attempt, hint and solution is recorded in the progress store.
"""

from __future__ import annotations

from ..base.errors import ApiUnanswered, ExecStreamBroken, InvalidInput, WaitTimeout
from ..base.i18n import tr
from ..base.poll import poll
from ..front.lab import Lab, current_lab
from . import progress
from .catalog import check_by_id, plan_of
from .display import CheckResult, ExerciseNotDone, Note
from .evidence import gather
from .model import Check, Verdict, failed, waiting

__all__ = ["check", "hint", "solution", "judge_now"]


def _lab_for(ex: Check, lab: Lab | None) -> Lab:
    return lab if lab is not None else current_lab(plan_of(ex.notebook).lab_name)


def judge_now(lab: Lab, ex: Check) -> Verdict:
    """One look: the verdict on the lab as it is right now."""
    try:
        ev = gather(lab, ex)
    except (ApiUnanswered, ExecStreamBroken) as exc:  # passing (a busy host, an election, a garbled reply): ask again
        return waiting(str(exc))
    if ev.snapshot.error is not None:
        if ev.snapshot.quorum:  # a leader is being elected: the managers answer again in seconds
            return waiting(f"the swarm cannot be read for now: {ev.snapshot.error}")
        return failed(f"the swarm cannot be read: {ev.snapshot.error}")
    return ex.verdict(ev)


def check(exercise: str, lab: Lab | None = None) -> CheckResult:
    """Check an exercise or a lesson step on the live lab: ✓ with what was seen, or ExerciseNotDone with the reason."""
    ex = check_by_id(exercise)
    lab = _lab_for(ex, lab)
    verdict = judge_now(lab, ex)
    if verdict.status == "waiting":
        progress_line = lab.reporter.waiting(verdict.text, ex.wait)
        try:
            verdict = poll(
                lambda: judge_now(lab, ex),
                lambda v: v.status != "waiting",
                timeout=ex.wait,
                interval=0.5,
                what=verdict.text,
                show=lambda v: v.text,
                tick=progress_line.tick,
            )
            progress_line.done()
        except WaitTimeout:
            progress_line.fail()
            verdict = failed(f"{judge_now(lab, ex).text} (still so after {ex.wait:.0f} s)")
    progress.record("check", ex.notebook, ex.id, passed=verdict.ok, reason=verdict.text)
    result = CheckResult(
        ex.id, verdict.ok, verdict.text, len(ex.hints) - min(len(ex.hints), progress.hints_seen(ex.id))
    )
    if not verdict.ok:
        raise ExerciseNotDone(repr(result))
    return result


def _exercise(exercise: str) -> Check:
    ex = check_by_id(exercise)
    if not ex.is_exercise:
        raise InvalidInput(f"{exercise} checks a lesson step; it has no hints or solution (the cell above does it)")
    return ex


def hint(exercise: str) -> Note:
    """The next hint of an exercise (one at a time); the solution comes after the last one."""
    ex = _exercise(exercise)
    seen = progress.hints_seen(ex.id)
    if seen >= len(ex.hints):
        return Note(f"No more hints for {ex.id}", f'solution("{ex.id}") shows the solution.')
    progress.record("hint", ex.notebook, ex.id, hint=seen + 1)
    left = len(ex.hints) - seen - 1
    tail = f'\n({left} more: hint("{ex.id}"))' if left else f'\n(that was the last one; solution("{ex.id}") is next)'
    # Hint and tail are two messages: each is translated on its own (Note would see only their sum).
    return Note(f"Hint {seen + 1} of {len(ex.hints)} for {ex.id}", tr(ex.hints[seen]) + tr(tail))


def solution(exercise: str) -> Note:
    """The solution of an exercise, once every hint has been seen."""
    ex = _exercise(exercise)
    left = len(ex.hints) - progress.hints_seen(ex.id)
    if left > 0:
        return Note(
            f"Not yet: {left} hint(s) first",
            f'Hints come one at a time: hint("{ex.id}"). The solution comes after the last one.',
        )
    progress.record("solution", ex.notebook, ex.id)
    how = "Click on the board, or run this cell:" if ex.board else "A cell that solves it:"
    return Note(f"Solution of {ex.id}. {how}", ex.solution, code=True)
