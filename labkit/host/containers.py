"""Node containers: create them (privileged where allowed, explicit capabilities where not) and do faults to them.

What a node runs comes with its spec (images.boot); the faults are the table in base.faults.

Docker Desktop and most Linux laptops allow `--privileged`, the usual way to run
Docker in Docker. Some VMs refuse it ("unable to apply caps"): there the node
gets every capability the engine can grant, a writable cgroup mount and its own
cgroup parent, which is enough for a nested engine and its tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import docker.errors
import docker.types

from ..base.errors import LabExists
from ..base.facts import container_name, lab_exists, labels_for, volume_name
from ..base.faults import Target, fault_named
from ..base.poll import poll
from .api_errors import engine_error, reason
from .engine import client

__all__ = ["NodeMode", "NodeSpec", "create_node", "apply", "status", "finished_at", "logs_tail", "RESTRICTED_OPTIONS"]

# What a restricted node gets besides its capabilities (measured on VMs that refuse --privileged).
RESTRICTED_OPTIONS = dict(security_opt=["seccomp=unconfined", "apparmor=unconfined"], device_cgroup_rules=["a *:* rwm"])


@dataclass(frozen=True)
class NodeMode:
    """How node containers run on this engine: privileged, or restricted with the capabilities it can drop."""

    name: str  # "privileged" | "restricted"
    cap_drop: tuple[str, ...] = ()  # restricted only: capabilities the engine refuses to grant

    def explanation(self) -> str:
        """One line telling a learner how nodes run on this host."""
        if self.name == "privileged":
            return "privileged mode (docker run --privileged, the usual Docker-in-Docker setup)"
        drop = "".join(f" --cap-drop={c}" for c in self.cap_drop)
        return (
            f"restricted mode (this host refuses --privileged: nodes get --cap-add=ALL{drop}, "
            "seccomp/apparmor unconfined and a writable /sys/fs/cgroup)"
        )

    def container_options(self) -> dict:
        """docker-py create() options for this mode."""
        if self.name == "privileged":
            return {"privileged": True}
        return dict(cap_add=["ALL"], cap_drop=list(self.cap_drop), **RESTRICTED_OPTIONS)


@dataclass(frozen=True)
class NodeSpec:
    """Everything needed to create one node container."""

    lab: str
    hostname: str
    role: str
    ip: str
    network: str  # the lab network's id (or name)
    image: str
    mode: NodeMode
    instance: str
    command: tuple[str, ...]  # what the node runs (images.boot.node_command: how a node boots)


def create_node(spec: NodeSpec) -> str:
    """Create and start one node container, labelled so any process can find it; return its id."""
    api = client().api
    labels = labels_for(
        "node", spec.lab, role=spec.role, node=spec.hostname, ip=spec.ip, mode=spec.mode.name, instance=spec.instance
    )
    volume = volume_name(spec.lab, spec.hostname)
    # Named and labelled: a stopped node keeps its swarm state, and cleanup finds the volume by label.
    # The name is never reused (facts.volume_name): a removed lab's volumes may still be being deleted.
    api.create_volume(
        volume,
        labels=labels_for("volume", spec.lab, node=spec.hostname, role=spec.role, ip=spec.ip, instance=spec.instance),
    )
    mounts = [docker.types.Mount("/var/lib/docker", volume, type="volume")]
    binds = []
    if spec.mode.name == "restricted":
        # The nested engine writes its containers' cgroups here; read-only would fail with
        # "mkdir /sys/fs/cgroup/cpuset/docker: read-only file system".
        binds = ["/sys/fs/cgroup:/sys/fs/cgroup:rw"]
    host_config = api.create_host_config(
        binds=binds,
        mounts=mounts,
        tmpfs={"/run": "", "/tmp": ""},  # fresh /run on every start: a restarted node must not find stale pid files
        # Comes back by itself after the host engine restarts; a node the learner killed or stopped stays down.
        restart_policy={"Name": "unless-stopped"},
        init=True,  # dockerd is not an init: without one, every exited containerd-shim stays a zombie
        network_mode=spec.network,
        **spec.mode.container_options(),
    )
    endpoints = {spec.network: api.create_endpoint_config(aliases=[spec.hostname], ipv4_address=spec.ip)}
    # types-docker says one EndpointConfig, but docker-py (and the engine) take {network name: its config}.
    networking = api.create_networking_config(endpoints)  # type: ignore[arg-type]
    name = container_name(spec.lab, spec.hostname)
    try:
        created = api.create_container(
            spec.image,
            command=list(spec.command),
            hostname=spec.hostname,
            name=name,
            labels=labels,
            host_config=host_config,
            networking_config=networking,
            # For images whose entrypoint cannot make /proc/sys writable (docker:dind):
            # overlay bridges then keep IPv6 on instead of failing.
            environment={"DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE": "1"},
        )
    except docker.errors.APIError as exc:
        if reason(exc) == "name-in-use":  # another start of the same lab name got there first
            raise LabExists(lab_exists(spec.lab)) from None
        raise engine_error(f"create node {name}", exc) from exc

    def start() -> bool:
        try:
            api.start(created["Id"])
            return True
        except docker.errors.APIError as exc:
            if reason(exc) != "ambiguous":
                raise engine_error(f"start node {name}", exc) from exc
            return False  # two starts of one name each made a network; the younger is removing its own now

    poll(
        start,
        bool,
        timeout=5,
        interval=0.1,
        what=f"the lab network of {name} to be unique",
        show=lambda _: "two networks of that name",
    )
    return created["Id"]


def apply(action: str, container: str, *, network: str = "", ip: str = "", alias: str = "") -> None:
    """Do a fault or repair of base.faults.NODE_FAULTS to a node container, e.g. apply("kill", "demo-worker2")."""
    fault = fault_named(action)
    target = Target(container, network, ip, alias)
    call = fault.engine
    args = [_filled(a, target) for a in call.args]
    options = {k: _filled(v, target) for k, v in call.options}
    try:
        getattr(client().api, call.method)(*args, **options)
    except docker.errors.APIError as exc:
        if fault.already and reason(exc) == fault.already:
            return  # done already (a second click, or another process got there first)
        raise engine_error(f"{action} {container}", exc) from exc


def _filled(value: object, target: Target) -> object:
    """An EngineCall argument with the target filled in: a template string, or a tuple of them (a list)."""
    if isinstance(value, str):
        return target.fill(value)
    if isinstance(value, tuple):
        return [_filled(v, target) for v in value]
    return value


def status(container: str) -> str:
    """The container's state as the engine says it: running, paused, exited, created, ... or "removed"."""
    try:
        return client().api.inspect_container(container)["State"]["Status"]
    except docker.errors.NotFound:
        return "removed"


def finished_at(container: str) -> str:
    """When the container's main process last ended (the engine's timestamp), "" if it never did."""
    state = client().api.inspect_container(container)["State"]
    return "" if state.get("FinishedAt", "").startswith("0001") else state.get("FinishedAt", "")


def logs_tail(container: str, lines: int | Literal["all"] = 20) -> str:
    """The last lines of a container's output ("all" for everything)."""
    try:
        return client().api.logs(container, tail=lines).decode("utf-8", "replace")
    except docker.errors.APIError:
        return "(no logs: the container is gone)"
