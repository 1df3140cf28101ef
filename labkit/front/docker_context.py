"""`labkit context LAB [NODE]`: the host's own tools (docker CLI, Docker SDKs, VS Code, Portainer) drive a lab's node,
as kind's kubeconfig and sind's DOCKER_HOST let them drive a cluster.

The endpoint is mutual TLS with certificates made for it (base.certs), published on 127.0.0.1 only
(host.context_proxy), and named by a `docker context` (host.docker_context). Run again, it keeps a working endpoint
and only refreshes the context; `labkit down LAB` removes it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..base.certs import make_bundle
from ..base.errors import LabBroken
from ..base.facts import CONTEXT_PORT, context_name
from ..base.poll import poll
from ..host import context_proxy, docker_context

__all__ = ["Endpoint", "open_endpoint", "usage"]

READY_TIMEOUT = 60  # a restarted manager's engine answers in seconds; a busy host may take longer


@dataclass(frozen=True)
class Endpoint:
    """A node's engine as the host's tools reach it."""

    lab: str
    hostname: str
    port: int  # on 127.0.0.1
    certs: Path  # DOCKER_CERT_PATH
    context: str | None  # the docker CLI's context, None without a host `docker` command

    @property
    def docker_host(self) -> str:
        """DOCKER_HOST for the tools that read it."""
        return f"tcp://127.0.0.1:{self.port}"


def open_endpoint(lab: str, hostname: str = "manager1", say: TextIO = sys.stderr) -> Endpoint:
    """Make (or keep) a node's mutual-TLS endpoint on 127.0.0.1 and the host CLI's context for it."""
    node = context_proxy.node_endpoint(lab, hostname)
    port = context_proxy.ensure_proxy(node)
    certs = docker_context.cert_dir(lab, hostname)
    if not ((certs / "key.pem").is_file() and docker_context.ping(port, certs)):
        if not node.bootable:
            raise LabBroken(
                f"lab {lab!r} was started by an older labkit whose nodes cannot take a TLS listener; "
                f"start it afresh: labkit up --name {lab} --replace"
            )
        bundle = make_bundle(f"{lab}-{hostname}", dns_names=("localhost", hostname), ips=("127.0.0.1", node.ip))
        context_proxy.install_tls(node, bundle)
        docker_context.write_client(lab, hostname, bundle)
        print(
            f"[{hostname}] restarting its engine with a mutual-TLS listener on port {CONTEXT_PORT} "
            f"(its swarm state stays; its containers restart): docker restart {node.container}",
            file=say,
        )
        context_proxy.restart_node(node)
        poll(
            lambda: docker_context.ping(port, certs),
            bool,
            timeout=READY_TIMEOUT,
            interval=0.25,
            what=f"{hostname}'s engine to answer over TLS on 127.0.0.1:{port}",
            show=lambda _: "no answer",
        )
        # A restarted manager sees the other nodes as `unknown` until they report again: wait for the swarm as it was.
        poll(
            lambda: docker_context.unsettled_nodes(port, certs),
            lambda left: not left,
            timeout=READY_TIMEOUT,
            interval=0.25,
            what="the swarm's nodes to report again",
            show=", ".join,
        )
    made = docker_context.make_context(lab, hostname, port, certs) if docker_context.docker_cli() else None
    return Endpoint(lab, hostname, port, certs, made)


def usage(ep: Endpoint) -> str:
    """What was made and how to use it, as `labkit context` prints it."""
    lines = [
        f"{ep.hostname} of lab {ep.lab}: Docker engine at {ep.docker_host} (mutual TLS, listening on 127.0.0.1 only)"
    ]
    if ep.context:
        lines += [
            f"docker context: {ep.context}",
            f"  docker --context {ep.context} node ls",
            f"  docker context use {ep.context}     # then every docker command drives the lab "
            "(`docker context use default` comes back)",
        ]
    else:
        lines += [f"no `docker` command on this host: no docker context {context_name(ep.lab, ep.hostname)} made"]
    lines += [
        "other tools (Docker SDKs, VS Code's Docker view, Portainer):",
        f"  export DOCKER_HOST={ep.docker_host} DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH={ep.certs}",
        f"`labkit down {ep.lab}` removes it.",
    ]
    return "\n".join(lines)
