"""A learner's own Docker engine: a Docker-in-Docker container on the learner's own network.

The engine listens on a unix socket only (no TCP API at all), in a volume mounted into the engine and the
learner's server and nowhere else; the server's DOCKER_HOST points at it, so `open_lab("04")`, `%%node`
and `labkit shell` work unchanged one level down. The engine's memory and CPU limits hold the learner's
labs: its dockerd puts every container it starts under the engine container's own cgroup.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..base.errors import EngineError
from ..base.facts import KIND_REGISTRY_DATA, LABEL_KIND, LABEL_LABS_MEMORY
from ..base.poll import poll
from ..host.api_errors import engine_error, reason, removed
from ..host.engine import client
from ..host.exec import run_in_container
from ..host.probe import node_mode
from ..images.specs import IMAGES, NODE
from .firewall import isolate, release
from .limits import Limits, to_bytes
from .names import (
    ENGINE_SOCKET_DIR,
    KIND_ENGINE,
    KIND_NETWORK,
    KIND_VOLUME,
    MIRROR_ALIAS,
    MIRROR_PORT,
    docker_volume,
    engine_name,
    home_volume,
    network_name,
    room_filter,
    room_labels,
    socket_volume,
)

__all__ = ["Limits", "ensure_engine", "remove_engine", "remove_learner", "engine_socket", "SUBNETS", "to_bytes"]

SUBNETS = [ipaddress.ip_network(f"172.30.{i}.0/24") for i in range(1, 255)]  # not labs' 172.31.x inside engines
_ATTEMPTS = 20  # subnets tried when other learners' networks are being created at the same moment
LEARNER_GID = 1000  # the learner's group in the single-user image: it may use the engine's socket


def engine_socket() -> str:
    """The learner server's DOCKER_HOST."""
    return f"unix://{ENGINE_SOCKET_DIR}/docker.sock"


# The engine's own cgroup (cgroup v1 with the host's hierarchy mounted, as restricted mode needs) becomes the
# parent of every container it starts: the engine container's memory and CPU limits then hold the labs too. The
# labs' cgroup gets a lower limit (the engine's less its reserve): out of memory, the kernel then kills a node's
# process, not the learner's dockerd (which would take their whole engine down).
_BOOT = (
    'cg=$(sed -n "s/^[0-9]*:memory:\\(.*\\)$/\\1/p" /proc/self/cgroup); '
    'if [ -n "$cg" ] && [ "$cg" != / ]; then set -- "$@" "--cgroup-parent=$cg/labs"; '
    'd="/sys/fs/cgroup/memory$cg/labs"; mkdir -p "$d" 2>/dev/null && '
    'echo "$LABKIT_LABS_MEMORY" > "$d/memory.limit_in_bytes" 2>/dev/null || :; fi; '
    'exec /usr/local/bin/labkit-entrypoint "$@"'
)


def _command(limits: Limits) -> list[str]:
    mirror = f"{MIRROR_ALIAS}:{MIRROR_PORT}"
    return [
        "dockerd",
        f"--host=unix://{ENGINE_SOCKET_DIR}/docker.sock",
        "--host=unix:///var/run/docker.sock",
        f"--group={LEARNER_GID}",
        f"--registry-mirror=http://{mirror}",
        f"--insecure-registry={mirror}",
        # The engine says what its labs may use: labkit refuses a lab that would not fit (swarm/memory.py).
        f"--label={LABEL_LABS_MEMORY}={limits.labs_memory()}",
    ]


def _subnet(net: dict) -> str:
    return next((c["Subnet"] for c in ((net.get("IPAM") or {}).get("Config") or []) if "Subnet" in c), "")


def _network(learner: str) -> str:
    """The learner's network, created if needed, and isolated from every other learner's (firewall.py)."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    name = network_name(learner)
    for net in api.networks(names=[name], filters=room_filter()):
        isolate(net["Id"], _subnet(net))
        return name
    used = {
        ipaddress.ip_network(c["Subnet"])
        for n in api.networks()
        for c in ((n.get("IPAM") or {}).get("Config") or [])
        if "Subnet" in c and ":" not in c["Subnet"]
    }
    # Learners' servers start at once (the hub spawns them concurrently): another may take the subnet just picked.
    for subnet in [s for s in SUBNETS if not any(s.overlaps(u) for u in used)][:_ATTEMPTS]:
        ipam = {"Driver": "default", "Config": [{"Subnet": str(subnet)}], "Options": {}}
        try:
            created = api.create_network(name, driver="bridge", ipam=ipam, labels=room_labels(KIND_NETWORK, learner))
        except Exception as exc:
            if "overlaps" not in str(exc):
                raise engine_error(f"create {learner}'s network", exc) from exc
            continue
        isolate(created["Id"], str(subnet))
        return name
    raise EngineError("no free 172.30.x.0/24 subnet is left for another learner's network")


def _volumes(learner: str) -> None:
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    have = {v["Name"] for v in (api.volumes(filters=room_filter(learner=learner)) or {}).get("Volumes") or []}
    for name in (home_volume(learner), socket_volume(learner), docker_volume(learner)):
        if name not in have:
            api.create_volume(name, labels=room_labels(KIND_VOLUME, learner))


def ensure_engine(learner: str, limits: Limits, mirror: str | None, log: Callable[[str], None] = print) -> str:
    """Start the learner's network, volumes and engine if needed, pull labkit's images into it through the
    mirror; return the network's name. Idempotent: a running engine is kept."""
    net = _network(learner)
    _volumes(learner)
    if mirror:
        try:
            client().api.connect_container_to_network(mirror, net, aliases=[MIRROR_ALIAS])
        except Exception as exc:  # docker-py's APIError: only the host layer imports docker-py
            if "already exists" not in str(exc):
                raise engine_error(f"connect the mirror to {net}", exc) from exc
    name = engine_name(learner)
    try:
        state = client().api.inspect_container(name)["State"]
        if state.get("Running"):
            return net
        removed(lambda: client().api.remove_container(name, force=True))
    except Exception as exc:
        if reason(exc) != "not-found":
            raise
    log(
        f"$ docker run -d --name {name} --network {net} --memory {limits.engine_memory} "
        f"--cpus {limits.engine_cpus:g} {NODE.tag} dockerd --host=unix://{ENGINE_SOCKET_DIR}/docker.sock"
    )
    mode = node_mode(NODE.tag)
    mounts = [
        _mount("/var/lib/docker", docker_volume(learner), "volume"),
        _mount(ENGINE_SOCKET_DIR, socket_volume(learner), "volume"),
    ]
    if mode.name == "restricted":
        mounts.append(_mount("/sys/fs/cgroup", "/sys/fs/cgroup", "bind"))
    try:
        containers: Any = client().containers
        containers.run(
            NODE.tag,
            _command(limits),
            entrypoint=["sh", "-c", _BOOT, "engine"],
            name=name,
            hostname=f"{learner}-engine",
            environment={"LABKIT_LABS_MEMORY": str(limits.labs_memory())},
            detach=True,
            labels=room_labels(KIND_ENGINE, learner),
            network=net,
            mounts=mounts,
            init=True,
            tmpfs={"/run": "", "/tmp": ""},
            mem_limit=limits.engine_memory,
            memswap_limit=limits.engine_memory,
            nano_cpus=int(limits.engine_cpus * 1e9),
            **mode.container_options(),
        )
    except Exception as exc:
        raise engine_error(f"start {learner}'s Docker engine", exc) from exc
    _wait(name)
    # A fresh engine on the learner's kept volume: what labs left there (stopped nodes) goes, the images stay.
    run_in_container(name, ["sh", "-c", _EMPTY])
    _pull_images(name, log)
    return net


