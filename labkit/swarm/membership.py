"""Changing a running lab: add a node (the same steps as a start, for one node) or remove one."""

from __future__ import annotations

from ..base.errors import LabBroken
from ..base.quoting import sh_join
from ..host import teardown
from .context import LabState
from .decide import manager_candidates
from .formation import join_nodes
from .memory import check_memory
from .node import Node
from .snapshot import lab_faults, read_snapshot
from .steps import provision, wait_engines, wait_ready
from .waits import wait_for

__all__ = ["add_node", "remove_node", "a_manager"]


def a_manager(state: LabState) -> Node:
    """A manager that answers right now (the last one that did, else the first healthy one)."""
    faults = lab_faults(state)
    for host in manager_candidates(state.created_roles(), state.view.managers, state.view.answered):
        if not faults.get(host) and state.role_of(host) == "manager":
            return Node(state, host)
    raise LabBroken(f"no manager of lab {state.name!r} is running; start one with lab.node('manager1').start()")


def add_node(state: LabState, role: str, join: bool = True) -> Node:
    """Create one more node of a role and join it to the running swarm (join=False: its engine only, no swarm)."""
    check_memory(state, 1, adding=True)
    record = state.plan_node(role)
    try:
        provision(state, [record])
    except BaseException:
        state.drop_node(record.hostname)
        teardown.remove_lab(state.name, node=record.hostname)
        raise
    wait_engines(state, [record.hostname])
    if join:
        join_nodes(state, a_manager(state), [Node(state, record.hostname)], role)
        wait_ready(state, [record.hostname])
    return Node(state, record.hostname)


def remove_node(state: LabState, hostname: str) -> None:
    """Take a node out of the swarm (demote, leave, node rm) and delete its container and volume."""
    node = Node(state, hostname)
    read_snapshot(state)  # the swarm's word on its role, now
    if node.fault is None:
        if state.role_of(hostname) == "manager":
            a_manager(state).exec(["docker", "node", "demote", hostname], check=False)
        node.exec(["docker", "swarm", "leave", "--force"], check=False)
    wait_for(
        state,
        lambda s: not any(n.hostname == hostname and n.state == "ready" for n in s.nodes),
        timeout=30,
        what=f"{hostname} down",
        quiet=True,
    )
    manager = a_manager(state)
    state.report.command(manager.name, sh_join(["docker", "node", "rm", "--force", hostname]))
    manager.exec(["docker", "node", "rm", "--force", hostname], check=False)
    state.report.line(f"$ {node.host_command('remove')}   # on the host, with its volume")
    teardown.remove_lab(state.name, node=hostname)
    state.drop_node(hostname)
