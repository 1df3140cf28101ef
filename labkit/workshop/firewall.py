"""The room's own firewall rules: nothing that enters the host from one learner's network reaches another's.

Docker isolates bridge networks in the filter table's FORWARD chain, and every time it creates a network (a lab,
anywhere on this engine) Docker 20.10 deletes and re-inserts its jump to DOCKER-ISOLATION-STAGE-1 (libnetwork's
EnsureJumpRule: `-D` then `-I`). Between the two, forwarded packets meet only the per-bridge ACCEPT rules, so
under network churn one learner's connection to another's server went through. labkit therefore keeps its own
chain in the raw table, which Docker does not touch: per learner network, traffic to its own subnet returns, to
any other learner subnet is dropped, before routing and before Docker's rules. The rules are keyed by the
bridge a packet enters on, so a learner root in their engine cannot get around them with a forged source.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ..base.errors import EngineError

__all__ = ["CHAIN", "ROOM_RANGE", "check_firewall", "isolate", "release", "remove_chain", "rules_for"]

CHAIN = "LABKIT-WORKSHOP"
ROOM_RANGE = "172.30.0.0/16"  # every learner subnet (engine.SUBNETS) is inside it


def _iptables(*args: str, check: bool = True) -> bool:
    """One iptables call in the raw table (-w: wait for Docker's own calls to finish); True if it succeeded."""
    proc = subprocess.run(["iptables", "-w", "-t", "raw", *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise EngineError(f"iptables -t raw {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.returncode == 0


def check_firewall() -> None:
    """Refuse a room this machine cannot isolate: the rules need root and iptables (as Docker does)."""
    if os.geteuid() != 0 or not shutil.which("iptables"):
        raise EngineError(
            "a workshop keeps learners apart with its own iptables rules, which needs root and the iptables "
            "command on the machine that runs the Docker engine (Fix: run `labkit workshop up` as root there)"
        )


def _ensure_chain() -> None:
    if not _iptables("-n", "-L", CHAIN, check=False):
        _iptables("-N", CHAIN, check=False)  # a room starting at the same moment may have made it: checked next
        _iptables("-n", "-L", CHAIN)
    if not _iptables("-C", "PREROUTING", "-j", CHAIN, check=False):
        _iptables("-I", "PREROUTING", "-j", CHAIN)


def rules_for(bridge: str, subnet: str) -> list[list[str]]:
    """The two rules of one learner network, in order: its own subnet returns, every other learner's is dropped."""
    return [
        ["-i", bridge, "-d", subnet, "-j", "RETURN"],
        ["-i", bridge, "-d", ROOM_RANGE, "-j", "DROP"],
    ]


def bridge_of(network_id: str) -> str:
    """The host interface of a Docker bridge network (Docker names it br-<the id's first 12 characters>)."""
    return f"br-{network_id[:12]}"


def isolate(network_id: str, subnet: str) -> None:
    """Add a learner network's rules (idempotent); before any container of the learner joins it."""
    _ensure_chain()
    for rule in rules_for(bridge_of(network_id), subnet):
        if not _iptables("-C", CHAIN, *rule, check=False):
            _iptables("-A", CHAIN, *rule)


def release(network_id: str, subnet: str) -> None:
    """Remove a learner network's rules (those that are there)."""
    for rule in rules_for(bridge_of(network_id), subnet):
        while _iptables("-D", CHAIN, *rule, check=False):
            pass


def remove_chain() -> None:
    """Remove the chain and its jump (a room's `down`); nothing if there is none."""
    if shutil.which("iptables") is None or os.geteuid() != 0:
        return
    while _iptables("-D", "PREROUTING", "-j", CHAIN, check=False):
        pass
    if _iptables("-F", CHAIN, check=False):
        _iptables("-X", CHAIN, check=False)
