"""What a test does with its swarm: deploy stacks, wait for services, send HTTP, run commands, break nodes.

Everything here goes through labkit's swarm layer (snapshots, waits, node faults, commands in nodes), the code the
course runs, on the swarm's `LabState`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import docker
import docker.tls
from testcontainers.core.container import DockerContainer

from ..base.errors import LabkitError, UnknownNode, WaitTimeout
from ..base.quoting import sh_join
from ..host.engine import client
from ..host.exec import CommandResult
from ..swarm.capabilities import Capabilities, measure_capabilities
from ..swarm.context import LabState
from ..swarm.http import HttpReply, http_requests
from ..swarm.membership import a_manager
from ..swarm.node import Node
from ..swarm.snapshot import read_snapshot
from ..swarm.state import SwarmSnapshot
from ..swarm.waits import wait_for
from .nodes import TLS_PORT
from .report import failure_report
from .tls import DockerHost, SwarmCerts

__all__ = ["SwarmOperations", "SwarmNode", "HttpResponse"]

_STACKS = "/labkit/stacks"  # not /tmp: a tmpfs in nodes, which the engine's archive API does not see


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP answer of a service's task: its status and body, and which node and address answered."""

    status: int | None  # None: no answer (error says why)
    body: str
    node: str
    url: str
    error: str = ""


class SwarmNode(Node):
    """A node of a test swarm: labkit's Node (kill, stop, start, pause, unpause, disconnect, reconnect, exec, sh)
    plus what only a manager can do to it."""

    def drain(self) -> None:
        """`docker node update --availability drain <node>` on a manager: its tasks move elsewhere."""
        self._availability("drain")

    def activate(self) -> None:
        """`docker node update --availability active <node>`: it takes tasks again."""
        self._availability("active")

    def partition(self) -> None:
        """Cut the node off the swarm network (labkit's disconnect); `reconnect()` ends it."""
        self.disconnect()

    def _availability(self, value: str) -> None:
        argv = ["docker", "node", "update", "--availability", value, self.name]
        manager = a_manager(self._state)
        self._state.report.command(manager.name, sh_join(argv))
        manager.exec(argv)


