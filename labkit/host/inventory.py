"""Finding labkit's objects on the engine by label (one list call per object type), and marking a lab ready.

Any process can ask what labs exist, what each is made of and whether its
start finished; nothing is remembered outside the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..base.facts import (
    KIND_NETWORK,
    KIND_NODE,
    KIND_PREPARED,
    KIND_PROBE,
    KIND_READY,
    KIND_VOLUME,
    LABEL_INSTANCE,
    LABEL_KIND,
    LABEL_LAB,
    LABEL_NODE,
    label_filter,
    labels_for,
    prepared_marker_name,
    ready_marker_name,
)
from .api_errors import removed
from .engine import client

__all__ = [
    "LabObjects",
    "find_labs",
    "orphan_volumes",
    "node_containers",
    "exit_codes",
    "probe_containers",
    "mark_ready",
    "mark_prepared",
    "take_prepared",
]


@dataclass(frozen=True)
class LabObjects:
    """Everything labelled with one lab's name: its network, node containers, volumes and ready marker."""

    name: str
    network: dict | None = None  # network summary as the engine lists it
    containers: tuple[dict, ...] = ()  # node container summaries
    volumes: tuple[dict, ...] = ()  # node volumes (not those of a lab already removed: see orphan_volumes)
    ready: bool = False  # the lab's start() finished (its ready marker exists)
    prepared: bool = False  # started in advance (its prepared marker exists): the next start of its name takes it
    labels: dict = field(default_factory=dict)  # the network's labels (shape, creator, instance)

    def node_names(self) -> list[str]:
        """Hostnames the lab has or had: from containers and node volumes (a removed container leaves its volume)."""
        names = {c.get("Labels", {}).get(LABEL_NODE, "") for c in self.containers}
        names |= {(v.get("Labels") or {}).get(LABEL_NODE, "") for v in self.volumes}
        return sorted(n for n in names if n)


def _labels(summary: dict) -> dict:
    return summary.get("Labels") or {}


def _start_of(summary: dict) -> tuple[str, str]:
    labels = _labels(summary)
    return labels.get(LABEL_LAB, ""), labels.get(LABEL_INSTANCE, "")


def orphan_volumes(volumes: list[dict], networks: list[dict], containers: list[dict]) -> list[dict]:
    """The node volumes among `volumes` whose lab, as that start made it (lab and instance labels), has no network
    and no node container left: a teardown removed it and handed them to a detached remover (host.volume_reaper),
    or one was killed before it finished. A later lab of the same name is another start: it does not keep them.

    Sound only if `volumes` was listed before `networks` and `containers`: a start creates its network before any
    volume (a node added later carries the network's instance), so a volume listed first whose start has no
    network listed after it belongs to a lab that is gone.
    """
    alive = {_start_of(n) for n in networks} | {_start_of(c) for c in containers}
    return [v for v in volumes if _labels(v).get(LABEL_KIND) == KIND_VOLUME and _start_of(v) not in alive]


def find_labs(lab: str | None = None) -> dict[str, LabObjects]:
    """Every lab on this engine (or just `lab`), by name, read in three list calls.

    The node volumes of a lab already removed (being deleted in the background) are not a lab: a `labkit up` of
    the same name goes ahead at once, and `labkit status` does not list them.
    """
    api = client().api
    vols = (api.volumes(filters=label_filter(None, lab)) or {}).get("Volumes") or []  # first: see orphan_volumes
    nets = api.networks(filters=label_filter(KIND_NETWORK, lab))
    conts = api.containers(all=True, filters=label_filter(KIND_NODE, lab))
    leaving = {v["Name"] for v in orphan_volumes(vols, nets, conts)}
    vols = [v for v in vols if v["Name"] not in leaving]
    names = {(n.get("Labels") or {}).get(LABEL_LAB) for n in nets}
    names |= {(c.get("Labels") or {}).get(LABEL_LAB) for c in conts}
    names |= {(v.get("Labels") or {}).get(LABEL_LAB) for v in vols if (v.get("Labels") or {}).get(LABEL_LAB)}
    found = {}
    for name in sorted(n for n in names if n):
        net = next((n for n in nets if (n.get("Labels") or {}).get(LABEL_LAB) == name), None)
        mine = [v for v in vols if (v.get("Labels") or {}).get(LABEL_LAB) == name]
        found[name] = LabObjects(
            name=name,
            network=net,
            containers=tuple(c for c in conts if (c.get("Labels") or {}).get(LABEL_LAB) == name),
            volumes=tuple(v for v in mine if (v.get("Labels") or {}).get(LABEL_KIND) == KIND_VOLUME),
            ready=any((v.get("Labels") or {}).get(LABEL_KIND) == KIND_READY for v in mine),
            prepared=any((v.get("Labels") or {}).get(LABEL_KIND) == KIND_PREPARED for v in mine),
            labels=dict((net or {}).get("Labels") or {}),
        )
    return found


def node_containers(lab: str) -> list[dict]:
    """Summaries of a lab's node containers (one list call)."""
    return client().api.containers(all=True, filters=label_filter(KIND_NODE, lab))


def exit_codes(summaries: list[dict]) -> dict[str, int]:
    """Exit codes of the exited containers among summaries, by container id (one inspect each, only for those)."""
    codes = {}
    for s in summaries:
        if s.get("State") == "exited":
            try:
                codes[s["Id"]] = int(client().api.inspect_container(s["Id"])["State"].get("ExitCode", 0))
            except Exception:  # removed meanwhile: it will show as missing next time
                continue
    return codes


def probe_containers() -> list[dict]:
    """Privileged-mode probe containers (normally gone within a second of their creation)."""
    return client().api.containers(all=True, filters=label_filter(KIND_PROBE))


def mark_ready(lab: str, instance: str) -> None:
    """Record that a lab's start() finished: a labelled volume any process can see (labels cannot change later)."""
    client().api.create_volume(ready_marker_name(lab), labels=labels_for(KIND_READY, lab, instance=instance))


def mark_prepared(lab: str, instance: str) -> None:
    """Record that a lab was started in advance and waits to be taken by the next start of its name."""
    client().api.create_volume(prepared_marker_name(lab), labels=labels_for(KIND_PREPARED, lab, instance=instance))


def take_prepared(lab: str) -> bool:
    """Take a prepared lab: True for exactly one caller (removing its marker is the claim), False if none is left."""
    return removed(lambda: client().api.remove_volume(prepared_marker_name(lab)))
