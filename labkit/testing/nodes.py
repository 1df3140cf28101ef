"""The containers of a test swarm, as testcontainers `DockerContainer`s: Docker-in-Docker nodes and the registry.

A node is created exactly as labkit's own nodes are (image, boot command, privileged or restricted options, a
fixed address on the lab network, labkit's labels) with testcontainers' session labels on top, so Ryuk reaps it;
testcontainers' `ExecWaitStrategy` waits for its nested engine. The registry is labkit's registry image serving
labkit's registry data volume, started per swarm: a registry shared between swarms would stay attached to the swarm
network, and Ryuk (which removes networks, never disconnects them) could not remove that network.
"""

from __future__ import annotations

from dataclasses import dataclass

import docker.errors
import docker.types
from testcontainers.core.container import DockerContainer
from testcontainers.core.labels import create_labels
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import ExecWaitStrategy

from ..base.facts import (
    KIND_REGISTRY_DATA,
    REGISTRY_ALIAS,
    REGISTRY_PORT,
    REGISTRY_VOLUME,
    container_name,
    labels_for,
    volume_name,
)
from ..host.containers import NodeMode
from ..host.engine import client
from ..host.registry import RegistryPlan
from ..images.boot import node_command

__all__ = [
    "NodeContainer",
    "RegistryContainer",
    "NodePlan",
    "KIND_TEST_REGISTRY",
    "session_labels",
    "TLS_DIR",
    "TLS_PORT",
]

KIND_TEST_REGISTRY = "test-registry"  # not "registry": labkit's release of the shared registry must not take it
TLS_DIR = "/etc/labkit-tls"  # managers' engine certificates, copied in before the node starts
TLS_PORT = 2376  # Docker's TLS port: with TLS, a TCP listener does not cost dockerd its 16 s start-up sleep
_ENGINE_UP = ["docker", "version", "--format", "{{.Server.Version}}"]
_REGISTRY_UP = [
    "sh",
    "-c",
    f"curl -fsS http://127.0.0.1:{REGISTRY_PORT}/v2/ || wget -q -O- http://127.0.0.1:{REGISTRY_PORT}/v2/",
]


def session_labels(labels: dict[str, str]) -> dict[str, str]:
    """labkit's labels plus testcontainers' (its session id among them): what Ryuk's filter selects."""
    return create_labels("", labels)


@dataclass(frozen=True)
class NodePlan:
    """One node to create: the lab, its hostname, role and address, how it runs, and its TLS files (managers)."""

    lab: str
    hostname: str
    role: str
    ip: str
    image: str
    mode: NodeMode
    instance: str
    tls: tuple[tuple[str, bytes], ...] = ()  # (file name, content) for TLS_DIR; empty: unix socket only


class NodeContainer(DockerContainer):
    """One Docker-in-Docker swarm node, started like labkit's own nodes and reaped by Ryuk like any test container."""

    def __init__(self, plan: NodePlan, network: Network, startup_timeout: float = 60) -> None:
        command = list(node_command(plan.lab, plan.hostname, plan.mode))
        if plan.tls:
            command += [
                f"--host=tcp://0.0.0.0:{TLS_PORT}",
                "--tlsverify",
                f"--tlscacert={TLS_DIR}/ca.pem",
                f"--tlscert={TLS_DIR}/server-cert.pem",
                f"--tlskey={TLS_DIR}/server-key.pem",
            ]
        super().__init__(plan.image, name=container_name(plan.lab, plan.hostname), network=network)
        self.with_command(command)
        self.plan = plan
        labels = labels_for(
            "node",
            plan.lab,
            role=plan.role,
            node=plan.hostname,
            ip=plan.ip,
            mode=plan.mode.name,
            instance=plan.instance,
        )
        self.volume = volume = volume_name(plan.lab, plan.hostname)
        endpoint = docker.types.EndpointConfig(client().api.api_version, aliases=[plan.hostname], ipv4_address=plan.ip)
        self.with_kwargs(
            hostname=plan.hostname,
            labels=labels,
            init=True,
            mounts=[docker.types.Mount("/var/lib/docker", volume, type="volume")],
            # The fixed address survives a partition (labkit reconnects the node with it).
            networking_config={network.name: endpoint},
            **plan.mode.container_options(),
        )
        self.with_tmpfs_mount("/run").with_tmpfs_mount("/tmp")
        # For images whose entrypoint cannot make /proc/sys writable: overlay bridges keep IPv6 on instead of failing.
        self.with_env("DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE", "1")
        if plan.mode.name == "restricted":
            # Without --privileged the nested engine writes its containers' cgroups here.
            self.with_volume_mapping("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")
        for name, content in plan.tls:
            self.with_copy_into_container(content, f"{TLS_DIR}/{name}", 0o600)
        if plan.tls:
            self.with_exposed_ports(TLS_PORT)
        self.waiting_for(
            ExecWaitStrategy(_ENGINE_UP).with_poll_interval(0.1).with_startup_timeout(int(startup_timeout))
        )

    def start(self) -> NodeContainer:
        """Create the node's volume (with the session labels: Ryuk reaps it; an anonymous one carries no label),
        then create and start the container and wait until its nested engine answers."""
        p = self.plan
        client().api.create_volume(
            self.volume,
            labels=session_labels(
                labels_for("volume", p.lab, node=p.hostname, role=p.role, ip=p.ip, instance=p.instance)
            ),
        )
        super().start()
        return self


class RegistryContainer(DockerContainer):
    """labkit's registry image on the swarm network as `registry:5000`, serving labkit's registry data volume."""

    def __init__(self, lab: str, instance: str, plan: RegistryPlan, network: Network) -> None:
        super().__init__(
            plan.image, name=container_name(lab, "registry"), network=network, network_aliases=[REGISTRY_ALIAS]
        )
        if plan.command:
            self.with_command(list(plan.command))
        self.with_kwargs(labels=labels_for(KIND_TEST_REGISTRY, lab, instance=instance))
        self.with_volume_mapping(REGISTRY_VOLUME, plan.data_dir, "rw")
        self.with_exposed_ports(REGISTRY_PORT)  # images a node lacks are pushed through it
        self.waiting_for(ExecWaitStrategy(_REGISTRY_UP).with_poll_interval(0.1).with_startup_timeout(30))

    def start(self) -> RegistryContainer:
        """Start the registry (labkit's data volume is created first if it is missing, labelled as labkit does)."""
        try:
            client().api.create_volume(REGISTRY_VOLUME, labels=labels_for(KIND_REGISTRY_DATA))
        except docker.errors.APIError:
            pass  # it exists: its images are what this registry serves
        super().start()
        return self
