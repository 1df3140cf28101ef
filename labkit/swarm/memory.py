"""Does a new lab fit in the memory its engine gives labs? Asked before anything is created.

An engine may say how much its labs may use in all (a workshop learner's engine does: base.facts'
LABEL_LABS_MEMORY; a laptop's does not, and nothing is checked there). A start, or one more node, is then
refused at once with a message that says what happened and what to do, instead of nodes dying one by one
when the kernel's out-of-memory killer meets the engine's limit. Labs prepared in advance are a cache: a
real start may release them to make room; a start in advance never releases anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..base.errors import EngineError
from ..base.facts import KIND_NODE, LABEL_KIND, LABEL_LAB, over_memory
from ..host.inventory import find_labs
from ..host.memory import labs_memory_limit, memory_in_use
from ..host.teardown import remove_lab
from .context import LabState

__all__ = ["NODE_MEMORY", "Fit", "judge", "check_memory"]

# What one node takes, with a little room for a lesson's services: inside a learner engine (`docker stats`, a
# notebook 04 lab with its services and a prepared 1+2 lab) managers used 58-82 MiB, workers 49-71 MiB. A node
# still booting is counted at this figure, since it has not reached its size yet.
NODE_MEMORY = 96 * 2**20
MIB = 2**20


@dataclass(frozen=True)
class Fit:
    """The verdict on a start: it fits (perhaps after releasing some prepared labs), or a message says why not."""

    fits: bool
    release: tuple[str, ...] = ()  # prepared labs to remove first, largest first
    message: str = ""


def judge(
    budget: int,
    used: int,
    prepared: Mapping[str, int],
    nodes: int,
    labs: list[str],
    may_release: bool = True,
    per_node: int = NODE_MEMORY,
) -> Fit:
    """Pure: do `nodes` more nodes fit in `budget` bytes, with `used` held by running labs (and anything else on
    the engine) and `prepared` held by labs prepared in advance (releasable if `may_release`)?"""
    need = nodes * per_node
    free = budget - used - sum(prepared.values())
    if need <= free:
        return Fit(True)
    if may_release:
        release: list[str] = []
        for name, held in sorted(prepared.items(), key=lambda kv: -kv[1]):
            release.append(name)
            free += held
            if need <= free:
                return Fit(True, tuple(release))
    return Fit(False, message=over_memory(nodes, per_node // MIB, free // MIB, budget // MIB, labs))


def check_memory(state: LabState, nodes: int, *, adding: bool = False, may_release: bool = True) -> None:
    """Refuse (EngineError, nothing created) `nodes` more nodes for this lab if they would not fit the engine's
    labs memory; release prepared labs of other names first when that is enough and allowed. A start does not
    count what a lab of its name holds (it replaces it); `adding` nodes to a running lab counts the lab."""
    budget = labs_memory_limit()
    if budget is None:
        return
    labs = find_labs()
    prepared_labs = {name for name, objs in labs.items() if objs.prepared and not objs.ready and name != state.name}
    starting = {name for name, objs in labs.items() if not objs.ready and not objs.prepared}
    used = 0
    prepared: dict[str, int] = {}
    for labels, held in memory_in_use().values():
        lab = labels.get(LABEL_LAB, "")
        if lab == state.name and not adding:  # a start replaces what its name holds (or is refused: LabExists)
            continue
        if labels.get(LABEL_KIND) == KIND_NODE and lab in starting:
            held = max(held, NODE_MEMORY)  # still booting: not at its size yet
        if lab in prepared_labs:
            prepared[lab] = prepared.get(lab, 0) + held
        else:
            used += held
    shown = sorted(n for n in labs if n not in prepared_labs and n != state.name)
    fit = judge(budget, used, prepared, nodes, shown, may_release)
    if not fit.fits:
        raise EngineError(fit.message)
    for name in fit.release:
        state.report.line(f"releasing lab {name!r}, prepared in advance, to make room within your memory limit")
        remove_lab(name)
