"""Reading a swarm snapshot: one exec on a manager fetches nodes, services and tasks from its Engine API.

The nested engines listen on their unix socket only, so the payloads are read
with curl inside a manager. If that manager is down another one is asked; if no
manager can answer (quorum lost) the snapshot says so instead of hanging.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import TYPE_CHECKING, Any

import docker.errors

from ._engine import client
from ._exec import run_in_container
from ._node import fault_of
from ._state import SwarmSnapshot, parse_snapshot

if TYPE_CHECKING:
    from ._lab import Lab

__all__ = ["read_snapshot", "fetch_payloads"]

API = "v1.41"  # understood by Docker 20.10 and every later engine
SEPARATOR = "@@labkit@@"
NO_LEADER = "does not have a leader"

# One exec, three requests; stop at the first failure (after quorum loss each would time out).
_SCRIPT = (
    "for p in nodes services tasks; do "
    f"r=$(curl -sS -m 3 --unix-socket /var/run/docker.sock -w '\\n%{{http_code}}' http://d/{API}/$p 2>&1); "
    f"printf '%s\\n{SEPARATOR}\\n' \"$r\"; "
    "case \"$r\" in *200) ;; *) break ;; esac; done"
)


class SnapshotUnavailable(Exception):
    """A manager could not produce a snapshot; the message says why."""


def fetch_payloads(container_id: str) -> dict[str, list[dict[str, Any]]]:
    """Return {'nodes': [...], 'services': [...], 'tasks': [...]} as the Engine API sent them."""
    result = run_in_container(container_id, ["sh", "-c", _SCRIPT], check=False)
    chunks = result.stdout.split(SEPARATOR)
    payloads: dict[str, list[dict[str, Any]]] = {}
    for key, chunk in zip(("nodes", "services", "tasks"), chunks):
        body, _, code = chunk.strip().rpartition("\n")
        if code != "200":
            raise SnapshotUnavailable(_api_message(body) or f"HTTP {code or '?'} from /{key}")
        payloads[key] = json.loads(body)
    if len(payloads) != 3:
        raise SnapshotUnavailable(f"unexpected answer: {result.stdout[-300:]!r}")
    return payloads


def _api_message(body: str) -> str:
    try:
        return str(json.loads(body).get("message", "")).strip()
    except (ValueError, AttributeError):
        return body.strip()[-300:]


def _containers(lab: "Lab") -> dict[str, dict]:
    """Inspect data of the lab's node containers, by hostname (one API call)."""
    out = {}
    for summary in client().api.containers(all=True, filters={"label": [f"labkit.lab={lab.name}", "labkit.kind=node"]}):
        hostname = summary.get("Labels", {}).get("labkit.node", "")
        status = summary.get("Status", "")
        exit_code = re.search(r"Exited \((-?\d+)\)", status)
        out[hostname] = {
            "Id": summary["Id"],
            "State": {"Running": summary.get("State") in ("running", "paused"),
                      "Paused": summary.get("State") == "paused",
                      "ExitCode": int(exit_code.group(1)) if exit_code else 0},
            "NetworkSettings": summary.get("NetworkSettings") or {},
        }
    return out


def read_snapshot(lab: "Lab") -> SwarmSnapshot:
    """Ask the lab's managers, best candidate first, until one answers; mark labkit faults on nodes."""
    containers = _containers(lab)
    faults = {h: fault_of(attrs, lab.network_name) for h, attrs in containers.items()}
    errors: list[str] = []
    for hostname in lab._manager_candidates():
        if hostname not in containers or faults.get(hostname):
            continue
        try:
            payloads = fetch_payloads(containers[hostname]["Id"])
        except (SnapshotUnavailable, docker.errors.APIError, ValueError) as exc:
            errors.append(f"{hostname}: {exc}")
            continue
        lab._last_manager = hostname
        snap = parse_snapshot(lab.name, hostname, payloads["nodes"], payloads["services"], payloads["tasks"])
        lab._known_managers = [n.hostname for n in snap.nodes if n.role == "manager"]
        snap = _with_faults(snap, faults)
        # A manager may still answer reads for a moment after the majority died: say so anyway.
        managers = [n for n in snap.nodes if n.role == "manager"]
        healthy = [n for n in managers if not n.fault and n.state != "down"]
        if managers and len(healthy) < majority(len(managers)):
            snap = dataclasses.replace(snap, quorum=False)
        return snap
    # Quorum is lost if a manager says so, or if we can see from outside that too few are up.
    # Managers as last seen by the swarm (promotions included), else as created (a lab attached by the CLI).
    known = lab._known_managers or [h for h, n in lab._nodes.items() if n.role == "manager"]
    up = [h for h in known if h in containers and not faults.get(h)]
    needed = majority(len(known))
    quorum_lost = any(NO_LEADER in e for e in errors) or (bool(known) and len(up) < needed)
    if quorum_lost:
        error = (f"no quorum: {len(up)} of {len(known)} managers are up and Raft needs {needed}; the swarm "
                 "cannot make changes (running tasks keep running). " + "; ".join(errors))
    elif errors:
        error = "no manager answered: " + "; ".join(errors)
    else:
        error = "no manager is running: every manager node is killed, stopped, paused or disconnected"
    return SwarmSnapshot(lab=lab.name, taken_at=time.time(), manager=None, error=error, quorum=not quorum_lost)


def majority(managers: int) -> int:
    """How many managers Raft needs up to elect a leader and commit changes."""
    return managers // 2 + 1


def _with_faults(snap: SwarmSnapshot, faults: dict[str, str | None]) -> SwarmSnapshot:
    nodes = tuple(dataclasses.replace(n, fault=faults.get(n.hostname)) for n in snap.nodes)
    return dataclasses.replace(snap, nodes=nodes)
