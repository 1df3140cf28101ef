"""Removing labs: everything is selected by labkit's labels, never by name alone.

Containers go first (with their anonymous volumes), then the labelled named
volumes, then the network once the shared registry has been detached from it;
the registry container itself goes with the last lab.
"""

from __future__ import annotations

import docker.errors

from ._engine import client
from ._names import LABEL_LAB, LABEL_MANAGED
from ._provision import remove_cgroups
from ._registry import disconnect_registry, release_registry

__all__ = ["remove_lab", "remove_everything", "list_labs"]


def _filters(lab: str | None, node: str | None = None, instance: str | None = None) -> dict[str, list[str]]:
    labels = [f"{LABEL_MANAGED}=true"]
    if lab:
        labels.append(f"{LABEL_LAB}={lab}")
    if node:
        labels.append(f"labkit.node={node}")
    if instance:
        labels.append(f"labkit.instance={instance}")
    return {"label": labels}


def remove_lab(lab: str, node: str | None = None, instance: str | None = None) -> dict[str, int]:
    """Remove one lab (or one node of it, or only what one start() created) by label; count what went."""
    api = client().api
    removed = {"containers": 0, "volumes": 0, "networks": 0}
    for c in api.containers(all=True, filters=_filters(lab, node, instance)):
        try:
            api.remove_container(c["Id"], force=True, v=True)
            removed["containers"] += 1
        except docker.errors.NotFound:
            pass
    for v in (api.volumes(filters=_filters(lab, node, instance)) or {}).get("Volumes") or []:
        try:
            api.remove_volume(v["Name"], force=True)
            removed["volumes"] += 1
        except docker.errors.NotFound:
            pass
    if node is None:
        for net in api.networks(filters=_filters(lab, None, instance)):
            disconnect_registry(net["Name"])
            try:
                api.remove_network(net["Id"])
                removed["networks"] += 1
            except docker.errors.NotFound:
                pass
        release_registry()
    remove_cgroups(lab, node)
    return removed


def list_labs() -> dict[str, list[dict]]:
    """Every lab on this engine: {lab name: [container summaries]} found by label."""
    labs: dict[str, list[dict]] = {}
    for c in client().api.containers(all=True, filters={"label": [f"{LABEL_MANAGED}=true", "labkit.kind=node"]}):
        labs.setdefault(c["Labels"].get(LABEL_LAB, "?"), []).append(c)
    for net in client().api.networks(filters={"label": [f"{LABEL_MANAGED}=true"]}):
        labs.setdefault(net["Labels"].get(LABEL_LAB, "?"), [])
    return labs


def remove_everything(include_registry: bool = True) -> dict[str, int]:
    """Remove every lab, and the shared registry, found by labkit's labels (`labkit down --all`)."""
    total = {"containers": 0, "volumes": 0, "networks": 0}
    for lab in list_labs():
        for k, v in remove_lab(lab).items():
            total[k] += v
    if include_registry:
        api = client().api
        for c in api.containers(all=True, filters={"label": [f"{LABEL_MANAGED}=true"]}):
            api.remove_container(c["Id"], force=True, v=True)
            total["containers"] += 1
        for v in (api.volumes(filters={"label": [f"{LABEL_MANAGED}=true"]}) or {}).get("Volumes") or []:
            api.remove_volume(v["Name"], force=True)
            total["volumes"] += 1
        for net in api.networks(filters={"label": [f"{LABEL_MANAGED}=true"]}):
            api.remove_network(net["Id"])
            total["networks"] += 1
    remove_cgroups(None)
    return total
