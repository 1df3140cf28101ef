"""Labs started in advance: a whole lab built before anyone asks for it, taken by the next start of its name.

While a learner reads one notebook, the next notebook's lab is started in the background and marked
*prepared*. `Lab.start()` of that name then takes it instead of building one: it is exactly what a cold start
would have made (same names, hostnames and addressing, because it was one), only earlier. Taking it is removing
its marker, which succeeds for exactly one caller; a prepared lab can only become the lab of its own name.
"""

from __future__ import annotations

import os

from ..base.facts import LABEL_HEARTBEAT, LABEL_SHAPE, LABEL_SWARM
from ..host.inventory import LabObjects, find_labs, mark_ready, take_prepared
from ..host.teardown import remove_lab
from .attach import state_from_objects
from .context import LabState
from .snapshot import read_snapshot

__all__ = ["matches", "take", "budget", "prepared_nodes"]

DEFAULT_BUDGET = 5  # nodes: a prepared lab of the course's usual 1+2 shape fits, with room for a bigger one


def budget() -> int:
    """How many nodes prepared labs may hold in all (LABKIT_POOL; 0 turns preparing off)."""
    value = os.environ.get("LABKIT_POOL", "")
    return int(value) if value.strip().isdigit() else DEFAULT_BUDGET


def prepared_nodes() -> int:
    """How many nodes prepared labs hold right now."""
    return sum(len(objs.containers) for objs in find_labs().values() if objs.prepared)


def matches(objs: LabObjects, state: LabState) -> bool:
    """True if a prepared lab is what this start asks for: the same shape, heartbeat and swarm-or-not."""
    labels = objs.labels
    return (
        labels.get(LABEL_SHAPE) == f"{state.managers}+{state.workers}"
        and (labels.get(LABEL_HEARTBEAT) or None) == (state.heartbeat or None)
        and labels.get(LABEL_SWARM, "true") == str(state.swarm).lower()
    )


def take(state: LabState) -> LabState | None:
    """Take the prepared lab of this state's name if there is a matching one; its state, ready and marked."""
    objs = find_labs(state.name).get(state.name)
    if objs is None or not objs.prepared or not matches(objs, state) or not take_prepared(state.name):
        return None
    taken = state_from_objects(objs, state.report)
    if state.swarm:
        snap = read_snapshot(taken)
        if snap.error is not None or any(n.state != "ready" for n in snap.nodes) or snap.missing:
            remove_lab(state.name)  # it broke while it waited: a cold start replaces it
            return None
    mark_ready(taken.name, taken.instance)
    return taken
