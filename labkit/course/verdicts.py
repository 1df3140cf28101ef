"""Small pure helpers the notebooks' verdicts share: what runs where, and the usual sentences."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence

from ..swarm.answers import instant
from ..swarm.state import SwarmSnapshot, TaskState
from .model import Evidence, Verdict, failed, waiting

__all__ = [
    "ready_nodes",
    "active_nodes",
    "placement_text",
    "missing_service",
    "requires_service",
    "wrong_replicas",
    "once_placed",
    "one_per_node",
    "nodes_text",
    "in_state_for",
]


def ready_nodes(snap: SwarmSnapshot) -> list[str]:
    """Hostnames of the nodes the swarm reports Ready, in order."""
    return [n.hostname for n in snap.nodes if n.state == "ready"]


def active_nodes(snap: SwarmSnapshot) -> list[str]:
    """Ready nodes that accept tasks (availability active)."""
    return [n.hostname for n in snap.nodes if n.state == "ready" and n.availability == "active"]


def nodes_text(names: Sequence[str]) -> str:
    """ "manager1, worker1" or "none"."""
    return ", ".join(names) or "none"


def placement_text(snap: SwarmSnapshot, service: str) -> str:
    """Running tasks per node, e.g. "manager1 1, worker1 2" (or "no running task")."""
    placement = snap.placement(service)
    return ", ".join(f"{h} {n}" for h, n in sorted(placement.items())) or "no running task"


def missing_service(snap: SwarmSnapshot, name: str) -> Verdict | None:
    """A failed verdict if the service does not exist, else None."""
    if any(s.name == name for s in snap.services):
        return None
    names = ", ".join(s.name for s in snap.services) or "none"
    return failed(f"there is no service {name} (services: {names})")


# A check's verdict: a pure function of its evidence.
Judge = Callable[[Evidence], Verdict]


def requires_service(name: str) -> Callable[[Judge], Judge]:
    """Decorate a check's verdict: while service `name` does not exist it fails with missing_service's verdict;
    only then does the check itself decide."""

    def wrap(judge: Judge) -> Judge:
        @functools.wraps(judge)
        def judged(ev: Evidence) -> Verdict:
            return missing_service(ev.snapshot, name) or judge(ev)

        return judged

    return wrap


def wrong_replicas(snap: SwarmSnapshot, service: str, want: int) -> Verdict | None:
    """missing_service's verdict, or a failed one if the service wants other than `want` replicas; else None."""
    if (missing := missing_service(snap, service)) is not None:
        return missing
    replicas = snap.service(service).replicas
    return None if replicas == want else failed(f"{service} wants {replicas} replicas; expected {want}")


def once_placed(
    snap: SwarmSnapshot, service: str, count: int, nodes: Collection[str], inside: Verdict, outside: Verdict
) -> Verdict:
    """waiting until `count` tasks of the service are placed; then `inside` if all of them run on `nodes`, else
    `outside`."""
    placement = snap.placement(service)
    if sum(placement.values()) < count:
        return waiting(f"{service} runs {placement_text(snap, service)}; waiting for {count} tasks")
    return inside if set(placement) <= set(nodes) else outside


def one_per_node(snap: SwarmSnapshot, service: str, nodes: list[str]) -> bool:
    """True if the service runs exactly one task on each of `nodes` and nowhere else."""
    return snap.placement(service) == {h: 1 for h in nodes}


# -- certificates and join tokens (nb10; nb01 may use ca_digest too) -----------------------------
__all__ += ["ca_digest", "cert_fields"]


def ca_digest(pem: str) -> str:
    """A join token's digest field (SWMTKN-1-<digest>-<secret>): the SHA-256 of the root CA certificate's PEM, in
    base 36, 50 digits."""
    import hashlib

    n, out = int(hashlib.sha256(pem.encode()).hexdigest(), 16), ""
    while n:
        n, r = divmod(n, 36)
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + out
    return out.rjust(50, "0")


def cert_fields(openssl_output: str, line: str = "subject") -> dict[str, str]:
    """The CN, OU and O fields of the `subject=` (or `issuer=`) line `openssl x509 -noout -subject -issuer` printed."""
    import re

    text = next((ln for ln in openssl_output.splitlines() if ln.startswith(line + "=")), "")
    return {k: v.strip() for k, v in re.findall(r"\b(CN|OU|O)\s*=\s*([^,\n]+)", text)}


# -- raw Engine API items and service logs (networks, endpoint modes, who served a request) --------------------------
def raw_service(ev, name: str) -> dict:
    """The raw /services item of a service (Spec, PreviousSpec, Endpoint, UpdateStatus), or {}."""
    return next((s for s in ev.services() if s.get("Spec", {}).get("Name") == name), {})


def network(ev, name: str) -> dict | None:
    """The raw /networks item with this name, or None."""
    return next((n for n in ev.networks() if n.get("Name") == name), None)


def service_networks(ev, name: str) -> list[str]:
    """The names of the networks in a service's spec (needs "services" and "networks")."""
    ids = {n.get("Id"): n.get("Name") for n in ev.networks()}
    spec = raw_service(ev, name).get("Spec", {})
    targets = [n.get("Target") for n in spec.get("TaskTemplate", {}).get("Networks") or spec.get("Networks") or []]
    return sorted(ids.get(t, t) for t in targets)


def service_endpoint_mode(ev, name: str) -> str:
    """A running service's endpoint mode, as its spec says: "vip" (the default) or "dnsrr" (helpers.endpoint_mode
    is the one a lesson should use on this host)."""
    return (raw_service(ev, name).get("Spec", {}).get("EndpointSpec") or {}).get("Mode") or "vip"


def virtual_ip(ev, service: str, net: str) -> str | None:
    """A VIP-mode service's virtual IP on one network, or None."""
    net_id = (network(ev, net) or {}).get("Id")
    return next(
        (
            v.get("Addr", "").split("/")[0]
            for v in (raw_service(ev, service).get("Endpoint") or {}).get("VirtualIPs") or []
            if v.get("NetworkID") == net_id
        ),
        None,
    )


def task_addresses(ev, service: str, net: str) -> list[str]:
    """The addresses on one network of a service's running tasks (needs "services" and "tasks")."""
    sid, ips = raw_service(ev, service).get("ID"), []
    for t in ev.api.get("tasks") or []:
        if (
            t.get("ServiceID") == sid
            and t.get("DesiredState") == "running"
            and t.get("Status", {}).get("State") == "running"
        ):
            ips += [
                a.split("/")[0]
                for att in t.get("NetworksAttachments") or []
                if att.get("Network", {}).get("Spec", {}).get("Name") == net
                for a in att.get("Addresses") or []
            ]
    return sorted(ips)


def logged_requests(logs: str) -> list[tuple[str, str]]:
    """(node, path) of each request in `docker service logs` output of an nginx-based service
    ("web.2.<task>@worker1    | 10.0.1.8 - - [...] "GET /path HTTP/1.1" 200 ...")."""
    import re

    return re.findall(r'^\S+@(\S+)\s+\|.*"GET (\S+) HTTP', logs, re.M)


def count_text(counts: dict[str, int]) -> str:
    """ "manager1 3, worker1 2" (sorted by name), or "none"."""
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"


def in_state_for(snap: SwarmSnapshot, task: TaskState) -> float | None:
    """Seconds a task had been in its current state when the snapshot was taken (its status timestamp); None if
    unknown (no timestamp, or a recording without its time)."""
    since = instant(task.updated_at)
    return None if since is None or snap.taken_at <= 0 else max(0.0, snap.taken_at - since)
