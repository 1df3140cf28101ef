"""The snapshot's decisions, as pure functions over what the engine reported.

- a node container's fault (killed, stopped, paused, disconnected, removed),
- the order in which managers are asked,
- whether the swarm has a leader and a quorum, and the sentence that says so.

No I/O here: `snapshot.read_snapshot` gathers the inputs, and unit tests feed
answers recorded from real swarms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..base.facts import LABEL_NODE, majority
from .answers import NOT_A_MANAGER, Answer
from .state import SwarmSnapshot, parse_snapshot

__all__ = ["container_fault", "node_faults", "manager_candidates", "gather", "judge", "FAULTS"]

FAULTS = ("killed", "stopped", "paused", "disconnected", "removed")
_KILLED = (137, -1)  # `docker kill` ends with SIGKILL; a clean `docker stop` lets dockerd exit by itself


def container_fault(summary: Mapping | None, exit_code: int | None, network: str) -> str | None:
    """What is wrong with a node's container (from its list summary), or None if it runs and is connected."""
    if summary is None:
        return "removed"
    state = summary.get("State", "")
    if state == "paused":
        return "paused"
    if state not in ("running", "restarting"):
        return "killed" if exit_code in _KILLED else "stopped"
    networks = (summary.get("NetworkSettings") or {}).get("Networks") or {}
    return None if network in networks else "disconnected"


def node_faults(
    summaries: Iterable[Mapping], exit_codes: Mapping[str, int], network: str, expected: Iterable[str]
) -> dict[str, str | None]:
    """Every node's fault by hostname; a node the lab expects but whose container is gone is "removed"."""
    by_host = {(s.get("Labels") or {}).get(LABEL_NODE, ""): s for s in summaries}
    hosts = set(by_host) | set(expected)
    return {
        h: container_fault(by_host.get(h), exit_codes.get((by_host.get(h) or {}).get("Id", "")), network)
        for h in sorted(hosts)
        if h
    }


def manager_candidates(
    created_roles: Mapping[str, str], swarm_managers: Sequence[str], answered: str | None
) -> list[str]:
    """The order to ask nodes in: the manager that answered last, the swarm's managers, the created managers;
    then, while the swarm has not yet said who its managers are, every other node (one may have been promoted)."""
    order: list[str] = []
    others = [] if swarm_managers else list(created_roles)
    for host in (
        ([answered] if answered else [])
        + list(swarm_managers)
        + [h for h, r in created_roles.items() if r == "manager"]
        + others
    ):
        if host in created_roles and host not in order:
            order.append(host)
    return order


def gather(candidates: Sequence[str], faults: Mapping[str, str | None], ask: Callable[[str], Answer]) -> list[Answer]:
    """Ask candidates in order, skipping nodes whose container cannot answer, until one gives the three lists."""
    answers: list[Answer] = []
    for host in candidates:
        if faults.get(host):
            continue
        answers.append(ask(host))
        if answers[-1].payloads is not None:
            break
    return answers


def judge(
    lab: str,
    answers: Sequence[Answer],
    faults: Mapping[str, str | None],
    known_managers: Sequence[str],
    taken_at: float,
    manager_errors: Sequence[str] = (),
) -> SwarmSnapshot:
    """One snapshot from the answers gathered (in the order asked): the first full answer wins.

    With an answer, quorum is judged from the managers it lists and the faults
    seen from outside (a manager may still answer reads for a moment after the
    majority died). Without one, the sentence says whether the managers are
    electing a leader, have lost quorum, or could not be asked at all.
    """
    missing = tuple(h for h, f in faults.items() if f == "removed")
    for answer in answers:
        if answer.payloads is None:
            continue
        p = answer.payloads
        snap = parse_snapshot(lab, answer.host, p["nodes"], p["services"], p["tasks"], taken_at=taken_at)
        nodes = tuple(dataclasses.replace(n, fault=faults.get(n.hostname)) for n in snap.nodes)
        managers = [n for n in nodes if n.role == "manager"]
        healthy = [n for n in managers if not n.fault and n.state != "down"]
        quorum = not managers or len(healthy) >= majority(len(managers))
        return dataclasses.replace(snap, nodes=nodes, quorum=quorum, missing=missing)
    # A worker asked in case it was promoted says "not a swarm manager": no news for the learner.
    failed = [a for a in answers if a.error and not (NOT_A_MANAGER in a.error and a.host not in known_managers)]
    errors = [f"{a.host}: {a.error}" for a in failed] + list(manager_errors)
    up = [h for h in known_managers if not faults.get(h)]
    needed = majority(len(known_managers)) if known_managers else 1
    has_quorum = not known_managers or len(up) >= needed
    count = f"{len(up)} of {len(known_managers)} managers are up and Raft needs {needed}"
    detail = "; ".join(errors)
    # The sentence and what the managers said are separate holes: its translation matches with or without them.
    if not has_quorum:
        error = (
            f"no quorum: {count}; the swarm cannot make changes (running tasks keep running)"
            + (f". {detail}" if detail else "")
        ).rstrip(". ")
    elif any(a.no_leader for a in failed):
        error = f"no leader yet: the managers are electing one ({count})." + (f" {detail}" if detail else "")
    elif failed and all(a.timed_out for a in failed):
        error = (
            f"no manager answered in time: the leader is gone or cut off and the others wait for a new one "
            f"({count}). " + "; ".join(errors)
        )
    elif errors:
        error = "no manager answered: " + "; ".join(errors)
    else:
        error = "no manager is running: every manager node is killed, stopped, paused, disconnected or removed"
    return SwarmSnapshot(
        lab=lab, taken_at=taken_at, manager=None, error=error.strip(), quorum=has_quorum, missing=missing
    )