# The lab registry's data stays too: it is the images again, and refilling it would slow the next first lab.
_EMPTY = (
    "docker ps -aq | xargs -r docker rm -f -v >/dev/null; docker network prune -f >/dev/null; "
    f"docker volume prune -af --filter 'label!={LABEL_KIND}={KIND_REGISTRY_DATA}' >/dev/null"
)


def _mount(target: str, source: str, kind: str) -> dict[str, object]:
    """A mount as the Engine API takes it (a dict: only the host layer imports docker-py's types)."""
    return {"Target": target, "Source": source, "Type": kind, "ReadOnly": False}


def _wait(name: str) -> None:
    def answers() -> bool:
        state = client().api.inspect_container(name)["State"]
        if not state.get("Running"):
            raise EngineError(
                f"{name} stopped while starting: " + client().api.logs(name, tail=15).decode(errors="replace")
            )
        return run_in_container(name, ["docker", "version", "--format", "{{.Server.Version}}"], check=False).ok

    poll(answers, bool, timeout=60, interval=0.2, what=f"{name} to answer", show=lambda ok: "not yet")


def _pull_images(name: str, log: Callable[[str], None]) -> None:
    """labkit's images, from the mirror: the learner's `open_lab` then finds them current and builds nothing."""
    for spec in IMAGES:
        have = run_in_container(name, ["docker", "image", "inspect", spec.tag], check=False).ok
        if not have:
            log(f"$ docker exec {name} docker pull {spec.tag}   # through the shared mirror")
            run_in_container(name, ["docker", "pull", "-q", spec.tag])


def remove_engine(learner: str) -> bool:
    """Stop and remove the learner's engine container (its labs go with it); False if there was none."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    gone = False
    for c in api.containers(all=True, filters=room_filter(KIND_ENGINE, learner)):
        with contextlib.suppress(Exception):  # gone or stopping already
            api.stop(c["Id"], timeout=10)  # the nested dockerd stops its containers and unmounts
        gone = removed(functools.partial(api.remove_container, c["Id"], force=True, v=True)) or gone
        _remove_cgroups(c["Id"])
    return gone


def _remove_cgroups(container_id: str) -> None:
    """Remove the (empty) cgroups the engine's dockerd made under its own: Docker removes only the container's."""
    root = Path("/sys/fs/cgroup")
    for top in [*root.glob(f"*/docker/{container_id}"), *root.glob(f"*/system.slice/docker-{container_id}.scope")]:
        for d in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [top]:
            with contextlib.suppress(OSError):
                d.rmdir()


def remove_learner(learner: str | None = None, keep: tuple[str, ...] = ()) -> None:
    """Remove every container, network and volume of one learner (all learners if None), except volume names in
    `keep`; selected by the room's labels only."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    for c in api.containers(all=True, filters=room_filter(learner=learner)):
        if c["Labels"].get("labkit.kind") == KIND_ENGINE:
            remove_engine(c["Labels"].get("labkit.learner", ""))
        removed(functools.partial(api.remove_container, c["Id"], force=True, v=True))
    for n in api.networks(filters=room_filter(KIND_NETWORK, learner)):
        release(n["Id"], _subnet(n))
        for cid in api.inspect_network(n["Id"]).get("Containers") or {}:
            with contextlib.suppress(Exception):  # it left already
                api.disconnect_container_from_network(cid, n["Id"], force=True)
        removed(functools.partial(api.remove_network, n["Id"]))
    for v in (api.volumes(filters=room_filter(KIND_VOLUME, learner)) or {}).get("Volumes") or []:
        if v["Name"] not in keep:
            removed(functools.partial(api.remove_volume, v["Name"], force=True))
