"""Names and labels: the only "state" labkit keeps is what it writes on Docker objects.

Deterministic names (`<lab>-worker2`) and labels let any process find, inspect
and remove a lab, the way kind finds its clusters.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import warnings

__all__ = ["LABEL_MANAGED", "LABEL_LAB", "labels_for", "validate_lab_name", "new_lab_name", "check_shape"]

LABEL_MANAGED = "labkit.managed"  # on every object labkit creates; cleanup selects by it
LABEL_LAB = "labkit.lab"
LABEL_KIND = "labkit.kind"  # node | network | volume | registry | registry-data
LABEL_ROLE = "labkit.role"
LABEL_NODE = "labkit.node"
LABEL_PID = "labkit.pid"
LABEL_HOST = "labkit.host"
LABEL_MODE = "labkit.mode"  # privileged | restricted
LABEL_REAP = "labkit.reap"  # "true" if the lab should vanish with its creating process

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,29}$")


def labels_for(kind: str, lab: str | None = None, **extra: str) -> dict[str, str]:
    """The labels every labkit object carries, plus kind-specific ones."""
    labels = {
        LABEL_MANAGED: "true",
        LABEL_KIND: kind,
        LABEL_PID: str(os.getpid()),
        LABEL_HOST: socket.gethostname(),
    }
    if lab is not None:
        labels[LABEL_LAB] = lab
    labels.update({f"labkit.{k}": v for k, v in extra.items()})
    return labels


def validate_lab_name(name: str) -> str:
    """Return the name if Docker and DNS accept it, else raise ValueError saying why."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"invalid lab name {name!r}: use 1-30 lowercase letters, digits or '-', starting with a letter "
            "(it becomes part of container names such as '<lab>-worker1')"
        )
    return name


def new_lab_name() -> str:
    """A fresh name such as 'lab-3f9a'."""
    return f"lab-{secrets.token_hex(2)}"


def node_hostname(role: str, index: int) -> str:
    """Hostname of the index-th node of a role, as in the seed: manager1, worker2."""
    return f"{role}{index}"


def container_name(lab: str, hostname: str) -> str:
    """Container name of a node: '<lab>-<hostname>'."""
    return f"{lab}-{hostname}"


def network_name(lab: str) -> str:
    """The lab's private network."""
    return f"{lab}-net"


def volume_name(lab: str, hostname: str) -> str:
    """The volume holding a node's /var/lib/docker (survives stop/start of the node)."""
    return f"{lab}-{hostname}-docker"


def check_shape(managers: int, workers: int) -> None:
    """Validate a cluster shape: ValueError for impossible ones, a warning for even managers."""
    if not isinstance(managers, int) or isinstance(managers, bool) or managers < 1:
        raise ValueError(f"managers must be an integer >= 1 (got {managers!r}): a swarm needs a manager to exist")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0 (got {workers!r})")
    if managers > 9 or managers + workers > 20:
        raise ValueError(
            f"{managers} managers + {workers} workers is too large for one laptop lab "
            "(at most 9 managers and 20 nodes; each node is a full Docker engine)"
        )
    if managers % 2 == 0:
        tolerated = (managers - 1) // 2
        warnings.warn(
            f"{managers} managers tolerate only {tolerated} failure(s), the same as {managers - 1}: Raft needs a "
            f"majority ({managers // 2 + 1} of {managers}) to make decisions, so use an odd number of managers",
            stacklevel=3,
        )
