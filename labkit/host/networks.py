"""A lab's network: one user-defined bridge with an explicit subnet, so a node keeps its IP across a partition.

Creating the network is also how a start claims its lab name: the engine
refuses a second network of the same name, and if two processes still get
one each in the same instant, the older one keeps the name.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import docker.errors
import docker.types

from ..base.errors import EngineError, LabExists
from ..base.facts import lab_exists, network_name
from .api_errors import engine_error, reason
from .engine import client

__all__ = ["LabNetwork", "create_lab_network", "connect", "disconnect", "node_ip", "used_subnets"]

# 172.31.x.0/24: outside swarm's overlay pool (10.0.0.0/8) and rarely used by Docker's own pools.
_SUBNETS = [ipaddress.IPv4Network(f"172.31.{third}.0/24") for third in range(1, 255)]
_ATTEMPTS = 12  # another process may take the subnet we picked; try the next free one this many times


@dataclass(frozen=True)
class LabNetwork:
    """The lab network's name, id and subnet."""

    name: str
    id: str
    subnet: str


def used_subnets() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Every subnet the engine's networks use (to pick a free one); IPv6 ones overlap no IPv4 subnet."""
    used: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for net in client().api.networks():
        for cfg in (net.get("IPAM") or {}).get("Config") or []:
            try:
                used.append(ipaddress.ip_network(cfg.get("Subnet", ""), strict=False))
            except ValueError:
                continue
    return used


def create_lab_network(lab: str, labels: dict[str, str]) -> LabNetwork:
    """Create `<lab>-net` on a free subnet; LabExists if the name is taken (also when two starts race)."""
    name = network_name(lab)
    tried: list[ipaddress.IPv4Network] = []
    for _ in range(_ATTEMPTS):
        used = used_subnets() + tried
        subnet = next((s for s in _SUBNETS if not any(s.overlaps(u) for u in used)), None)
        if subnet is None:
            raise EngineError("no free 172.31.x.0/24 subnet for a new lab network; remove old labs (labkit down --all)")
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet))])
        try:
            net = client().api.create_network(name, driver="bridge", ipam=ipam, labels=labels, check_duplicate=True)
        except docker.errors.APIError as exc:
            if reason(exc) == "subnet-overlap":  # another process took this subnet meanwhile
                tried.append(subnet)
                continue
            if reason(exc) in ("network-exists", "name-in-use"):
                raise LabExists(lab_exists(lab)) from None
            raise engine_error(f"create the network {name}", exc) from exc
        _keep_name_or_yield(lab, net["Id"])
        return LabNetwork(name, net["Id"], str(subnet))
    raise EngineError(f"could not find a free subnet for {name} after {_ATTEMPTS} tries (other labs starting at once?)")


def _keep_name_or_yield(lab: str, my_id: str) -> None:
    """If another network of the same name appeared at the same instant, the older one wins; ours goes."""
    name = network_name(lab)
    same = [n for n in client().api.networks(names=[name]) if n.get("Name") == name]
    if len(same) <= 1:
        return
    winner = min(same, key=lambda n: (n.get("Created", ""), n["Id"]))
    if winner["Id"] != my_id:
        try:
            client().api.remove_network(my_id)
        except docker.errors.APIError:
            pass  # it is labelled with our instance: the failed start's cleanup removes it
        raise LabExists(lab_exists(lab))


def node_ip(subnet: str, index: int) -> str:
    """The fixed IP of the index-th node created in a lab network (.11, .12, ...; nobody else uses them)."""
    return str(ipaddress.ip_network(subnet).network_address + 10 + index)


def connect(network: str, container: str, aliases: list[str], ip: str | None = None) -> None:
    """Attach a container to a network (no-op if it already is), with aliases and optionally a fixed IP."""
    try:
        client().api.connect_container_to_network(container, network, aliases=aliases, ipv4_address=ip)
    except docker.errors.APIError as exc:
        if reason(exc) != "already-connected":
            raise engine_error(f"connect {container} to {network}", exc) from exc


def disconnect(network: str, container: str) -> None:
    """Detach a container from a network (no-op if it is not attached or either is gone)."""
    try:
        client().api.disconnect_container_from_network(container, network, force=True)
    except docker.errors.APIError as exc:
        if reason(exc) not in ("not-connected", "not-found"):
            raise engine_error(f"disconnect {container} from {network}", exc) from exc
