"""Gathering a check's evidence from a live lab, and writing it to / reading it from JSON (test fixtures).

A recording keeps the raw Engine API lists (nodes, services, tasks and whatever the check reads) plus what
labkit saw from outside (faults, missing containers, quorum), so the verdict can be replayed exactly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..base.errors import LabkitError
from ..front.lab import Lab
from ..swarm.state import SwarmSnapshot, parse_snapshot
from .model import Check, Evidence, probe_key

__all__ = ["gather", "record_evidence", "replay_evidence", "HOST_NEEDS"]

HOST_NEEDS = ("mesh", "esp")  # what a check may ask about the host's kernel rather than the swarm


def run_probes(lab: Lab, check: Check) -> dict[str, Any]:
    """The check's read-only node commands: {"node: command": {"exit": code or None, "out": text}}."""
    outputs = {}
    for node, command in check.probes:
        try:
            r = lab.node(node).sh(command, check=False)
            outputs[probe_key(node, command)] = {"exit": r.exit_code, "out": r.stdout + r.stderr}
        except LabkitError as exc:  # the node is down or gone: the verdict sees that the probe could not run
            outputs[probe_key(node, command)] = {"exit": None, "out": str(exc)}
    return outputs


def gather(lab: Lab, check: Check) -> Evidence:
    """The evidence a check's verdict reads: a snapshot, the API lists it needs, IPVS if asked, and its probes."""
    api_paths = tuple(p for p in check.needs if p not in HOST_NEEDS)
    snap = lab.snapshot()
    api = lab.api(*api_paths) if api_paths and snap.error is None else {}
    mesh = lab.capabilities.routing_mesh if "mesh" in check.needs else False
    esp = lab.capabilities.encrypted_overlay if "esp" in check.needs else False
    return Evidence(snap, api, mesh, esp, run_probes(lab, check))


def record_evidence(lab: Lab, check: Check) -> dict[str, Any]:
    """What `gather` would see now, as JSON: the raw lists and labkit's outside view."""
    snap = lab.snapshot()
    paths = ("nodes", "services", "tasks") + tuple(
        p for p in check.needs if p not in HOST_NEEDS + ("nodes", "services", "tasks")
    )
    try:
        api = lab.api(*paths) if snap.error is None else {}
    except LabkitError:
        api = {}
    return {
        "check": check.id,
        "lab": snap.lab,
        "taken_at": snap.taken_at,
        "manager": snap.manager,
        "error": snap.error,
        "quorum": snap.quorum,
        "missing": list(snap.missing),
        "faults": {n.hostname: n.fault for n in snap.nodes if n.fault},
        "api": api,
        "routing_mesh": lab.capabilities.routing_mesh if "mesh" in check.needs else False,
        "encrypted_overlay": lab.capabilities.encrypted_overlay if "esp" in check.needs else False,
        "outputs": run_probes(lab, check),
    }


def replay_evidence(data: dict[str, Any], check: Check) -> Evidence:
    """The Evidence a recording stands for (what the check saw when it was recorded)."""
    api = data.get("api") or {}
    if data.get("error") or not api:
        snap = SwarmSnapshot(
            lab=data["lab"],
            taken_at=data.get("taken_at", 0.0),
            manager=None,
            error=data.get("error"),
            quorum=data.get("quorum", True),
            missing=tuple(data.get("missing", ())),
        )
    else:
        snap = parse_snapshot(
            data["lab"],
            data["manager"],
            api["nodes"],
            api["services"],
            api["tasks"],
            taken_at=data.get("taken_at", 0.0),
        )
        faults = data.get("faults") or {}
        snap = dataclasses.replace(
            snap,
            quorum=data.get("quorum", True),
            missing=tuple(data.get("missing", ())),
            nodes=tuple(dataclasses.replace(n, fault=faults.get(n.hostname)) for n in snap.nodes),
        )
    wanted = {p: api[p] for p in check.needs if p in api}
    return Evidence(
        snap, wanted, bool(data.get("routing_mesh")), bool(data.get("encrypted_overlay")), data.get("outputs") or {}
    )
