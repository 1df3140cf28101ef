"""Removing labs: everything is selected by labkit's labels, never by name alone.

Containers go first, in parallel (with their anonymous volumes), then the
labelled volumes, then the network once the shared registry has been
detached from it; the registry container itself goes with the last lab.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

import docker.errors

from ..base.facts import KIND_NETWORK, KIND_NODE, LABEL_MANAGED, label_filter
from .api_errors import removed
from .cgroups import remove_cgroups
from .engine import client
from .probe import sweep_probes
from .registry import disconnect_registry, release_registry

__all__ = ["remove_lab", "remove_everything", "Removed"]

Removed = dict[str, int]


def _parallel(action: Callable[[str], bool], ids: Iterable[str]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    with ThreadPoolExecutor(max_workers=min(8, len(ids))) as pool:
        return sum(pool.map(action, ids))


def _rm_container(cid: str) -> bool:
    return removed(lambda: client().api.remove_container(cid, force=True, v=True))


def _rm_volume(name: str) -> bool:
    return removed(lambda: client().api.remove_volume(name, force=True))


def remove_lab(lab: str, node: str | None = None, instance: str | None = None) -> Removed:
    """Remove one lab (or one node of it, or only what one start() created) by label; count what went."""
    api = client().api
    extra = {"node": node, "instance": instance}
    removed = {"containers": 0, "volumes": 0, "networks": 0}
    removed["containers"] = _parallel(_rm_container, [c["Id"] for c in api.containers(
        all=True, filters=label_filter(None, lab, **extra))])
    removed["volumes"] = _parallel(_rm_volume, [v["Name"] for v in (api.volumes(
        filters=label_filter(None, lab, **extra)) or {}).get("Volumes") or []])
    if node is None:
        for net in api.networks(filters=label_filter(KIND_NETWORK, lab, instance=instance)):
            disconnect_registry(net["Id"])
            try:
                api.remove_network(net["Id"])
                removed["networks"] += 1
            except docker.errors.NotFound:
                continue
        release_registry()
        sweep_probes()
    remove_cgroups(lab, node)
    return removed


def remove_everything(include_registry: bool = True) -> Removed:
    """Remove every lab, then (by default) the registry, its data and the probe result (`labkit down --all`)."""
    api = client().api
    labs = {c["Labels"].get("labkit.lab") for c in api.containers(all=True, filters=label_filter(KIND_NODE))}
    labs |= {n["Labels"].get("labkit.lab") for n in api.networks(filters=label_filter(KIND_NETWORK))}
    total = {"containers": 0, "volumes": 0, "networks": 0}
    for lab in sorted(x for x in labs if x):
        for k, v in remove_lab(lab).items():
            total[k] += v
    if include_registry:
        everything = {"label": [f"{LABEL_MANAGED}=true"]}
        total["containers"] += _parallel(_rm_container, [c["Id"] for c in api.containers(all=True, filters=everything)])
        total["volumes"] += _parallel(_rm_volume, [v["Name"] for v in (api.volumes(filters=everything) or {}).get(
            "Volumes") or []])
        for net in api.networks(filters=everything):
            api.remove_network(net["Id"])
            total["networks"] += 1
    remove_cgroups(None)
    return total
