"""`SwarmContainer`: a real multi-node Docker Swarm for a test, built on testcontainers and on labkit's swarm layer.

testcontainers starts the pieces (a `Network`, a `DockerContainer` per node and one for the registry, its wait
strategy for every nested engine, its session labels on every object, Ryuk when it runs); labkit's swarm layer then
forms the swarm over a `LabState`, exactly as a course lab is formed (`docker swarm init`, the joins, Ready), and
its node faults, snapshots and waits work on it unchanged. Every object also carries labkit's labels, so the
swarm's own cleanup (and `labkit down`) finds it by label.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

import docker.errors
import docker.types
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer, Reaper
from testcontainers.core.docker_client import DockerClient
from testcontainers.core.network import Network

from ..base.errors import EngineError
from ..base.facts import (
    KIND_NETWORK,
    KIND_READY,
    LAB_HEARTBEAT,
    check_shape,
    labels_for,
    network_name,
    ready_marker_name,
    validate_lab_name,
)
from ..host import probe, registry, teardown
from ..host.api_errors import engine_error, reason
from ..host.containers import NodeMode
from ..host.engine import client
from ..host.networks import _SUBNETS, LabNetwork, used_subnets
from ..images import ensure_images, registry_plan
from ..images.specs import NODE
from ..swarm.context import LabPhase, LabState
from ..swarm.formation import init_swarm, join_nodes
from ..swarm.node import Node
from ..swarm.steps import nodes_created_as, wait_ready
from .nodes import NodeContainer, NodePlan, RegistryContainer, session_labels
from .operations import SwarmOperations
from .progress import LogReport, log
from .tls import SwarmCerts, make_certs

__all__ = ["SwarmContainer"]


class SwarmContainer(SwarmOperations):
    """A Docker Swarm of `managers` + `workers` Docker-in-Docker nodes for one test (or one test session).

    Used like testcontainers' modules::

        with SwarmContainer(managers=3, workers=2) as swarm:
            swarm.deploy("stack.yml", name="shop")
            swarm.wait_service("shop_web", running=3)
            assert swarm.http("shop_web", "/health").status == 200
            swarm.node("worker1").kill()
            swarm.wait_service("shop_web", running=3)

    Every setting belongs to this object (nothing is read from or written to the process environment besides
    what testcontainers itself reads), so two swarms in one process may differ. `heartbeat` is passed to `docker
    swarm init --dispatcher-heartbeat` (a killed node is Down in ~3 s; None for Docker's default 5 s). `mode`
    forces how nodes run (`NodeMode("privileged")`); by default labkit's measurement of this engine decides.
    `tls=False` skips the managers' TLS port (then `docker_host()` and `docker_client()` are unavailable).
    """

    def __init__(
        self,
        managers: int = 1,
        workers: int = 2,
        *,
        name: str | None = None,
        heartbeat: str | None = LAB_HEARTBEAT,
        image: str | None = None,
        mode: NodeMode | None = None,
        tls: bool = True,
        startup_timeout: float = 60,
    ) -> None:
        check_shape(managers, workers)
        self.name = validate_lab_name(name) if name is not None else f"swarm-{secrets.token_hex(4)}"
        self._image, self._mode, self._tls, self._timeout = image, mode, tls, startup_timeout
        self._state = LabState(self.name, managers, workers, heartbeat, True, report=LogReport())
        self._network: Network | None = None
        self._containers: dict[str, DockerContainer] = {}
        self._certs: SwarmCerts | None = None
        self._started = False
        self.timings: list[tuple[str, float]] = []  # (part of the start, seconds)

    def __repr__(self) -> str:
        return f"SwarmContainer({self.name!r}, {self._state.managers}+{self._state.workers})"

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> SwarmContainer:
        """Create the network, the registry and the nodes, form the swarm and wait until every node is Ready."""
        if self._started:
            raise EngineError(f"{self!r} was already started; create another SwarmContainer")
        self._started = True
        state = self._state
        state.enter(LabPhase.STARTING)
        if not testcontainers_config.ryuk_disabled:
            _start_ryuk()  # before the first object: the network is reaped too
        self._timed("images and node mode", self._prepare)
        self._timed("network", self._create_network)
        records = [state.plan_node("manager", i) for i in range(1, state.managers + 1)]
        records += [state.plan_node("worker", i) for i in range(1, state.workers + 1)]
        for record in records:
            state.add_node(record)
        self._timed("nodes and registry", lambda: self._start_containers(records))
        self._timed("swarm", self._form)
        client().api.create_volume(
            ready_marker_name(self.name),
            labels=session_labels(labels_for(KIND_READY, self.name, instance=state.instance)),
        )
        state.enter(LabPhase.RUNNING)
        return self

    def _timed(self, what: str, step: Callable[[], object]) -> None:
        began = time.monotonic()
        step()
        self.timings.append((what, time.monotonic() - began))

    def _prepare(self) -> None:
        ensure_images(log=log.info)
        image = self._image or NODE.tag
        mode = self._mode or probe.node_mode(image)
        self._state.choose_runtime(image, mode)
        log.info("nodes run in %s", mode.explanation())

    def _create_network(self) -> None:
        """The lab network, by testcontainers (session labels) on a free subnet of labkit's range."""
        labels = labels_for(
            KIND_NETWORK,
            self.name,
            instance=self._state.instance,
            shape=f"{self._state.managers}+{self._state.workers}",
            heartbeat=self._state.heartbeat or "",
            swarm="true",
        )
        tried: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for _ in range(12):  # another process may take the subnet picked here
            used = [*used_subnets(), *tried]
            subnet = next((s for s in _SUBNETS if not any(s.overlaps(u) for u in used)), None)
            if subnet is None:
                raise EngineError("no free 172.31.x.0/24 subnet for the swarm's network; remove old labs")
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet))])
            network = Network(docker_network_kw={"driver": "bridge", "ipam": ipam, "labels": labels})
            network.name = network_name(self.name)  # labkit's name: its fault code finds the network by it
            try:
                network.create()
            except docker.errors.APIError as exc:
                if reason(exc) == "subnet-overlap":
                    tried.append(subnet)
                    continue
                raise engine_error(f"create the network {network.name}", exc) from None
            self._network = network
            self._state.use_network(LabNetwork(network.name, str(network.id), str(subnet)))
            return
        raise EngineError("could not find a free subnet for the swarm's network after 12 tries")

    def _start_containers(self, records: list) -> None:
        """Start the registry and every node at once; wait for all of them before returning, even on Ctrl-C."""
        state, network = self._state, self._network
        assert network is not None and state.mode is not None
        managers = nodes_created_as(state, "manager")
        if self._tls:
            host = DockerClient().host()
            names = ["localhost", *managers] + ([] if _is_ip(host) else [host])
            assert state.network is not None
            # The addresses testcontainers may give for the published port: loopback, the engine's host, or (in a
            # container) the network's gateway.
            gateway = str(ipaddress.ip_network(state.network.subnet).network_address + 1)
            self._certs = make_certs(
                names, ["127.0.0.1", gateway, *[state.nodes[m].ip for m in managers]] + ([host] if _is_ip(host) else [])
            )
        plan = registry_plan()
        self._containers["registry"] = RegistryContainer(self.name, state.instance, plan, network)
        for r in records:
            tls = self._certs.server_files if self._certs and r.created_role == "manager" else ()
            self._containers[r.hostname] = NodeContainer(
                NodePlan(
                    self.name, r.hostname, r.created_role, r.ip, state.node_image, state.mode, state.instance, tls
                ),
                network,
                self._timeout,
            )
        pool = ThreadPoolExecutor(max_workers=min(8, len(self._containers)))
        try:
            for future in [pool.submit(c.start) for c in self._containers.values()]:
                future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # cleanup (by label) then sees every container
        registry.make_current(self._containers["registry"].get_container_id(), plan, log=log.info)

    def _form(self) -> None:
        state = self._state
        managers = [Node(state, h) for h in nodes_created_as(state, "manager")]
        init_swarm(state, managers[0])
        join_nodes(state, managers[0], managers[1:], "manager")
        join_nodes(state, managers[0], [Node(state, h) for h in nodes_created_as(state, "worker")], "worker")
        wait_ready(state, list(state.nodes), timeout=self._timeout)

    def stop(self) -> None:
        """Remove every container, volume and the network of this swarm, by label (safe to call twice)."""
        self._state.enter(LabPhase.STOPPED)
        teardown.remove_lab(self.name)
        for container in self._containers.values():
            container.get_docker_client().client.close()
        if self._network is not None:
            self._network._docker.client.close()
        if self._certs is not None:
            self._certs.remove()

    def __enter__(self) -> SwarmContainer:
        try:
            return self.start()
        except BaseException:  # Ctrl-C included: what the start made goes
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _container(self, hostname: str) -> DockerContainer:
        self._require_node(hostname)
        return self._containers[hostname]


def _start_ryuk() -> None:
    """testcontainers' Ryuk, or a clear error where its image cannot be had (no registry, say)."""
    try:
        Reaper.get_instance()
    except docker.errors.APIError as exc:
        raise EngineError(
            f"testcontainers cannot start Ryuk, its reaper ({testcontainers_config.ryuk_image}): "
            f"{str(exc.explanation or exc)[:300]}\nWhere Ryuk cannot run, set TESTCONTAINERS_RYUK_DISABLED=true: "
            "the swarm's own cleanup still removes it when the test (or session) ends, and `labkit down` removes "
            "what a killed run leaves"
        ) from None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
