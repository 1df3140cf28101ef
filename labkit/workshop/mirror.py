"""The shared mirror: one read-only registry per server that every learner engine pulls labkit's images through.

The images are stored once (in the mirror's volume) instead of being built or copied per learner; each
engine pulls what it runs. The mirror is filled from the host's images while it listens on loopback only,
then restarted read-only before any learner network is attached: a learner cannot push over another's images.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..base.poll import poll
from ..host.api_errors import engine_error, removed
from ..host.engine import client
from ..host.exec import run_in_container
from ..images.specs import IMAGES, NODE
from .names import KIND_MIRROR, KIND_VOLUME, MIRROR_PORT, mirror_name, mirror_volume, room_filter, room_labels

__all__ = ["ensure_mirror", "remove_mirror"]

_DATA = "/var/lib/docker-registry"
# Debian's docker-registry with labkit's config, optionally in read-only maintenance mode.
_SERVE = (
    "cp /etc/labkit/registry.yml /tmp/r.yml; "
    'if [ "$1" = ro ]; then printf "  maintenance:\\n    readonly:\\n      enabled: true\\n" > /tmp/ro; '
    'sed -i "/^storage:/r /tmp/ro" /tmp/r.yml; fi; exec docker-registry serve /tmp/r.yml'
)


def _run(mode: str) -> str:
    """Start the mirror container (mode "rw": published on loopback for the host's pushes; "ro": no port)."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    name = mirror_name()
    ports = {MIRROR_PORT: ("127.0.0.1", None)} if mode == "rw" else {}
    # The mirror has a leg on every learner's network: it must never route between them (a container's network
    # namespace starts with forwarding on, inherited from the host).
    host_config = api.create_host_config(
        binds=[f"{mirror_volume()}:{_DATA}:rw"],
        port_bindings=ports,
        restart_policy={"Name": "unless-stopped"},
        sysctls={"net.ipv4.ip_forward": "0"},
    )
    try:
        created = api.create_container(
            NODE.tag,
            ["sh", "-c", _SERVE, "serve", mode],
            entrypoint=[],
            name=name,
            labels=room_labels(KIND_MIRROR),
            ports=list(ports),
            host_config=host_config,
            detach=True,
        )
        api.start(created["Id"])
    except Exception as exc:  # docker-py's APIError: only the host layer imports docker-py
        raise engine_error("start the workshop mirror", exc) from exc
    poll(
        lambda: run_in_container(name, ["curl", "-fsS", f"http://127.0.0.1:{MIRROR_PORT}/v2/"], check=False).ok,
        bool,
        timeout=30,
        interval=0.1,
        what="the workshop mirror to answer",
        show=lambda _: "no answer",
    )
    return created["Id"]


def _push_all(container: str, log: Callable[[str], None]) -> None:
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    port = api.inspect_container(container)["NetworkSettings"]["Ports"][f"{MIRROR_PORT}/tcp"][0]["HostPort"]
    for spec in IMAGES:
        repo, ref = spec.tag.rsplit(":", 1)
        target = f"127.0.0.1:{port}/{repo}"
        log(f"$ docker push {target}:{ref}   # stored once for every learner")
        api.tag(spec.tag, target, ref)
        try:
            for line in api.push(target, ref, stream=True, decode=True):
                if "error" in line:
                    raise engine_error(f"push {spec.tag} into the workshop mirror", Exception(line["error"]))
        finally:
            api.remove_image(f"{target}:{ref}", noprune=True)


def ensure_mirror(log: Callable[[str], None] = print) -> str:
    """The running read-only mirror's name, filled with labkit's current host images."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    name = mirror_name()
    running = api.containers(filters=room_filter(KIND_MIRROR))
    if running:
        return name
    removed(lambda: api.remove_container(name, force=True))
    if not (api.volumes(filters=room_filter(KIND_VOLUME, None) | {"name": [mirror_volume()]}) or {}).get("Volumes"):
        api.create_volume(mirror_volume(), labels=room_labels(KIND_VOLUME))
    container = _run("rw")
    try:
        _push_all(container, log)
    finally:
        removed(lambda: api.remove_container(container, force=True))
    _run("ro")
    return name


def remove_mirror() -> None:
    """Remove the mirror container (its volume is removed with the room's other volumes)."""
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    for c in api.containers(all=True, filters=room_filter(KIND_MIRROR)):
        removed(functools.partial(api.remove_container, c["Id"], force=True))
