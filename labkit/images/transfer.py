"""`labkit images export FILE` and `labkit images import FILE`: every image a lab and the course need, and the lab
registry's cache, in one archive (archive.py), for laptops in a room that reaches no registry.

The registry's cache travels as its volume's files rather than being pushed again from the loaded images: an
extraction of ~40 MB takes well under a second, where a push compresses every layer again (seconds), and an
imported engine then starts its first lab exactly as the exporting one does (the registry already serves the
current images: nothing is pushed).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from ..base.errors import ImageUnavailable, InvalidInput
from ..base.facts import KIND_REGISTRY_DATA, REGISTRY_VOLUME, labels_for
from ..host import image_store
from ..host.image_transfer import (
    image_layers,
    load_images,
    read_volume,
    remove_volume,
    save_images,
    volume_exists,
    write_volume,
)
from ..host.registry import ensure_registry, release_registry
from .archive import Archive, ArchiveWriter, ImageEntry, Manifest, progress, refused, verify
from .ensure import ensure_images
from .mirror import registry_plan
from .specs import IMAGES, LABEL_RECIPE, NODE

__all__ = ["export_archive", "import_archive", "group_by_layers", "labkit_version"]

CACHE_MEMBER = "registry-cache.tar"


def labkit_version() -> str:
    """The installed labkit's version (recorded in an archive, named when recipes differ)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("labkit")
    except PackageNotFoundError:
        return "(not installed)"


def export_archive(path: Path, log: Callable[[str], None] = print) -> Manifest:
    """Write every image a lab needs and the registry's cache to one archive at path (via path.partial).

    The images are made present and current first, and the registry's cache filled, as `labkit setup` does.
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory. Fix: give a file name, e.g. {path / 'labkit-images.tar'}")
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist. Fix: create it, or give another path.")
    ensure_images(log)
    plan = registry_plan()
    ensure_registry(plan, log)  # the cache holds the current images, as after `labkit setup`
    release_registry()
    tags = [s.tag for s in IMAGES] + ([plan.image] if plan.image not in {s.tag for s in IMAGES} else [])
    entries = tuple(_entry(tag) for tag in tags)
    started = time.monotonic()
    log(f"$ docker save ... > {path}   # {len(tags)} images and the lab registry's cache")
    try:
        with ArchiveWriter(path, log) as writer:
            for group in group_by_layers({tag: image_layers(tag) for tag in tags}):
                name = "images-" + "-".join(_short(t) for t in group) + ".tar.gz"
                writer.add(
                    name, save_images(group), kind="images", what=", ".join(group), tags=tuple(group), compress=True
                )
            writer.add(
                CACHE_MEMBER,
                read_volume(REGISTRY_VOLUME, NODE.tag),
                kind="registry-cache",
                what=f"the lab registry's cache (volume {REGISTRY_VOLUME})",
            )
            manifest = writer.finish(labkit_version(), entries)
    except OSError as exc:
        raise ImageUnavailable(
            f"cannot write {path}: {exc.strerror or exc}.\n"
            "Fix: free some disk space (the archive takes ~250 MB), or write it elsewhere."
        ) from exc
    size = path.stat().st_size
    log(
        f"✓ wrote {path}: {size / 1e6:.0f} MB in {time.monotonic() - started:.0f} s. On each laptop: "
        f"`labkit images import {path.name}`, then `./run lab` (no build, no download)"
    )
    return manifest


def import_archive(path: Path, log: Callable[[str], None] = print) -> Manifest:
    """Verify the whole archive, then load its images and the registry's cache. Nothing is loaded from an archive
    that is truncated, corrupt, foreign or made from other recipes; a load that fails midway is undone."""
    path = Path(path)
    started = time.monotonic()
    archive = verify(path, log)
    _check_recipes(archive)
    manifest = archive.manifest
    before = {e.tag: _image_id(e.tag) for e in manifest.images}
    cache_was_there = volume_exists(REGISTRY_VOLUME)
    try:
        for member in manifest.members:
            if member.kind == "images":
                log(f"$ docker load   # {', '.join(member.tags)} ({member.size / 1e6:.0f} MB)")
                load_images(progress(archive.chunks(member.name), "loaded", log, 50 << 20))
            elif member.kind == "registry-cache":
                log(f"  the lab registry's cache -> volume {REGISTRY_VOLUME} ({member.size / 1e6:.0f} MB)")
                write_volume(REGISTRY_VOLUME, NODE.tag, labels_for(KIND_REGISTRY_DATA), archive.chunks(member.name))
        wrong = [e.tag for e in manifest.images if _image_id(e.tag) != e.id]
        if wrong:
            raise ImageUnavailable(
                f"after loading {path}, the engine does not have {', '.join(wrong)} as exported.\n"
                "Fix: run the import again; if it fails again, export again."
            )
    except BaseException:
        with contextlib.suppress(Exception):  # the error that stopped the load is the one to show
            _undo(before, cache_was_there)
        raise
    log(
        f"✓ imported {len(manifest.images)} images and the lab registry's cache in "
        f"{time.monotonic() - started:.0f} s: `./run lab` starts the course with no build and no download"
    )
    return manifest


def group_by_layers(layers: dict[str, list[str]]) -> list[list[str]]:
    """Tags grouped so that images sharing a layer are saved together (one copy of the layer); order kept."""
    groups: list[tuple[list[str], set[str]]] = []
    for tag, ids in layers.items():
        joined = [g for g in groups if g[1] & set(ids)]
        merged = ([t for g in joined for t in g[0]] + [tag], set(ids).union(*(g[1] for g in joined)))
        groups = [g for g in groups if g not in joined]
        groups.append(merged)
    return sorted((g[0] for g in groups), key=lambda tags: list(layers).index(tags[0]))


def _entry(tag: str) -> ImageEntry:
    info = image_store.inspect_image(tag)
    if info is None:
        raise ImageUnavailable(f"{tag} is missing. Fix: run `labkit images build` (or `pull`), then export again.")
    spec = next((s for s in IMAGES if s.tag == tag), None)
    recipe = ((info.get("Config") or {}).get("Labels") or {}).get(LABEL_RECIPE)
    return ImageEntry(spec.key if spec else "", tag, str(info["Id"]), recipe, int(info.get("Size") or 0))


def _short(tag: str) -> str:
    """`labkit/node:latest` -> `node`, `registry:2.8.3` -> `registry`: a member's name."""
    return tag.rsplit(":", 1)[0].rsplit("/", 1)[-1]


def _image_id(tag: str) -> str | None:
    info = image_store.inspect_image(tag)
    return None if info is None else str(info["Id"])


def _check_recipes(archive: Archive) -> None:
    """Refuse an archive whose images this labkit would rebuild (another version's recipes): nothing is loaded."""
    recipes = {e.key: e.recipe for e in archive.manifest.images if e.key}
    differ = [s.key for s in IMAGES if recipes.get(s.key) != s.recipe()]
    if differ:
        raise refused(
            archive.path,
            f"holds images made from other recipes than this labkit's ({', '.join(differ)};"
            f" exported by labkit {archive.manifest.labkit}, this is {labkit_version()}), which it would "
            "rebuild",
            "Fix: export again with this labkit version, or import with the labkit that exported it.",
        )


def _undo(before: dict[str, str | None], cache_was_there: bool) -> None:
    """Put every tag back where it pointed before the import, and remove a cache volume the import created."""
    for tag, old in before.items():
        now = _image_id(tag)
        if now == old:
            continue
        if old is None:
            image_store.remove_image(tag)
        else:
            image_store.tag_image(old, tag)
    if not cache_was_there:
        remove_volume(REGISTRY_VOLUME)
