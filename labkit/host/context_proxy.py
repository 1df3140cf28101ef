"""A node's engine reachable from the host's own tools (`labkit context`): its dockerd gets a mutual-TLS listener,
and a small labelled container publishes that listener on the host's 127.0.0.1.

Why this shape: on Docker Desktop the host cannot reach container IPs, so the endpoint must be a port the host engine
publishes; a node's port can only be published when it is created, so a proxy container on the lab network does it.
TLS ends in the node's dockerd itself (Docker's own --tlsverify), never in the proxy: the proxy only forwards bytes
with `docker-proxy`, the forwarder every Docker engine ships, which the node image already has. dockerd takes
listeners only at start, so the node restarts once (its swarm state is in its volume); its boot command reads the
flags from DOCKERD_FLAGS_FILE (images.boot), so later restarts keep the listener.
"""

from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass
from functools import partial

import docker.errors

from ..base.certs import TlsBundle
from ..base.errors import EngineError, NodeNotRunning, UnknownNode
from ..base.facts import (
    CONTEXT_PORT,
    DOCKERD_FLAGS_FILE,
    KIND_CONTEXT_PROXY,
    LABEL_IP,
    container_name,
    context_proxy_name,
    label_filter,
    labels_for,
    network_name,
)
from .api_errors import engine_error, removed
from .engine import client

__all__ = [
    "NodeEndpoint",
    "node_endpoint",
    "install_tls",
    "restart_node",
    "ensure_proxy",
    "proxy_binding",
    "TLS_DIR",
    "dockerd_flags",
]

TLS_DIR = "/etc/labkit/tls"  # inside the node: the server's certificate, key and the CA it trusts clients by


def dockerd_flags(port: int = CONTEXT_PORT) -> str:
    """The flags a node's dockerd boots with once it has a TLS endpoint (Docker's --tlsverify: clients need a cert)."""
    return (
        f"--host=tcp://0.0.0.0:{port} --tlsverify --tlscacert={TLS_DIR}/ca.pem "
        f"--tlscert={TLS_DIR}/server-cert.pem --tlskey={TLS_DIR}/server-key.pem"
    )


@dataclass(frozen=True)
class NodeEndpoint:
    """What `labkit context` needs of a node container."""

    lab: str
    hostname: str
    container: str  # its name
    ip: str  # on the lab network
    image: str  # the image id it runs (the proxy runs the same one: it is present, and has docker-proxy)
    running: bool
    bootable: bool  # its boot command reads DOCKERD_FLAGS_FILE (labs started by an older labkit do not)


def node_endpoint(lab: str, hostname: str) -> NodeEndpoint:
    """Inspect a node container; UnknownNode if the lab has no such node."""
    name = container_name(lab, hostname)
    try:
        info = client().api.inspect_container(name)
    except docker.errors.NotFound:
        raise UnknownNode(f"no node named {hostname!r} in lab {lab!r}") from None
    labels = info["Config"].get("Labels") or {}
    return NodeEndpoint(
        lab,
        hostname,
        name,
        labels.get(LABEL_IP, ""),
        info["Image"],
        info["State"]["Running"],
        any(DOCKERD_FLAGS_FILE in part for part in info["Config"].get("Cmd") or []),
    )


def _tar(files: dict[str, tuple[bytes, int]]) -> bytes:
    """A tar archive of path -> (content, mode), with its directories, for put_archive at /."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        dirs = sorted({"/".join(path.split("/")[:i]) for path in files for i in range(1, path.count("/") + 1)})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
            tar.addfile(info)
        for path, (data, mode) in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def install_tls(node: NodeEndpoint, bundle: TlsBundle) -> None:
    """Write the server's certificate and key, the CA, and the dockerd flags into the node (read at its next boot)."""
    tls = TLS_DIR.lstrip("/")
    archive = _tar(
        {
            f"{tls}/ca.pem": (bundle.ca, 0o644),
            f"{tls}/server-cert.pem": (bundle.server_cert, 0o644),
            f"{tls}/server-key.pem": (bundle.server_key, 0o600),
            DOCKERD_FLAGS_FILE.lstrip("/"): (dockerd_flags().encode() + b"\n", 0o644),
        }
    )
    try:
        client().api.put_archive(node.container, "/", archive)
    except docker.errors.APIError as exc:
        raise engine_error(f"write TLS certificates into {node.container}", exc) from exc


def restart_node(node: NodeEndpoint, timeout: int = 10) -> None:
    """Restart the node so its dockerd boots with the TLS listener (what `docker restart <node>` does)."""
    try:
        client().api.restart(node.container, timeout=timeout)
    except docker.errors.APIError as exc:
        raise engine_error(f"restart {node.container}", exc) from exc


def _proxies(lab: str, hostname: str) -> list[dict]:
    return client().api.containers(all=True, filters=label_filter(KIND_CONTEXT_PROXY, lab, node=hostname))


def proxy_binding(lab: str, hostname: str) -> tuple[str, int] | None:
    """(host IP, host port) where the node's proxy publishes its endpoint, None without a running proxy."""
    for c in _proxies(lab, hostname):
        if c.get("State") != "running":
            continue
        for port in c.get("Ports") or []:
            if port.get("PrivatePort") == CONTEXT_PORT and port.get("PublicPort"):
                return port.get("IP", ""), int(port["PublicPort"])
    return None


def ensure_proxy(node: NodeEndpoint) -> int:
    """The host port (on 127.0.0.1) of the node's proxy, created if there is none running; returns the port."""
    if not node.running:
        raise NodeNotRunning(f"{node.hostname} is not running: start it first (docker start {node.container})")
    found = proxy_binding(node.lab, node.hostname)
    if found:
        return found[1]
    api = client().api
    for c in _proxies(node.lab, node.hostname):  # stopped, or lost its port: start afresh
        removed(partial(api.remove_container, c["Id"], force=True))
    name = context_proxy_name(node.lab, node.hostname)
    # Loopback only: the endpoint is the lab's whole engine; a port another machine could reach would hand it out.
    host_config = api.create_host_config(
        port_bindings={CONTEXT_PORT: ("127.0.0.1",)},
        network_mode=network_name(node.lab),
        restart_policy={"Name": "unless-stopped"},
    )
    try:
        created = api.create_container(
            # docker-proxy reports to its parent engine on fd 3, then closes it: without an fd 3 of its own, the
            # one it closes is its listener ("accept4: bad file descriptor").
            node.image,
            name=name,
            entrypoint=["sh", "-c", 'exec docker-proxy "$@" 3>/dev/null', "docker-proxy"],
            ports=[CONTEXT_PORT],
            host_config=host_config,
            command=[
                "-proto",
                "tcp",
                "-host-ip",
                "0.0.0.0",
                "-host-port",
                str(CONTEXT_PORT),
                "-container-ip",
                node.ip,
                "-container-port",
                str(CONTEXT_PORT),
            ],
            labels=labels_for(KIND_CONTEXT_PROXY, node.lab, node=node.hostname),
        )
        api.start(created["Id"])
    except docker.errors.APIError as exc:
        removed(lambda: api.remove_container(name, force=True))
        raise engine_error(f"create {name}", exc) from exc
    found = proxy_binding(node.lab, node.hostname)
    if not found:
        raise EngineError(f"{name} started but publishes no port: {api.logs(name, tail=5).decode(errors='replace')}")
    return found[1]
