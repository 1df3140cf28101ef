"""The engine's images: look one up, pull, build from a context, import a root filesystem, export and load."""

from __future__ import annotations

from collections.abc import Iterator

import docker.errors

from .api_errors import engine_error, removed
from .engine import client
from .image_transfer import save_images

__all__ = ["inspect_image", "pull", "build", "import_rootfs", "remove_image", "tag_image", "save", "load"]


def inspect_image(tag: str) -> dict | None:
    """The engine's inspect data of an image, or None if it has no such tag."""
    try:
        return client().api.inspect_image(tag)
    except docker.errors.ImageNotFound:
        return None


def pull(tag: str) -> None:
    """`docker pull tag`; EngineError with the engine's reason if it fails (no network, no such image)."""
    repo, ref = tag.rsplit(":", 1)
    try:
        client().images.pull(repo, tag=ref)
    except docker.errors.DockerException as exc:
        raise engine_error(f"pull {tag}", exc) from exc


def build(context: str, dockerfile: str, tag: str, labels: dict[str, str], args: dict[str, str] | None = None) -> None:
    """`docker build` a context directory without pulling (bases must be present)."""
    try:
        client().images.build(
            path=context, dockerfile=dockerfile, tag=tag, labels=labels, buildargs=args or {}, rm=True, pull=False
        )
    except docker.errors.DockerException as exc:
        raise engine_error(f"build {tag}", exc) from exc


def import_rootfs(tar_path: str, tag: str, changes: list[str]) -> None:
    """`docker import` a root filesystem tarball as tag, with Dockerfile-style changes."""
    repo, ref = tag.rsplit(":", 1)
    try:
        client().api.import_image(src=tar_path, repository=repo, tag=ref, changes=changes)
    except docker.errors.DockerException as exc:
        raise engine_error(f"import {tag}", exc) from exc


def tag_image(source: str, target: str) -> None:
    """`docker tag source target`."""
    repo, ref = target.rsplit(":", 1)
    client().api.tag(source, repo, ref)


def remove_image(tag: str) -> bool:
    """`docker rmi tag` (the tag only: layers shared with other tags stay); False if it was not there."""
    return removed(lambda: client().api.remove_image(tag, noprune=False))


def save(tags: list[str]) -> Iterator[bytes]:
    """`docker save` as a stream of chunks."""
    # docker-py's get_image takes one name (a list raised ValueError); save_images asks the engine for several.
    return client().api.get_image(tags[0]) if len(tags) == 1 else save_images(tags)


def load(data: bytes | Iterator[bytes]) -> None:
    """`docker load` from bytes or chunks."""
    client().api.load_image(data)
