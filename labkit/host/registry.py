"""The lab registry: one container, shared by all labs, that every node uses as its Docker Hub mirror.

Nodes start dockerd with `--registry-mirror=http://registry:5000`, so a learner's
`docker pull nginx` works verbatim on any node, including one added later, with
no internet. This module runs the container; which image it runs and what it
must hold is decided by the images layer (a RegistryPlan).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import docker.errors

from ..base.errors import EngineError
from ..base.facts import (
    KIND_NETWORK,
    KIND_REGISTRY,
    KIND_REGISTRY_DATA,
    REGISTRY_ALIAS,
    REGISTRY_CONTAINER,
    REGISTRY_PORT,
    REGISTRY_VOLUME,
    label_filter,
    labels_for,
)
from ..base.poll import poll
from .api_errors import engine_error, reason, removed
from .engine import client
from .exec import run_in_container
from .networks import connect, disconnect

__all__ = [
    "RegistryPlan",
    "ensure_registry",
    "make_current",
    "connect_registry",
    "disconnect_registry",
    "release_registry",
    "release_later",
    "release_now",
    "linger",
]

_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass(frozen=True)
class RegistryPlan:
    """What the registry runs and what it must serve: (host tag, name nodes pull) pairs."""

    image: str
    command: tuple[str, ...] | None
    data_dir: str
    mirrored: tuple[tuple[str, str], ...]
    note: str = ""  # shown beside the docker run command


def ensure_registry(plan: RegistryPlan, log: Callable[[str], None] = print) -> str:
    """Start the registry if needed and make sure it serves the current images; return its container id."""
    container = _running() or _start(plan, log)
    make_current(container, plan, log)
    return container


def make_current(container: str, plan: RegistryPlan, log: Callable[[str], None] = print) -> None:
    """Push into a running registry container the images it does not serve in their current version."""
    stale = _stale_images(container, plan)
    if stale:
        port = _host_port(container)
        for tag, name in stale:
            _push(tag, port, name, log)


def _running() -> str | None:
    """The registry container if it is (or can be made) running; None if there is none, or it is being removed
    (another process released it at this moment: its removal is waited out, and a new one can be started)."""
    api = client().api
    try:
        attrs = api.inspect_container(REGISTRY_CONTAINER)
        if attrs["State"]["Running"]:
            return attrs["Id"]
        api.start(attrs["Id"])
        _wait_answers(attrs["Id"])
        return attrs["Id"]
    except docker.errors.NotFound:
        return None
    except docker.errors.APIError as exc:
        if reason(exc) not in ("in-progress", "not-running"):
            raise engine_error("start the lab registry", exc) from exc
    poll(
        _exists,
        lambda there: not there,
        timeout=30,
        interval=0.1,
        what="the released registry to be removed",
        show=lambda _: "still there",
    )
    return None


def _exists() -> bool:
    try:
        client().api.inspect_container(REGISTRY_CONTAINER)
        return True
    except docker.errors.NotFound:
        return False


def _start(plan: RegistryPlan, log: Callable[[str], None]) -> str:
    api = client().api
    try:
        api.create_volume(REGISTRY_VOLUME, labels=labels_for(KIND_REGISTRY_DATA))
    except docker.errors.APIError:
        pass  # it exists already: that is the point of keeping it
    log(f"$ docker run -d --name {REGISTRY_CONTAINER} -p 127.0.0.1::{REGISTRY_PORT} {plan.image}{plan.note}")
    host_config = api.create_host_config(
        port_bindings={REGISTRY_PORT: ("127.0.0.1", None)},
        binds=[f"{REGISTRY_VOLUME}:{plan.data_dir}:rw"],
        restart_policy={"Name": "unless-stopped"},
    )
    try:
        created = api.create_container(
            plan.image,
            command=list(plan.command) if plan.command else None,
            name=REGISTRY_CONTAINER,
            labels=labels_for(KIND_REGISTRY),
            ports=[REGISTRY_PORT],
            host_config=host_config,
            detach=True,
        )
        api.start(created["Id"])
    except docker.errors.APIError as exc:
        existing = _running() if reason(exc) == "name-in-use" else None
        if existing:  # another process started it at the same moment
            return existing
        raise engine_error("start the lab registry", exc) from exc
    _wait_answers(created["Id"])
    return created["Id"]


# Asked from inside the registry container, so it works wherever the engine is (a remote or nested one too).
# $1 is the URL, $2 an optional Accept header; curl in Debian's image, busybox wget in registry:2.
_GET = (
    "if command -v curl >/dev/null; then "
    'if [ -n "$2" ]; then curl -fsS -H "Accept: $2" "$1"; else curl -fsS "$1"; fi; '
    'elif [ -n "$2" ]; then wget -q -O- --header "Accept: $2" "$1"; else wget -q -O- "$1"; fi'
)


def _get(container: str, path: str, accept: str = "") -> str | None:
    url = f"http://127.0.0.1:{REGISTRY_PORT}{path}"
    r = run_in_container(container, ["sh", "-c", _GET, "sh", url, accept], check=False)
    return r.stdout if r.ok else None


def _wait_answers(container: str) -> None:
    poll(
        lambda: _get(container, "/v2/"),
        lambda body: body is not None,
        timeout=30,
        interval=0.1,
        what="the lab registry to answer on /v2/",
        show=lambda _: "no answer",
    )


def _stale_images(container: str, plan: RegistryPlan) -> list[tuple[str, str]]:
    """Images the registry does not serve in their current version (its config digest is the image ID)."""
    stale = []
    for tag, name in plan.mirrored:
        repo, ref = name.rsplit(":", 1)
        body = _get(container, f"/v2/{repo}/manifests/{ref}", _MANIFEST)
        try:
            digest = json.loads(body or "{}").get("config", {}).get("digest")
        except ValueError:
            digest = None
        if digest != client().api.inspect_image(tag)["Id"]:
            stale.append((tag, name))
    return stale


def _host_port(container: str) -> int:
    def port() -> int | None:
        ports = (client().api.inspect_container(container).get("NetworkSettings") or {}).get("Ports") or {}
        binding = ports.get(f"{REGISTRY_PORT}/tcp")
        return int(binding[0]["HostPort"]) if binding else None

    found = poll(port, bool, timeout=5, interval=0.1, what="the lab registry's published port", show=str)
    assert found is not None  # poll returns only an observation that passed `bool`
    return found


def _push(tag: str, port: int, name: str, log: Callable[[str], None]) -> None:
    api = client().api
    target = f"127.0.0.1:{port}/{name}"
    log(f"$ docker push {target}   # {tag} becomes `{name.removeprefix('library/')}` for the nodes")
    repo, ref = target.rsplit(":", 1)
    api.tag(tag, repo, ref)
    try:
        for line in api.push(repo, ref, stream=True, decode=True):
            if "error" in line:
                raise engine_error(f"push {tag} into the lab registry", Exception(line["error"]))
    finally:
        api.remove_image(target, noprune=True)


def connect_registry(network: str, plan: RegistryPlan, log: Callable[[str], None] = print) -> None:
    """Attach the registry to a lab network as `registry` (starting it if another lab's stop removed it)."""
    for attempt in range(3):
        container = _running() or ensure_registry(plan, log)
        try:
            connect(network, container, aliases=[REGISTRY_ALIAS])
            return
        except EngineError:
            if attempt == 2 or _running() == container:  # it is there and still refuses: a real problem
                raise


def disconnect_registry(network: str) -> None:
    """Detach the registry from a lab network (a network with containers attached cannot be removed)."""
    disconnect(network, REGISTRY_CONTAINER)


LINGER = 30.0  # seconds the registry stays after the last lab (LABKIT_REGISTRY_LINGER; 0: remove it at once)


def linger() -> float:
    """How long the registry outlives the last lab: a lab started meanwhile (a reset, the next notebook) reuses it."""
    value = os.environ.get("LABKIT_REGISTRY_LINGER", "")
    try:
        return max(0.0, float(value)) if value.strip() else LINGER
    except ValueError:
        return LINGER


def release_later(ignore: Sequence[str] = ()) -> None:
    """Release the registry after `linger()` seconds, from a detached process (nothing waits for it); at once if 0."""
    delay = linger()
    if delay <= 0:
        release_registry(ignore)
        return
    # Its own session, no output: it outlives this process (the `labkit down` that asked for it) and prints nothing.
    subprocess.Popen(
        [sys.executable, "-m", "labkit.host.registry_release", str(delay)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def release_registry(ignore: Sequence[str] = ()) -> bool:
    """Remove the registry container once no lab network is left (besides `ignore`, ids about to go);
    its data volume stays, so a restart is quick.

    The registry serves labs only: leaving it running after the last lab would
    keep a container on the user's engine that nothing uses.
    """
    api = client().api
    lab_networks = api.networks(filters=label_filter(KIND_NETWORK))  # first: a lab makes its network, then joins
    registries = api.containers(all=True, filters=label_filter(KIND_REGISTRY))
    if not release_now(lab_networks, registries, ignore):
        return False
    # Several releasers may wake together (labs removed at once): the one whose removal lands counts it.
    return any([_remove_container(c["Id"]) for c in registries])


def _remove_container(cid: str) -> bool:
    return removed(lambda: client().api.remove_container(cid, force=True))


def release_now(lab_networks: list[dict], registries: list[dict], ignore: Sequence[str] = ()) -> bool:
    """Whether to remove the registry: no lab network is left (besides `ignore`), and no registry container is
    attached to a network besides the engine's default one (a lab created after the networks were listed)."""
    if any(n["Id"] not in ignore for n in lab_networks):
        return False
    attached = {
        (net or {}).get("NetworkID", name)
        for c in registries
        for name, net in ((c.get("NetworkSettings") or {}).get("Networks") or {}).items()
        if name != "bridge"
    }
    return not attached - set(ignore)