class SwarmOperations:
    """The test-facing operations of a SwarmContainer (it provides the state, the containers and the TLS files)."""

    _state: LabState
    _certs: SwarmCerts | None
    name: str

    def _container(self, hostname: str) -> DockerContainer:
        """The testcontainers DockerContainer of a node (the SwarmContainer provides it)."""
        raise NotImplementedError

    # -- nodes ----------------------------------------------------------------------------------------------
    @property
    def nodes(self) -> list[SwarmNode]:
        """Every node, managers first (as created)."""
        return [SwarmNode(self._state, h) for h in self._state.nodes]

    def node(self, hostname: str) -> SwarmNode:
        """The node with this hostname (`manager1`, `worker2`); UnknownNode lists the valid names."""
        self._require_node(hostname)
        return SwarmNode(self._state, hostname)

    def _require_node(self, hostname: str) -> None:
        if hostname not in self._state.nodes:
            raise UnknownNode(
                f"no node named {hostname!r} in swarm {self.name!r}; nodes are: {', '.join(self._state.nodes)}"
            )

    @property
    def manager(self) -> SwarmNode:
        """A manager that answers right now."""
        return SwarmNode(self._state, a_manager(self._state).name)

    def leader(self, timeout: float = 30) -> SwarmNode:
        """The Raft leader, once a running manager names one (after a leader's loss, the new one)."""
        snap = self._wait(lambda s: s.leader is not None and not s.leader.fault, "a leader", timeout)
        assert snap.leader is not None
        return SwarmNode(self._state, snap.leader.hostname)

    def kill_leader(self) -> SwarmNode:
        """SIGKILL the leader's container (the other managers elect a new one if they keep a quorum)."""
        leader = self.leader()
        leader.kill()
        return leader

    def exec(self, node: str, argv: Sequence[str], *, check: bool = True) -> CommandResult:
        """Run argv (no shell) inside a node; CommandError on a non-zero exit unless check=False."""
        return self.node(node).exec(list(argv), check=check)

    # -- the swarm's state ----------------------------------------------------------------------------------
    def snapshot(self) -> SwarmSnapshot:
        """Nodes, services and tasks as a manager reports them now (with each node container's fault)."""
        return read_snapshot(self._state)

    @cached_property
    def capabilities(self) -> Capabilities:
        """What this host lets a swarm do (routing mesh, encrypted overlay, privileged nodes), measured in a manager
        once, as labkit.Lab measures it: a test can skip what the kernel cannot do."""
        return measure_capabilities(self._state)

    def wait(
        self, predicate: Callable[[SwarmSnapshot], bool], timeout: float = 60, what: str = "condition"
    ) -> SwarmSnapshot:
        """Poll snapshots until predicate(snapshot) is true; WaitTimeout with the last state and `report()`."""
        return self._wait(predicate, what, timeout)

    def report(self) -> str:
        """What a failed test should show: the snapshot and every service's `docker service ps --no-trunc`."""
        return failure_report(self._state)

    # -- stacks and services --------------------------------------------------------------------------------
    def deploy(self, stack_file: str | Path, name: str, *, resolve_image: str = "always") -> CommandResult:
        """`docker stack deploy -c <stack_file> <name>` on a manager (the file is copied into it first)."""
        path = Path(stack_file)
        if not path.is_file():
            raise LabkitError(f"no stack file {str(path)!r}")
        manager = a_manager(self._state)
        inside = f"{_STACKS}/{name}.yml"
        self._container(manager.name).copy_into_container(path.read_bytes(), inside)
        argv = ["docker", "stack", "deploy", "-c", inside, "--resolve-image", resolve_image, name]
        self._state.report.command(manager.name, sh_join(argv))
        return manager.exec(argv)

    def wait_service(self, service: str, running: int | None = None, timeout: float = 120) -> SwarmSnapshot:
        """Wait until `running` tasks of a service run (default: every replica it wants, or every global task)."""
        return self._wait(
            lambda s: _converged(s, service, running),
            f"service {service} " + (f"with {running} running task(s)" if running is not None else "converged"),
            timeout,
        )

    def wait_stack(self, stack: str, timeout: float = 180) -> SwarmSnapshot:
        """Wait until every service of a stack has all its tasks running."""

        def done(s: SwarmSnapshot) -> bool:
            mine = [v.name for v in s.services if v.name.startswith(stack + "_")]
            return bool(mine) and all(_converged(s, v, None) for v in mine)

        return self._wait(done, f"every service of stack {stack} converged", timeout)

    def _wait(self, predicate: Callable[[SwarmSnapshot], bool], what: str, timeout: float) -> SwarmSnapshot:
        try:
            return wait_for(self._state, predicate, timeout=timeout, what=what, quiet=True)
        except WaitTimeout as exc:
            raise WaitTimeout(f"{exc}\n{self.report()}") from None

    def http(self, service: str, path: str = "/", port: int | None = None, timeout: float = 5) -> HttpResponse:
        """GET a path from a running task of a service, from the node it runs on (no routing mesh needed).

        The request goes to the task's address on the node's `docker_gwbridge`; `port` defaults to the target
        port of the service's first published port, else 80.
        """
        snap = self.snapshot()
        tasks = snap.running(service)
        if not tasks:
            raise LabkitError(f"service {service!r} has no running task: {snap.describe()}")
        task = tasks[0]
        if port is None:
            ports = snap.service(service).ports
            port = ports[0].target if ports else 80
        node = Node(self._state, task.node_hostname or "")
        fmt = "{{json .Containers}}"
        found = json.loads(
            node.exec(["docker", "network", "inspect", "docker_gwbridge", "--format", fmt]).stdout or "{}"
        )
        ip = (found.get(task.container_id) or {}).get("IPv4Address", "").split("/")[0]
        if not ip:
            raise LabkitError(f"task {task.name} of {service!r} has no address on {node.name}'s docker_gwbridge")
        url = f"http://{ip}:{int(port)}{path if path.startswith('/') else '/' + path}"
        r = node.exec(["curl", "-sS", "-m", f"{timeout:g}", "-w", "\n%{http_code}", url], check=False)
        if r.exit_code != 0:
            return HttpResponse(None, "", node.name, url, error=r.stderr.strip() or f"curl exit {r.exit_code}")
        body, _, code = r.stdout.rpartition("\n")
        return HttpResponse(int(code) if code.isdigit() else None, body, node.name, url)

    def http_to(self, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0) -> list[HttpReply]:
        """GET node:port `count` times from another node, as outside traffic enters a published port (the routing
        mesh, or a `mode=host` port); each reply says which task answered (`served_by`). labkit.Lab.http's requests."""
        self._require_node(node)
        return http_requests(self._state, node, port, path=path, count=count, timeout=timeout)

    # -- images ---------------------------------------------------------------------------------------------
    def load_image(self, image: str, as_name: str | None = None, nodes: Sequence[str] | None = None) -> None:
        """Copy an image of the host engine into nodes (all by default), tagged `as_name` there if given, like
        `kind load docker-image`: a stack can then use an image that is in no registry."""
        data = b"".join(client().api.get_image(image))  # `docker save`: small images only (it is held in memory)
        for hostname in nodes or list(self._state.nodes):
            node = self.node(hostname)
            self._container(hostname).copy_into_container(data, "/labkit/image.tar")
            node.exec(["docker", "load", "-i", "/labkit/image.tar"])
            node.exec(["rm", "-f", "/labkit/image.tar"])
            if as_name:
                node.exec(["docker", "tag", image, as_name])

    # -- other tools ----------------------------------------------------------------------------------------
    def docker_host(self, node: str | None = None) -> DockerHost:
        """DOCKER_HOST and TLS files for a manager's engine (the first manager by default), for other tools."""
        if self._certs is None:
            raise LabkitError(f"swarm {self.name!r} was started with tls=False: its engines have no TCP port")
        hostname = node or next(h for h, r in self._state.nodes.items() if r.created_role == "manager")
        if self._state.nodes.get(hostname) is None or self._state.nodes[hostname].created_role != "manager":
            raise UnknownNode(f"{hostname!r} is not a manager of swarm {self.name!r}: only managers have a TLS port")
        container = self._container(hostname)
        port = container.get_exposed_port(TLS_PORT)
        return DockerHost(f"tcp://{container.get_container_host_ip()}:{port}", str(self._certs.directory))

    def docker_client(self, node: str | None = None) -> docker.DockerClient:
        """A docker-py client of a manager's engine (close it when done)."""
        host = self.docker_host(node)
        d = Path(host.cert_path)
        tls = docker.tls.TLSConfig(
            client_cert=(str(d / "cert.pem"), str(d / "key.pem")), ca_cert=str(d / "ca.pem"), verify=True
        )
        url = host.url.replace("tcp://", "https://")
        # requests lets REQUESTS_CA_BUNDLE (set on many CI machines) override the swarm's CA, so these clients ignore
        # the environment; the first, at the oldest API version, only asks which version the engine speaks.
        asking = docker.DockerClient(base_url=url, tls=tls, version="1.24")
        asking.api.trust_env = False
        try:
            version = asking.version()["ApiVersion"]
        finally:
            asking.close()
        c = docker.DockerClient(base_url=url, tls=tls, version=version)
        c.api.trust_env = False
        return c


def _converged(snap: SwarmSnapshot, service: str, running: int | None) -> bool:
    """A service runs `running` tasks, or (None) every task it wants."""
    try:
        svc = snap.service(service)
    except KeyError:
        return False
    # A task the swarm still lists as running on a node that died is not running: count only healthy nodes' tasks
    # (else a wait right after a kill would pass before the swarm notices).
    healthy = {n.hostname for n in snap.nodes if n.state == "ready" and not n.fault}
    up = len([t for t in snap.running(service) if t.node_hostname in healthy])
    if running is not None:
        return up == running
    if svc.replicas is None:  # global: one task per eligible node, every one of them running
        return up > 0 and up == len([t for t in snap.tasks_of(service) if t.node_hostname in healthy])
    return up == svc.replicas
