"""Creating node containers: privileged where allowed, explicit capabilities where not.

Docker Desktop and most Linux laptops allow `--privileged`, the usual way to run
Docker in Docker. Our build VMs refuse it ("unable to apply caps"): there the
node gets every capability but CAP_SYS_RESOURCE, a writable cgroup mount and
its own cgroup parent, which is enough for a nested engine and its tasks.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import uuid
from pathlib import Path

import docker.errors
import docker.types
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from ._engine import client
from ._images import NODE
from ._names import container_name, labels_for, network_name, volume_name
from ._registry import REGISTRY_ALIAS

__all__ = ["node_mode", "create_network", "create_node", "cgroup_parent", "remove_cgroups"]

CGROUP_ROOT = "labkit"  # restricted nodes' engines put their containers under /sys/fs/cgroup/*/labkit/


@functools.lru_cache(maxsize=1)
def node_mode() -> str:
    """'privileged' if this engine lets containers run --privileged, else 'restricted' (measured once)."""
    forced = os.environ.get("LABKIT_NODE_MODE")
    if forced in ("privileged", "restricted"):
        return forced
    probe = None
    try:
        probe = client().containers.create(NODE.tag, ["true"], entrypoint=["true"], privileged=True,
                                           labels=labels_for("probe"), name=f"labkit-probe-{uuid.uuid4().hex[:8]}")
        probe.start()
        return "privileged"
    except docker.errors.APIError as exc:
        if "caps" in str(exc) or "operation not permitted" in str(exc):
            return "restricted"
        raise
    finally:
        if probe is not None:
            probe.remove(force=True, v=True)


@functools.lru_cache(maxsize=1)
def ryuk_available() -> bool:
    """True if testcontainers' Ryuk reaper image is already on this engine (it cannot be pulled offline)."""
    if os.environ.get("TESTCONTAINERS_RYUK_DISABLED", "").lower() in ("1", "true"):
        return False
    try:
        client().images.get(testcontainers_config.ryuk_image)
        return True
    except docker.errors.ImageNotFound:
        return False


def mode_explanation(mode: str) -> str:
    """One line telling a learner how nodes run on this host."""
    if mode == "privileged":
        return "privileged mode (docker run --privileged, the usual Docker-in-Docker setup)"
    return ("restricted mode (this host refuses --privileged: nodes get --cap-add=ALL --cap-drop=SYS_RESOURCE, "
            "seccomp/apparmor unconfined and a writable /sys/fs/cgroup)")


def _used_subnets() -> list[ipaddress.IPv4Network]:
    used = []
    for net in client().api.networks():
        for cfg in (net.get("IPAM") or {}).get("Config") or []:
            try:
                used.append(ipaddress.ip_network(cfg.get("Subnet", ""), strict=False))
            except ValueError:
                pass
    return used


def create_network(lab: str, instance: str):
    """Create the lab's bridge network with an explicit subnet, so a node keeps its IP across a partition."""
    used = _used_subnets()
    # 172.31.x.0/24: outside swarm's overlay pool (10.0.0.0/8) and rarely used by Docker's own pools.
    for third in range(1, 255):
        subnet = ipaddress.ip_network(f"172.31.{third}.0/24")
        if not any(subnet.overlaps(u) for u in used):
            break
    else:
        raise RuntimeError("no free 172.31.x.0/24 subnet for a new lab network; remove old labs (labkit down --all)")
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet))])
    try:
        return client().networks.create(network_name(lab), driver="bridge", ipam=ipam, labels=labels_for("network", lab, instance=instance))
    except docker.errors.APIError as exc:
        if "overlap" in str(exc):  # another process took it meanwhile
            return create_network(lab, instance)
        raise


def cgroup_parent(lab: str, hostname: str) -> str:
    """The cgroup under which a restricted node's engine creates its containers."""
    return f"/{CGROUP_ROOT}/{lab}-{hostname}"


def node_ip(network, index: int) -> str:
    """The fixed IP of the index-th node created in a lab network (.2 is taken by nobody else)."""
    subnet = ipaddress.ip_network(network.attrs["IPAM"]["Config"][0]["Subnet"])
    return str(subnet.network_address + 10 + index)


def dockerd_command(lab: str, hostname: str, mode: str) -> list[str]:
    """The nested engine's command line: unix socket only (no 16 s no-TLS sleep), lab registry as mirror."""
    cmd = ["dockerd", "--host=unix:///var/run/docker.sock",
           f"--registry-mirror=http://{REGISTRY_ALIAS}:5000", f"--insecure-registry={REGISTRY_ALIAS}:5000"]
    if mode == "restricted":
        cmd.append(f"--cgroup-parent={cgroup_parent(lab, hostname)}")
    return cmd


def create_node(lab: str, hostname: str, role: str, network, ip: str, mode: str, reap: bool,
                instance: str) -> DockerContainer:
    """Create and start one node container (testcontainers), labelled so any process can find it."""
    if not reap or not ryuk_available():
        testcontainers_config.ryuk_disabled = True
    volume = volume_name(lab, hostname)
    try:
        client().volumes.get(volume)
    except docker.errors.NotFound:
        client().volumes.create(volume, labels=labels_for("volume", lab, node=hostname, instance=instance))
    kwargs = dict(
        hostname=hostname,
        detach=True,
        labels=labels_for("node", lab, role=role, node=hostname, ip=ip, mode=mode, reap=str(reap).lower(),
                          instance=instance),
        mounts=[docker.types.Mount("/var/lib/docker", volume, type="volume")],
        network=network.name,
        networking_config={network.name: client().api.create_endpoint_config(aliases=[hostname], ipv4_address=ip)},
    )
    container = DockerContainer(NODE.tag, name=container_name(lab, hostname), command=dockerd_command(lab, hostname, mode),
                                # For images whose entrypoint cannot make /proc/sys writable (docker:dind):
                                # overlay bridges then keep IPv6 on instead of failing.
                                env={"DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE": "1"})
    # Fresh /run on every start: a restarted node must not find stale pid files.
    container.with_tmpfs_mount("/run").with_tmpfs_mount("/tmp")
    if mode == "privileged":
        kwargs["privileged"] = True
    else:
        kwargs.update(
            cap_add=["ALL"], cap_drop=["SYS_RESOURCE"],
            security_opt=["seccomp=unconfined", "apparmor=unconfined"],
            device_cgroup_rules=["a *:* rwm"],
        )
        # The nested engine writes its containers' cgroups here; read-only would fail with
        # "mkdir /sys/fs/cgroup/cpuset/docker: read-only file system".
        container.with_volume_mapping("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")
    container.with_kwargs(**kwargs)
    return container.start()


def remove_cgroups(lab: str | None, node: str | None = None) -> None:
    """Remove the empty cgroups restricted nodes leave on the host (of one lab or node; all if lab is None)."""
    if os.environ.get("DOCKER_HOST") or not Path("/sys/fs/cgroup").is_dir():
        return
    pattern = "*" if lab is None else (f"{lab}-{node}" if node else f"{lab}-*")
    for root in Path("/sys/fs/cgroup").glob(f"*/{CGROUP_ROOT}"):
        for node_dir in root.glob(pattern):
            for d in sorted((p for p in node_dir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                _rmdir(d)
            _rmdir(node_dir)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass  # still in use or not ours to remove: leave it

