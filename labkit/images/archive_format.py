"""The format of labkit's image archive: one tar file with every image a lab needs, for machines that reach no registry.

Layout (a plain tar: `tar tvf FILE` lists it):

    labkit-archive.json   first, a fixed-size block: format, version, the file's size, the manifest's sha256
    images-*.tar.gz       `docker save` of the images that share layers (a layer is stored once), gzip level 1
    registry-cache.tar    the lab registry's data volume (its blobs are compressed already)
    manifest.json         last: labkit version, each image (tag, ID, recipe label), each member's size and sha256

Written in one pass to FILE.partial, renamed to FILE when complete: a member's tar header is rewritten once its
size is known, the first block last. So the first 1 KiB tells a truncated file (size) or a foreign one (format),
and one read checks every byte (members against the manifest, the manifest against the first block).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..base.errors import ImageUnavailable

__all__ = [
    "ArchiveInvalid",
    "ImageEntry",
    "Member",
    "Manifest",
    "refused",
    "FORMAT",
    "VERSION",
    "HEADER",
    "MANIFEST",
    "BLOCK",
    "HEADER_DATA",
]

FORMAT = "labkit-images"
VERSION = 1
HEADER = "labkit-archive.json"
MANIFEST = "manifest.json"
BLOCK = 512  # a tar block
HEADER_DATA = 512  # the first member's data, padded with spaces, so it can be rewritten in place
_FIX = "Fix: copy the file again, or run `labkit images export FILE` again on a machine that has the images."


class ArchiveInvalid(ImageUnavailable):
    """An image archive that is missing, truncated, corrupt or not labkit's; nothing was loaded from it."""


def refused(path: Path, what: str, fix: str = _FIX) -> ArchiveInvalid:
    """The one-line refusal of an archive: what is wrong with it, that nothing was loaded, and what to do."""
    return ArchiveInvalid(f"{path} {what}: nothing was loaded.\n{fix}")


@dataclass(frozen=True)
class ImageEntry:
    """One image in the archive: labkit's key for it (node, nginx, ... or '' for another), tag, ID, recipe label."""

    key: str
    tag: str
    id: str
    recipe: str | None
    size: int


@dataclass(frozen=True)
class Member:
    """One member of the archive and what it holds (`images`: tags; `registry-cache`: the registry's volume)."""

    name: str
    kind: str
    size: int
    sha256: str
    gzip: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and the checksum of every member."""

    labkit: str
    created: str
    images: tuple[ImageEntry, ...]
    members: tuple[Member, ...]

    def to_json(self) -> bytes:
        """The manifest as the archive stores it."""
        return json.dumps({"format": FORMAT, "version": VERSION, **asdict(self)}, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a stored manifest; ValueError, KeyError or TypeError if it is not one."""
        raw = json.loads(data)
        return cls(
            raw["labkit"],
            raw["created"],
            tuple(ImageEntry(**i) for i in raw["images"]),
            tuple(Member(**{**m, "tags": tuple(m["tags"])}) for m in raw["members"]),
        )
