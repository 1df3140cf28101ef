"""Images and a volume's content in and out of the engine as streams: `docker save`, `docker load`, and a volume
read or filled through a helper container that is created, never started, and removed (labelled, so one a killed
process left is removed by the next call)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import docker.errors

from ..base.facts import LABEL_HOST, LABEL_PID, label_filter, labels_for
from .api_errors import engine_error, removed
from .engine import client

__all__ = [
    "save_images",
    "load_images",
    "image_layers",
    "read_volume",
    "write_volume",
    "volume_exists",
    "remove_volume",
    "remove_helpers",
    "KIND_VOLUME_COPY",
]

KIND_VOLUME_COPY = "volume-copy"  # a helper container that reads or fills a volume, created and never started
_MOUNT = "/labkit-volume"
_CHUNK = 1 << 20


def image_layers(tag: str) -> list[str]:
    """The IDs of an image's layers (`RootFS.Layers`)."""
    return list((client().api.inspect_image(tag).get("RootFS") or {}).get("Layers") or [])


def save_images(tags: list[str]) -> Iterator[bytes]:
    """`docker save TAG...` as a stream of chunks (shared layers once, every tag kept)."""
    api: Any = client().api  # the private helpers used below are not in types-docker's stubs
    try:
        # docker-py's get_image takes one name; the engine's endpoint takes several (`names=` repeated).
        res = api._get(api._url("/images/get"), params={"names": tags}, stream=True)
        api._raise_for_status(res)
    except docker.errors.DockerException as exc:
        raise engine_error(f"save {', '.join(tags)}", exc) from exc
    return api._stream_raw_result(res, _CHUNK, False)


def load_images(chunks: Iterable[bytes]) -> list[str]:
    """`docker load` from a stream (plain or gzip tar); return the tags it loaded. EngineError if it fails."""
    loaded = []
    try:
        for line in client().api.load_image(chunks, quiet=True) or ():
            if "error" in line:
                raise engine_error("load images", Exception(line["error"]))
            text = str(line.get("stream", ""))
            if text.startswith("Loaded image:"):
                loaded.append(text.split(":", 1)[1].strip())
    except docker.errors.DockerException as exc:
        raise engine_error("load images", exc) from exc
    return loaded


def _helper(volume: str, image: str, read_only: bool) -> str:
    """A container (created, not started) with the volume mounted, labelled so a leftover can be found."""
    api = client().api
    remove_helpers()
    host_config = api.create_host_config(binds=[f"{volume}:{_MOUNT}:{'ro' if read_only else 'rw'}"])
    try:
        return str(
            api.create_container(
                image, ["true"], labels=labels_for(KIND_VOLUME_COPY, volume=volume), host_config=host_config
            )["Id"]
        )
    except docker.errors.DockerException as exc:
        raise engine_error(f"mount volume {volume} in a helper container", exc) from exc


def read_volume(volume: str, image: str) -> Iterator[bytes]:
    """A volume's whole content as a tar stream (its root as `./`); `image` is any image present (not run)."""
    helper = _helper(volume, image, read_only=True)
    try:
        stream, _ = client().api.get_archive(helper, f"{_MOUNT}/.", chunk_size=_CHUNK)
        yield from stream
    except docker.errors.DockerException as exc:
        raise engine_error(f"read volume {volume}", exc) from exc
    finally:
        removed(lambda: client().api.remove_container(helper, force=True))


def write_volume(volume: str, image: str, labels: dict[str, str], chunks: Iterable[bytes]) -> None:
    """Extract a tar stream into a volume (created with `labels` if missing); files already there are replaced."""
    api = client().api
    if not volume_exists(volume):
        api.create_volume(volume, labels=labels)
    helper = _helper(volume, image, read_only=False)
    try:
        api.put_archive(helper, _MOUNT, chunks)
    except docker.errors.DockerException as exc:
        raise engine_error(f"fill volume {volume}", exc) from exc
    finally:
        removed(lambda: client().api.remove_container(helper, force=True))


def volume_exists(volume: str) -> bool:
    """Whether the engine has a volume of this name."""
    try:
        client().api.inspect_volume(volume)
        return True
    except docker.errors.NotFound:
        return False


def remove_volume(volume: str) -> bool:
    """Remove a volume; False if it was not there."""
    return removed(lambda: client().api.remove_volume(volume, force=True))


def remove_helpers() -> int:
    """Remove the helper containers whose process is gone (a killed export or import); return how many."""
    api = client().api
    left = [c for c in api.containers(all=True, filters=label_filter(KIND_VOLUME_COPY)) if not _alive(c["Labels"])]
    return sum(removed(partial(api.remove_container, c["Id"], force=True)) for c in left)


def _alive(labels: dict[str, str]) -> bool:
    """Whether the process that created a helper still runs (on this machine; another machine's counts as gone)."""
    if labels.get(LABEL_HOST) != socket.gethostname():
        return False
    try:
        pid = int(labels.get(LABEL_PID, "0"))
        if pid <= 0:
            return False
        os.kill(pid, 0)
        return True
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's live process
        return True
