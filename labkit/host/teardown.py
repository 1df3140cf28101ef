"""Removing labs: everything is selected by labkit's labels, never by name alone.

Containers go first, in parallel (with their anonymous volumes), then the
labelled volumes, then the network once the shared registry has been
detached from it; the registry container itself goes with the last lab.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

from ..base.facts import KIND_NETWORK, KIND_NODE, LABEL_MANAGED, label_filter
from .api_errors import removed
from .cgroups import remove_cgroups
from .engine import client
from .probe import sweep_probes
from .registry import disconnect_registry, release_later

__all__ = ["remove_lab", "remove_everything", "Removed"]

Removed = dict[str, int]


def _parallel(jobs: Iterable[Callable[[], bool]]) -> int:
    jobs = list(jobs)
    if not jobs:
        return 0
    with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        return sum(bool(done) for done in pool.map(lambda job: job(), jobs))


def _rm_container(cid: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_container(cid, force=True, v=True))


def _rm_volume(name: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_volume(name, force=True))


def _rm_network(nid: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_network(nid))


def remove_lab(lab: str, node: str | None = None, instance: str | None = None) -> Removed:
    """Remove one lab (or one node of it, or only what one start() created) by label; count what went.

    The node containers go in parallel, and with them the registry: detached from this lab's network, or
    removed if no other lab is left (removing it detaches it too), so it adds nothing to the wait.
    """
    api = client().api
    selected = label_filter(None, lab, node=node, instance=instance)
    containers = [c["Id"] for c in api.containers(all=True, filters=selected)]
    jobs = [_rm_container(cid) for cid in containers]
    networks = [] if node else [n["Id"] for n in api.networks(filters=label_filter(KIND_NETWORK, lab, instance=instance))]
    if networks:
        others = [n for n in api.networks(filters=label_filter(KIND_NETWORK)) if n["Id"] not in networks]
        if others:
            jobs += [lambda net=net: disconnect_registry(net) or False for net in networks]
        else:  # the last lab: the registry lingers a moment for the next one, released off the critical path
            jobs += [lambda net=net: disconnect_registry(net) or False for net in networks]
            release_later(ignore=networks)
    removed_containers = _parallel(jobs)
    volumes = [v["Name"] for v in (api.volumes(filters=selected) or {}).get("Volumes") or []]
    counts = {"containers": removed_containers, "volumes": _parallel(_rm_volume(v) for v in volumes),
              "networks": _parallel(_rm_network(n) for n in networks)}
    if node is None:
        sweep_probes()
    remove_cgroups(lab, node)
    return counts


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
        total["containers"] += _parallel(_rm_container(c["Id"]) for c in api.containers(all=True, filters=everything))
        total["volumes"] += _parallel(_rm_volume(v["Name"]) for v in (api.volumes(filters=everything) or {}).get(
            "Volumes") or [])
        total["networks"] += _parallel(_rm_network(n["Id"]) for n in api.networks(filters=everything))
    remove_cgroups(None)
    return total
