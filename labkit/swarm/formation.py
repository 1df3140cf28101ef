"""Forming the swarm: `docker swarm init` on the first manager, then the joins, shown as a learner types them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..base.errors import LabkitError, SwarmFormationFailed
from ..base.quoting import sh_join
from .context import LabState
from .node import Node

__all__ = ["init_swarm", "join_nodes", "init_command"]

JOIN_PORT = 2377
_DOCTOR = "(`labkit doctor` checks whether this host can run a swarm)"


def init_command(advertise_ip: str, heartbeat: str | None) -> list[str]:
    """`docker swarm init --advertise-addr <ip>` plus the lab's heartbeat tuning."""
    argv = ["docker", "swarm", "init", "--advertise-addr", advertise_ip]
    return argv + (["--dispatcher-heartbeat", heartbeat] if heartbeat else [])


def init_swarm(state: LabState, first: Node) -> None:
    """Run `docker swarm init` on the first manager, with the lab's heartbeat tuning."""
    cmd = sh_join(init_command(first.ip, state.heartbeat))
    state.report.command(first.name, cmd + ("   # lab tuning: failures show in seconds" if state.heartbeat else ""))
    try:
        first.sh(cmd)
    except LabkitError as exc:
        raise SwarmFormationFailed(f"failed to initialise the swarm on {first.name}: {exc}\n{_DOCTOR}") from exc


def _join(node: Node, role: str, token: str, manager_ip: str) -> None:
    argv = ["docker", "swarm", "join", "--advertise-addr", node.ip, "--token", token, f"{manager_ip}:{JOIN_PORT}"]
    try:
        node.exec(argv)
    except LabkitError as exc:
        raise SwarmFormationFailed(f"failed to join {node.name} as a {role}: {exc}\n{_DOCTOR}") from exc


def join_nodes(state: LabState, manager: Node, nodes: list[Node], role: str) -> None:
    """Join nodes as workers (in parallel) or managers (one at a time) with a token from a live manager."""
    if not nodes:
        return
    state.report.command(manager.name, f"docker swarm join-token -q {role}")
    token = manager.exec(["docker", "swarm", "join-token", "-q", role]).stdout.strip()
    for node in nodes:
        state.report.command(node.name, f"docker swarm join --token {token[:14]}… {manager.ip}:{JOIN_PORT}")
    if role == "manager":
        for node in nodes:  # one at a time: each Raft membership change needs a quorum
            _join(node, role, token, manager.ip)
    else:
        with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
            list(pool.map(lambda n: _join(n, role, token, manager.ip), nodes))
