"""Reading a snapshot: gather what the engine says, then let `decide` judge it.

One list call finds the lab's node containers (and their faults); then the
managers are asked in `decide.manager_candidates` order, skipping ones that
cannot answer, until one gives the three Engine API lists.
"""

from __future__ import annotations

import time

from ..base.errors import ExecStreamBroken
from ..host.exec import ContainerNotRunning, run_in_container
from ..host.inventory import exit_codes, node_containers
from .answers import SNAPSHOT_SCRIPT, Answer, parse_answer
from .context import LabState
from .decide import gather, judge, manager_candidates, node_faults
from .state import SwarmSnapshot

__all__ = ["read_snapshot", "ask_manager", "lab_faults"]


def lab_faults(state: LabState) -> dict[str, str | None]:
    """Every node's fault, by hostname, from one list call (plus one inspect per exited node)."""
    summaries = node_containers(state.name)
    return node_faults(summaries, exit_codes(summaries), state.network_name, state.nodes)


def ask_manager(state: LabState, hostname: str) -> Answer:
    """Run the snapshot script in one node and read its answer."""
    try:
        r = run_in_container(state.container_of(hostname), ["sh", "-c", SNAPSHOT_SCRIPT], check=False)
    except (ContainerNotRunning, ExecStreamBroken) as exc:  # no readable answer: the next look asks again
        return parse_answer(hostname, None, "", exec_error=str(exc))
    return parse_answer(hostname, r.exit_code, r.stdout)


def read_snapshot(state: LabState) -> SwarmSnapshot:
    """Ask the lab's managers, best candidate first, until one answers; judge leader, quorum and faults."""
    faults = lab_faults(state)
    candidates = manager_candidates(state.created_roles(), state.view.managers, state.view.answered)
    answers = gather(candidates, faults, lambda host: ask_manager(state, host))
    known = state.view.managers or [h for h, r in state.created_roles().items() if r == "manager"]
    snap = judge(state.name, answers, faults, known, taken_at=time.time())
    state.note(snap)
    return snap
