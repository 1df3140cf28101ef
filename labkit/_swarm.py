"""Forming the swarm: `docker swarm init` on the first manager, then the joins, shown as a learner types them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ._errors import LabkitError

if TYPE_CHECKING:
    from ._lab import Lab
    from ._node import Node

__all__ = ["init_swarm", "join_nodes"]


def init_swarm(lab: "Lab", first: "Node") -> None:
    """Run `docker swarm init --advertise-addr <ip>` on the first manager, with the lab's heartbeat tuning."""
    cmd = f"docker swarm init --advertise-addr {first.ip}"
    if lab.heartbeat:
        cmd += f" --dispatcher-heartbeat {lab.heartbeat}"
    lab._progress.command(first.name, cmd + ("   # lab tuning: failures show in seconds" if lab.heartbeat else ""))
    try:
        first.sh(cmd)
    except LabkitError as exc:
        raise LabkitError(f"failed to initialise the swarm on {first.name}: {exc}") from None
    lab._last_manager = first.name


def _join(node: "Node", role: str, token: str, manager_ip: str) -> None:
    try:
        node.sh(f"docker swarm join --advertise-addr {node.ip} --token {token} {manager_ip}:2377")
    except LabkitError as exc:
        raise LabkitError(f"failed to join {node.name} as a {role}: {exc}") from None


def join_nodes(lab: "Lab", nodes: list["Node"], role: str) -> None:
    """Join nodes as workers (in parallel) or managers (one at a time) with a token from a live manager."""
    if not nodes:
        return
    first = lab.manager
    lab._progress.command(first.name, f"docker swarm join-token -q {role}")
    token = first.sh(f"docker swarm join-token -q {role}").stdout.strip()
    for node in nodes:
        lab._progress.command(node.name, f"docker swarm join --token {token[:14]}… {first.ip}:2377")
    if role == "manager":
        for node in nodes:  # one at a time: each Raft membership change needs a quorum
            _join(node, role, token, first.ip)
    else:
        with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
            list(pool.map(lambda n: _join(n, role, token, first.ip), nodes))
