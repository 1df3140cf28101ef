"""Removing labs: everything is selected by labkit's labels, never by name alone.

The node containers go first, in parallel (with their anonymous volumes), beside the lab's markers and the
registry's detaching from the lab network; then the network. A lab's node volumes, which hold the image layers of
every task its nodes ran and are most of a teardown's time once services have run, are handed to a detached
remover (volume_reaper): a reset, or a `down` then `up` of the same name, does not wait for them. The registry
container goes after the last lab, from its own detached releaser (registry_release).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..base.facts import (
    KIND_CLEANER,
    KIND_NETWORK,
    KIND_NODE,
    KIND_VOLUME,
    LABEL_KIND,
    LABEL_LAB,
    LABEL_MANAGED,
    label_filter,
)
from .api_errors import removed
from .cgroups import remove_cgroups
from .docker_context import forget_contexts
from .engine import client
from .inventory import orphan_volumes
from .probe import sweep_probes
from .registry import disconnect_registry, release_later
from .volume_reaper import reap_later, remove_volumes, sweep_orphans

__all__ = ["remove_lab", "remove_everything", "Removed"]

Removed = dict[str, int]


def _run(jobs: Iterable[Callable[[], Any]], keep: bool = False) -> list[Any]:
    """Run jobs side by side; their results in order (as booleans unless `keep`)."""
    jobs = list(jobs)
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        return [done if keep else bool(done) for done in pool.map(lambda job: job(), jobs)]


def _parallel(jobs: Iterable[Callable[[], bool]]) -> int:
    return sum(_run(jobs))


def _rm_container(cid: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_container(cid, force=True, v=True))


def _rm_volume(name: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_volume(name, force=True))


def _rm_network(nid: str) -> Callable[[], bool]:
    return lambda: removed(lambda: client().api.remove_network(nid))


def _detach_registry(net: str) -> Callable[[], bool]:
    def detach() -> bool:
        disconnect_registry(net)
        return False  # counted as nothing: the registry is not the lab's

    return detach


def _cgroups(lab: str, node: str | None) -> Callable[[], bool]:
    def remove() -> bool:
        remove_cgroups(lab, node)
        return False

    return remove


def remove_lab(lab: str, node: str | None = None, instance: str | None = None, *, wait: bool = False) -> Removed:
    """Remove one lab (or one node of it, or only what one start() created) by label; count what went.

    The lab's node volumes are deleted by a detached process after this returns (counted as removed), unless
    `wait`; one node's volume is deleted here (until it goes, the lab would show that node as missing). Removing a
    lab starts the registry's delayed release, which releases it only if no lab is left when it wakes: with
    several labs removed at once, each sees the others' networks, and the last releaser to wake sees none.
    """
    api = client().api
    only = {k: v for k, v in (("node", node), ("instance", instance)) if v is not None}
    selected = label_filter(None, lab, **only)
    net_filter = label_filter(KIND_NETWORK, lab, **{k: v for k, v in only.items() if k == "instance"})
    listed = _run(
        [
            lambda: (api.volumes(filters=selected) or {}).get("Volumes") or [],
            lambda: api.containers(all=True, filters=selected),
            lambda: [] if node else api.networks(filters=net_filter),
        ],
        keep=True,
    )
    volumes, summaries, lab_networks = listed
    # A volume cleaner of an earlier teardown of this name removes itself when done (volume_reaper).
    summaries = [c for c in summaries if (c.get("Labels") or {}).get(LABEL_KIND) != KIND_CLEANER]
    containers, networks = [c["Id"] for c in summaries], [n["Id"] for n in lab_networks]
    node_volumes = [v["Name"] for v in volumes if (v.get("Labels") or {}).get(LABEL_KIND) == KIND_VOLUME]
    markers = [v["Name"] for v in volumes if v["Name"] not in node_volumes]  # ready/prepared: tiny, and named alike
    done = _run(
        [_rm_container(c) for c in containers]
        + [_rm_volume(m) for m in markers]
        + [_detach_registry(n) for n in networks]
    )
    counts = {
        "containers": sum(done[: len(containers)]),
        "volumes": sum(done[len(containers) : len(containers) + len(markers)]),
    }
    detach = node is None and not wait
    housekeeping = [_cgroups(lab, node)] + ([] if node else [lambda: sweep_probes() > 0])
    housekeeping += [] if instance else [lambda: bool(forget_contexts(lab, node))]  # `labkit context`'s, host-side
    later = _run(
        [_rm_network(n) for n in networks] + ([] if detach else [_rm_volume(v) for v in node_volumes]) + housekeeping
    )
    counts["networks"] = sum(later[: len(networks)])
    # Volumes of a start already removed are being deleted by an earlier reaper (or one was killed): handed over
    # again, but not counted, so a second `down` of a lab says there was none, as `labkit status` does.
    leaving = {v["Name"] for v in orphan_volumes(volumes, lab_networks, summaries)}
    counts["volumes"] += (
        len(set(node_volumes) - leaving) if detach else sum(later[len(networks) : len(later) - len(housekeeping)])
    )
    # The detached processes start last: their Python start-up would compete with this one's remaining work.
    if detach:  # the containers are gone, so nothing holds the volumes any more
        reap_later(lab, node_volumes, image=next((c.get("Image") for c in summaries if c.get("Image")), None))
    if node is None and (networks or containers):
        release_later(ignore=networks)
    return counts


def remove_everything(include_registry: bool = True) -> Removed:
    """Remove every lab, waiting for its volumes, then (by default) the registry, its data and the probe result
    (`labkit down --all`); node volumes left by a killed remover go too."""
    api = client().api
    labs = {c["Labels"].get(LABEL_LAB) for c in api.containers(all=True, filters=label_filter(KIND_NODE))}
    labs |= {n["Labels"].get(LABEL_LAB) for n in api.networks(filters=label_filter(KIND_NETWORK))}
    total = {"containers": 0, "volumes": 0, "networks": 0}
    for lab in sorted(x for x in labs if x):
        for k, v in remove_lab(lab, wait=True).items():
            total[k] += v
    total["volumes"] += sweep_orphans()
    if include_registry:
        everything = {"label": [f"{LABEL_MANAGED}=true"]}
        total["containers"] += _parallel(_rm_container(c["Id"]) for c in api.containers(all=True, filters=everything))
        total["volumes"] += remove_volumes(
            [v["Name"] for v in (api.volumes(filters=everything) or {}).get("Volumes") or []]
        )
        total["networks"] += _parallel(_rm_network(n["Id"]) for n in api.networks(filters=everything))
    remove_cgroups(None)
    forget_contexts(None)  # of labs already gone
    return total
