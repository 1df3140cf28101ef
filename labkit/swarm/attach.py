"""Rebuilding a LabState from a lab's labels, so any process can pick up a lab another one started."""

from __future__ import annotations

import ipaddress

from ..base.facts import (
    LAB_HEARTBEAT,
    LABEL_HEARTBEAT,
    LABEL_INSTANCE,
    LABEL_IP,
    LABEL_NODE,
    LABEL_ROLE,
    LABEL_SHAPE,
    LABEL_SWARM,
    network_name,
)
from ..host.inventory import LabObjects
from ..host.networks import LabNetwork
from ..images.specs import NODE
from .context import SILENT, LabPhase, LabState, NodeRecord, Reporter, new_instance
from .state import node_order

__all__ = ["state_from_objects"]


def _shape(labels: dict, records: list[NodeRecord]) -> tuple[int, int]:
    managers, _, workers = labels.get(LABEL_SHAPE, "").partition("+")
    if managers.isdigit() and workers.isdigit():
        return int(managers), int(workers)
    roles = [r.created_role for r in records]
    return max(1, roles.count("manager")), roles.count("worker")


def state_from_objects(objs: LabObjects, report: Reporter = SILENT) -> LabState:
    """A running LabState for an existing lab: its network, nodes (incl. ones whose container was removed)."""
    records: dict[str, NodeRecord] = {}
    for item in list(objs.volumes) + list(objs.containers):  # containers last: their labels win
        labels = item.get("Labels") or {}
        host = labels.get(LABEL_NODE)
        if host and labels.get(LABEL_IP):
            records[host] = NodeRecord(host, labels.get(LABEL_ROLE, "worker"), labels[LABEL_IP])
    ordered = sorted(records.values(), key=lambda r: node_order(r.hostname))
    managers, workers = _shape(objs.labels, ordered)
    heartbeat = objs.labels.get(LABEL_HEARTBEAT, LAB_HEARTBEAT) or None
    net = objs.network or {}
    subnet = ((net.get("IPAM") or {}).get("Config") or [{}])[0].get("Subnet", "")
    ip_index = 0
    if subnet:  # continue numbering IPs after the highest one in use
        base = int(ipaddress.ip_network(subnet).network_address) + 10
        ip_index = max((int(ipaddress.ip_address(r.ip)) - base for r in ordered), default=0)
    return LabState(
        objs.name,
        managers,
        workers,
        heartbeat,
        objs.labels.get(LABEL_SWARM, "true") != "false",
        node_image=NODE.tag,
        report=report,
        phase=LabPhase.RUNNING,
        network=LabNetwork(net.get("Name", network_name(objs.name)), net.get("Id", ""), subnet),
        nodes={r.hostname: r for r in ordered},
        ip_index=ip_index,
        instance=objs.labels.get(LABEL_INSTANCE) or new_instance(),
    )
