"""The lab registry: one container, shared by all labs, that every node uses as its Docker Hub mirror.

Nodes start dockerd with `--registry-mirror=http://registry:5000`, so a learner's
`docker pull nginx` or `docker service create ... nginx` works verbatim on any
node, including one added later, with no internet, the way a real swarm pulls.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Callable

import docker.errors

from ._engine import client
from ._images import IMAGES, NODE, registry_image
from ._names import LABEL_KIND, LABEL_LAB, LABEL_MANAGED, labels_for

__all__ = ["REGISTRY_CONTAINER", "REGISTRY_ALIAS", "ensure_registry", "connect_registry", "disconnect_registry",
           "release_registry"]

REGISTRY_CONTAINER = "labkit-registry"
REGISTRY_VOLUME = "labkit-registry-data"
REGISTRY_ALIAS = "registry"  # the name nodes resolve on their lab network


def ensure_registry(log: Callable[[str], None] = print):
    """Start the registry if needed and make sure it holds the current workload images."""
    container = _running_registry() or _start_registry(log)
    port = _host_port(container)
    for spec in IMAGES:
        if spec.mirror_as and not _up_to_date(port, spec.mirror_as, client().images.get(spec.tag).id):
            _push(spec.tag, port, spec.mirror_as, log)
    return container


def _running_registry():
    try:
        c = client().containers.get(REGISTRY_CONTAINER)
    except docker.errors.NotFound:
        return None
    if c.status != "running":
        c.start()
        c.reload()
    return c


def _start_registry(log: Callable[[str], None]):
    image = registry_image()
    offline = image == NODE.tag
    data_dir = "/var/lib/docker-registry" if offline else "/var/lib/registry"
    try:
        client().volumes.get(REGISTRY_VOLUME)
    except docker.errors.NotFound:
        client().volumes.create(REGISTRY_VOLUME, labels=labels_for("registry-data"))
    log(f"$ docker run -d --name {REGISTRY_CONTAINER} -p 127.0.0.1::5000 {image}"
        + ("  docker-registry serve   # Debian's registry" if offline else ""))
    kwargs = dict(
        name=REGISTRY_CONTAINER, detach=True, labels=labels_for("registry"),
        ports={"5000/tcp": ("127.0.0.1", None)},
        volumes={REGISTRY_VOLUME: {"bind": data_dir, "mode": "rw"}},
        restart_policy={"Name": "unless-stopped"},
    )
    if offline:
        kwargs["command"] = ["docker-registry", "serve", "/etc/labkit/registry.yml"]
    container = client().containers.run(image, **kwargs)
    port = _host_port(container)
    _wait_http(f"http://127.0.0.1:{port}/v2/", 30)
    return container


def _host_port(container) -> int:
    for _ in range(50):
        container.reload()
        ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
        binding = ports.get("5000/tcp")
        if binding:
            return int(binding[0]["HostPort"])
        time.sleep(0.1)
    raise RuntimeError(f"registry container {REGISTRY_CONTAINER} has no published port")


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, OSError, ConnectionError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the lab registry did not answer at {url} within {timeout:.0f} s") from None
            time.sleep(0.2)


def _up_to_date(port: int, mirror_as: str, image_id: str) -> bool:
    """True if the registry already serves this exact image (its config digest is the image ID)."""
    repo, tag = mirror_as.rsplit(":", 1)
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v2/{repo}/manifests/{tag}",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    try:
        manifest = json.loads(urllib.request.urlopen(req, timeout=5).read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return manifest.get("config", {}).get("digest") == image_id


def _push(tag: str, port: int, mirror_as: str, log: Callable[[str], None]) -> None:
    target = f"127.0.0.1:{port}/{mirror_as}"
    log(f"$ docker push {target}   # {tag} becomes `{mirror_as.removeprefix('library/')}` for the nodes")
    image = client().images.get(tag)
    repo, ref = target.rsplit(":", 1)
    image.tag(repo, ref)
    try:
        for line in client().api.push(repo, ref, stream=True, decode=True):
            if "error" in line:
                raise RuntimeError(f"failed to push {tag} into the lab registry: {line['error']}")
    finally:
        client().images.remove(target, noprune=True)


def connect_registry(network_name: str, log: Callable[[str], None] = print) -> None:
    """Attach the registry to a lab network under the alias `registry` (starting it if another lab's stop removed it)."""
    container = _running_registry() or ensure_registry(log)
    try:
        client().networks.get(network_name).connect(container, aliases=[REGISTRY_ALIAS])
    except docker.errors.APIError as exc:
        if "already exists" not in str(exc):
            raise


def disconnect_registry(network_name: str) -> None:
    """Detach the registry from a lab network (a network with containers attached cannot be removed)."""
    try:
        client().networks.get(network_name).disconnect(REGISTRY_CONTAINER, force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if "is not connected" not in str(exc):
            raise


def release_registry() -> bool:
    """Remove the registry container once no lab is left; its data volume stays, so the next start is quick.

    The registry serves labs only: leaving it running after the last lab would
    keep a container on the user's engine that nothing uses.
    """
    api = client().api
    if api.networks(filters={"label": [f"{LABEL_MANAGED}=true", LABEL_LAB]}):
        return False
    removed = False
    for c in api.containers(all=True, filters={"label": [f"{LABEL_MANAGED}=true", f"{LABEL_KIND}=registry"]}):
        try:
            api.remove_container(c["Id"], force=True)
            removed = True
        except docker.errors.NotFound:
            pass
    return removed
