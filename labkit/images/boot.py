"""How a node boots: the command its container runs, containerd first, then dockerd with the lab registry as
its mirror (the node image's entrypoint, recipes/node-entrypoint.sh, prepares the container and execs it)."""

from __future__ import annotations

from ..base.facts import DOCKERD_FLAGS_FILE, REGISTRY_ALIAS, REGISTRY_PORT, cgroup_parent
from ..host.containers import NodeMode

__all__ = ["node_command"]

# The nested containerd, started before dockerd at the paths dockerd would give it (its state stays in the node's
# volume). dockerd that starts containerd itself dials the socket before it exists, and gRPC's first reconnect
# back-off is one second: measured, a node's engine answered ~1.0 s later that way (1.5 s vs 0.5 s from `docker
# run`). The CRI plugin is for Kubernetes; it only costs start time and memory here.
_CONTAINERD_SOCKET = "/var/run/docker/containerd/containerd.sock"
_CONTAINERD_FIRST = (
    "printf 'version = 2\\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\\n' > /run/labkit-containerd.toml"
    " && mkdir -p /var/run/docker/containerd"
    " && { containerd --config /run/labkit-containerd.toml --root /var/lib/docker/containerd/daemon"
    f" --state /var/run/docker/containerd/daemon --address {_CONTAINERD_SOCKET} & }}"
    f" && for _ in $(seq 1000); do [ -S {_CONTAINERD_SOCKET} ] && break; sleep 0.01; done"  # else dockerd says why
    # `labkit context` gives the engine a mutual-TLS listener: its flags wait in this file for the next boot.
    f' && if [ -f {DOCKERD_FLAGS_FILE} ]; then set -- "$@" $(cat {DOCKERD_FLAGS_FILE}); fi'
    ' && exec "$@"'
)


def node_command(lab: str, hostname: str, mode: NodeMode) -> tuple[str, ...]:
    """The nested engine's command: containerd first (see above), then dockerd on the unix socket only (no 16 s
    no-TLS sleep), with the lab registry as its mirror."""
    registry = f"{REGISTRY_ALIAS}:{REGISTRY_PORT}"
    cmd = [
        "dockerd",
        f"--containerd={_CONTAINERD_SOCKET}",
        "--host=unix:///var/run/docker.sock",
        f"--registry-mirror=http://{registry}",
        f"--insecure-registry={registry}",
    ]
    if mode.name == "restricted":
        cmd.append(f"--cgroup-parent={cgroup_parent(lab, hostname)}")
    return ("sh", "-c", _CONTAINERD_FIRST, "node", *cmd)
